"""Finding and ending a job's processes: the runner, its kernel, and whatever they started."""

from __future__ import annotations

import contextlib
import os
import signal

import psutil

from .jobdir import JOB_DIR_ENV, JOB_ENV_MARKER


def runner_environment(job_id: str | None) -> dict[str, str]:
    """The environment to start a job's runner with: marked as that job's, and no other's.

    A job started from inside another job (the API in a notebook job) would
    otherwise carry its parent's marker, and cancelling the parent would end it.
    """
    env = {k: v for k, v in os.environ.items() if k not in (JOB_ENV_MARKER, JOB_DIR_ENV)}
    if job_id is not None:
        env[JOB_ENV_MARKER] = job_id
    return env


def process_alive(pid: int | None, started: float | None = None) -> bool:
    """Whether pid runs (a zombie does not count); started guards against a reused pid."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - started) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def process_start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def job_processes(job_id: str, exclude: int | None = None) -> list[psutil.Process]:
    """Every process on this machine carrying the job's marker in its environment.

    Every process of a job inherits the marker, even one that left the runner's
    process group or session (a kernel gets a session of its own), so this finds
    what killing a process group would miss.
    """
    found = []
    wanted = f"{JOB_ENV_MARKER}={job_id}".encode()
    for proc in psutil.process_iter():
        if proc.pid == exclude:
            continue
        try:
            with open(f"/proc/{proc.pid}/environ", "rb") as f:
                if wanted in f.read().split(b"\0"):
                    found.append(proc)
        except OSError:
            continue  # gone meanwhile, or another user's
    return found


def kill_job_processes(job_id: str, exclude: int | None = None) -> int:
    """SIGKILL every process of the job but `exclude`; returns how many were found."""
    procs = job_processes(job_id, exclude=exclude)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(procs, timeout=3)
    return len(procs)


def signal_group(pgid: int | None, signum: int) -> None:
    """Send a signal to a process group that may already be gone."""
    if not pgid or pgid == os.getpgid(0):
        return  # never our own group: the server and the runner live in different ones
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
