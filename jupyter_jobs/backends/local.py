"""The local backend: each job's runner is a detached process on this machine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import Any

from traitlets import Bool, Float, Integer

from ..jobdir import JobDirectory, JobSpec
from ..private import open_private
from ..processes import kill_job_processes, process_alive, runner_environment
from ..runner.queue import START_TIMEOUT_SECONDS, enqueue
from ..store import JobRecord
from ..time_limits import TIME_LIMIT_HELP, TIME_LIMIT_PATTERN, time_limit_seconds
from .base import Backend, BackendState, ResourceOption
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
    start_grace_seconds = Float(
        float(START_TIMEOUT_SECONDS),
        config=True,
        help="Seconds after submit that a job whose runner has written nothing yet counts as "
        "starting (a busy machine, a slow shared filesystem), not as gone.",
    )
    warm_runner = Bool(
        True,
        config=True,
        help="Keep a process with papermill imported that forks each job's runner: "
        "jobs start about a second sooner. Every job still gets a fresh kernel.",
    )

    def resource_options(self) -> list[ResourceOption]:
        return [
            ResourceOption(
                "time_limit",
                "Time limit",
                "string",
                f"{TIME_LIMIT_HELP}.",
                pattern=TIME_LIMIT_PATTERN,
            )
        ]

    def validate_resources(self, resources: dict[str, Any]) -> dict[str, Any]:
        resources = super().validate_resources(resources)
        if resources.get("time_limit") is not None:
            time_limit_seconds(resources["time_limit"])
            resources["time_limit"] = str(resources["time_limit"]).strip()
        else:
            resources.pop("time_limit", None)
        return resources

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._warm = WarmRunner() if self.warm_runner else None
        self._children: list[subprocess.Popen[bytes]] = []
        self._positions_lock = threading.Lock()
        self._last_position = 0

    def warm_up(self) -> None:
        """Start the warm runner now, so that the first job is fast too (the server does this)."""
        if self._warm is not None:
            self._warm.start()

    def prepare(self, spec: JobSpec) -> None:
        # Concurrency is per machine: login nodes sharing the jobs root queue apart.
        spec.queue_dir = os.path.join(self.jobs_root, ".local-queue", socket.gethostname())
        spec.queue_limit = self.max_concurrent_jobs
        with self._positions_lock:  # strictly increasing: a sweep's runs queue in grid order
            self._last_position = max(time.time_ns(), self._last_position + 1)
            spec.queue_position = self._last_position
        spec.cancel_grace_seconds = self.cancel_grace_seconds
        spec.python = sys.executable

    def submit(self, job: JobRecord, jobdir: JobDirectory) -> str:
        spec = jobdir.read_spec()
        # Its place in the queue is taken now, not when its runner gets going.
        enqueue(
            spec.queue_dir or "",
            spec.queue_position,
            spec.id,
            group=spec.sweep_id,
            group_limit=spec.sweep_max_concurrent,
        )
        pid = self._warm.spawn(jobdir.path) if self._warm is not None else None
        if pid is None:
            pid = self._spawn_cold(jobdir, job.id)
        return str(pid)

    def submit_group(
        self, jobs: list[tuple[JobRecord, JobDirectory]], max_concurrent: int | None = None
    ) -> list[str]:
        """Queue a sweep's runs in order; the runners' own queue keeps to max_concurrent (each
        run's spec carries it), across server restarts and with runs submitted by the CLI."""
        for _, jobdir in jobs:
            limit = jobdir.read_spec().sweep_max_concurrent
            if limit != max_concurrent:
                raise ValueError(f"{jobdir.path}: spec says {limit} at once, not {max_concurrent}")
        return [self.submit(job, jobdir) for job, jobdir in jobs]

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
        host = socket.gethostname()
        states = {}
        for job, jobdir in jobs:
            state = self._judge(job, jobdir, host)
            if state is not None:  # None: nothing this machine can tell
                states[job.id] = state
        return states

    def _judge(self, job: JobRecord, jobdir: JobDirectory, host: str) -> BackendState | None:
        """Whether the job's runner lives, judged only where it runs; None if unknown here."""
        status = jobdir.read_status()
        if status is not None:
            if (status.get("host") or host) != host:
                return None  # a pid means nothing here: its own host's server judges it
            pid, started = int(status.get("pid") or 0), status.get("process_started")
            return BackendState(alive=process_alive(pid, started))
        # Its runner has written nothing yet: it is starting, for a while.
        spec = _read_spec(jobdir)
        submitted = (spec.submitted_at if spec else None) or _epoch(job.created_at)
        if time.time() - submitted >= self.start_grace_seconds:
            # The runner writes status.json first thing, and the jobs root is shared:
            # whatever the host, nothing by now means it never started (or is stuck).
            return BackendState(alive=False)
        if spec is not None and spec.submit_host not in (None, host):
            return None
        pid = int(job.backend_id or 0)  # 0 while the submitter has not stored it yet
        if pid and not process_alive(pid):
            return BackendState(alive=False)
        return BackendState(alive=True) if pid else None

    def cancel(self, job: JobRecord, jobdir: JobDirectory) -> None:
        status = jobdir.read_status() or {}
        spec = _read_spec(jobdir)
        runner_host = status.get("host") or (spec.submit_host if spec else None)
        if runner_host not in (None, socket.gethostname()):
            return  # no signal across machines: the runner sees cancel-requested itself
        pid, started = self._runner(job, status)
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

    @staticmethod
    def _runner(job: JobRecord, status: dict[str, Any]) -> tuple[int, float | None]:
        return int(status.get("pid") or job.backend_id or 0), status.get("process_started")

    def close(self) -> None:
        if self._warm is not None:
            self._warm.close()


def _read_spec(jobdir: JobDirectory) -> JobSpec | None:
    try:
        return jobdir.read_spec()
    except (OSError, ValueError, TypeError):
        return None  # a job directory deleted or damaged by hand: judged by its record alone


def _epoch(iso: str) -> float:
    """Seconds since the epoch of an ISO time like the store's created_at; 0 if unreadable."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return 0.0
