"""A job's attempts: the earlier ones kept under attempts/N/, and the retry of an attempt
that the backend ended under the runner.

The runner retries a failed attempt of the work itself (runner/run.py). When the backend
ends the attempt instead (a SLURM node failed, the job was preempted), the runner goes
with it: the manager then keeps that attempt as the runner would have, and has the
backend start the same job directory again, held for the retry delay by the backend's
own scheduler (nobody sleeps). The new runner numbers its attempt from attempts/.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from .backends.base import Backend, BackendState
from .errors import JobsError
from .jobdir import EventLog, JobDirectory, utc_now
from .private import DIR_MODE, make_private_dir
from .store import JobRecord


def attempt_of(runner: dict[str, Any], record: JobRecord) -> int:
    """The attempt the runner is at (it counts from 1; an old runner does not say)."""
    attempt = runner.get("attempt")
    return attempt if isinstance(attempt, int) and attempt >= 1 else record.attempt


def describe_attempts(record: JobRecord) -> list[dict[str, Any]]:
    """Every attempt, the current one last: the earlier ones were kept under attempts/N/."""
    earlier = JobDirectory(record.job_dir).read_attempts() if record.attempt > 1 else []
    current = {
        "attempt": record.attempt,
        "status": record.status,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "error": record.error,
    }
    return [*earlier, current]


def retry_due(
    record: JobRecord, jobdir: JobDirectory, runner: dict[str, Any], state: BackendState | None
) -> bool:
    """Whether the backend ended this attempt for no fault of the job's, with retries left.

    Never a job being cancelled: a cancel is not retried.
    """
    return (
        state is not None
        and state.retry_reason is not None
        and record.status in ("queued", "running")
        and attempt_of(runner, record) <= record.max_retries
        and not jobdir.cancel_requested()
    )


def retry_on_backend(
    record: JobRecord,
    jobdir: JobDirectory,
    runner: dict[str, Any],
    state: BackendState,
    backend: Backend,
) -> dict[str, Any]:
    """Keep the attempt the backend ended, and start the job again: the record's changes.

    If the backend cannot start it again, the job ends failed, saying so. No changes if
    another process is retrying it.
    """
    attempt = attempt_of(runner, record)
    # The claim: one process retries the attempt, though a server and the CLI may both see it.
    try:
        make_private_dir(jobdir.attempts_dir)
        os.mkdir(jobdir.attempt_dir(attempt).path, DIR_MODE)
    except FileExistsError:
        return {}  # retried by another process: the store will say so
    why = state.retry_reason or "failure"
    error = {**(state.error or {"message": f"The attempt ended: {why}"}), "reason": why}
    if runner.get("error"):
        error["runner"] = runner["error"]
    ended = {
        **runner,
        "status": "failed",
        "error": error,
        "attempt": attempt,
        "finished_at": runner.get("finished_at") or utc_now(),
    }
    jobdir.archive_attempt(attempt, ended)
    log = EventLog(jobdir)
    try:
        log.append("attempt", attempt=attempt, status="failed", error=error)
    finally:
        log.close()
    following = attempt + 1
    delay = record.retry_delay_seconds
    reason = f"{why}: retrying in {delay:g} s (attempt {following} of {record.max_retries + 1})"
    # Written before the new batch job exists: its runner replaces it when it starts.
    jobdir.write_status({"status": "queued", "attempt": following, "reason": reason})
    try:
        backend_id = backend.resubmit(record, jobdir, delay)
    except (JobsError, OSError) as e:
        told = e.message if isinstance(e, JobsError) else str(e)
        failed = {
            "message": f"The job could not be started again ({why}): {told}",
            "attempt_error": error,
        }
        with contextlib.suppress(OSError):
            jobdir.write_status(
                {
                    "status": "failed",
                    "attempt": following,
                    "error": failed,
                    "reason": why,
                    "finished_at": utc_now(),
                }
            )
        return {
            "status": "failed",
            "attempt": following,
            "error": failed,
            "status_reason": why,
            "finished_at": utc_now(),
        }
    return {
        "backend_id": backend_id,
        "attempt": following,
        "status": "queued",
        "status_reason": reason,
        "error": None,
        "started_at": None,
        "finished_at": None,
    }
