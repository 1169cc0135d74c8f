"""The local backend: each job's runner is a detached process on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from traitlets import Bool, Float, Integer

from ..jobdir import JobDirectory, JobSpec
from ..private import open_private
from ..processes import kill_job_processes, process_alive, runner_environment
from ..runner.queue import enqueue
from ..store import JobRecord
from .base import Backend, BackendState
from .warm_runner import WarmRunner


def _default_concurrency() -> int:
    # Heavy jobs (model training) each use several cores; they finish sooner one after another.
    return max(1, (os.cpu_count() or 2) // 2)


class LocalBackend(Backend):
    """Runs jobs on this machine, at most `max_concurrent_jobs` at once, the rest queued."""

    name = "local"
    label = "Local"
    description = (
        "On this machine, as background processes that outlive the browser and the server."
    )

    max_concurrent_jobs = Integer(
        _default_concurrency(),
        config=True,
        help="How many local jobs run at once; the others wait in order. Default: half the cores.",
    )
    cancel_grace_seconds = Float(
        5.0,
        config=True,
        help="Seconds a cancelled job gets after its kernel is interrupted before it is killed.",
    )
    warm_runner = Bool(
        True,
        config=True,
        help="Keep a process with papermill imported that forks each job's runner: "
        "jobs start about a second sooner. Every job still gets a fresh kernel.",
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._warm = WarmRunner() if self.warm_runner else None
        self._children: list[subprocess.Popen[bytes]] = []

    def warm_up(self) -> None:
        """Start the warm runner now, so that the first job is fast too (the server does this)."""
        if self._warm is not None:
            self._warm.start()

    def prepare(self, spec: JobSpec) -> None:
        spec.queue_dir = os.path.join(self.jobs_root, ".local-queue")
        spec.queue_limit = self.max_concurrent_jobs
        spec.queue_position = time.time_ns()
        spec.cancel_grace_seconds = self.cancel_grace_seconds
        spec.python = sys.executable

    def submit(self, job: JobRecord, jobdir: JobDirectory) -> str:
        spec = jobdir.read_spec()
        # Its place in the queue is taken now, not when its runner gets going.
        enqueue(spec.queue_dir or "", spec.queue_position, spec.id)
        pid = self._warm.spawn(jobdir.path) if self._warm is not None else None
        if pid is None:
            pid = self._spawn_cold(jobdir, job.id)
        return str(pid)

    def _spawn_cold(self, jobdir: JobDirectory, job_id: str) -> int:
        with open_private(jobdir.runner_log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "jupyter_jobs.runner", str(jobdir.path)],
                env=runner_environment(job_id),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # detached: no signal meant for the server reaches it
            )
        self._children.append(proc)
        return proc.pid

    def poll(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> dict[str, BackendState]:
        # Reap runners we started ourselves, or they would linger as zombies.
        self._children = [p for p in self._children if p.poll() is None]
        return {job.id: BackendState(alive=self._runner_alive(job, jobdir)) for job, jobdir in jobs}

    def cancel(self, job: JobRecord, jobdir: JobDirectory) -> None:
        pid, started = self._runner(job, jobdir)
        if process_alive(pid, started):
            os.kill(pid, signal.SIGTERM)  # the runner interrupts its kernel and records the cancel
        # Should the runner itself hang, end everything of the job a little after its own grace.
        timer = threading.Timer(
            self.cancel_grace_seconds + 5, self._force_stop, args=(job.id, pid, started)
        )
        timer.daemon = True
        timer.start()

    def _force_stop(self, job_id: str, pid: int, started: float | None) -> None:
        if process_alive(pid, started):
            os.kill(pid, signal.SIGKILL)
        kill_job_processes(job_id)

    def _runner(self, job: JobRecord, jobdir: JobDirectory) -> tuple[int, float | None]:
        status = jobdir.read_status() or {}
        return int(status.get("pid") or job.backend_id or 0), status.get("process_started")

    def _runner_alive(self, job: JobRecord, jobdir: JobDirectory) -> bool:
        return process_alive(*self._runner(job, jobdir))

    def close(self) -> None:
        if self._warm is not None:
            self._warm.close()
