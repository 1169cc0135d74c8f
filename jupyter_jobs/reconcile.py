"""What a job's record becomes from what its runner and its backend say: changes, decided.

The manager reads the runner's status.json, polls the backend, and applies the changes
these functions return (they change nothing themselves). The runner's own final status
wins; the backend adds what the runner cannot know (why it waits, why it was ended).
"""

from __future__ import annotations

from typing import Any

from .attempts import attempt_of
from .backends.base import BackendState
from .jobdir import JobDirectory, utc_now
from .store import JobRecord

RUNNER_VANISHED = (
    "The job's runner ended without recording a result: it was killed, or its machine went down"
)


def progress_changes(runner: dict[str, Any]) -> dict[str, Any]:
    """The record's progress fields from the runner's, once it knows its total."""
    progress = runner.get("progress")
    if not progress or not progress.get("total"):
        return {}
    return {"progress_done": progress["done"], "progress_total": progress["total"]}


def active_changes(
    record: JobRecord, jobdir: JobDirectory, runner: dict[str, Any], state: BackendState | None
) -> dict[str, Any]:
    """A job still under way: its status, progress, usage and why it waits."""
    status = runner.get("status") or record.status
    if state is not None and state.status:
        status = state.status
    if record.status == "cancelling":
        status = "cancelling"
    changes = progress_changes(runner) | {
        "status": status,
        "started_at": runner.get("started_at"),
        "usage": jobdir.read_usage(),
        "attempt": attempt_of(runner, record),
    }
    if state is not None:
        changes["status_reason"] = state.reason
    if runner.get("reason") and status == "queued":
        changes["status_reason"] = runner["reason"]  # "retrying in 60 s (attempt 2 of 3)"
    elif status == "running" and state is None:
        changes["status_reason"] = None  # whatever it waited for, it runs now
    return changes


def final_changes(
    record: JobRecord,
    jobdir: JobDirectory,
    runner: dict[str, Any],
    error: dict[str, Any] | None,
    state: BackendState | None,
) -> dict[str, Any]:
    """The final status the runner recorded, with error (the runner's, or the backend's
    account of it); the reason is the backend's when it ended the job."""
    return progress_changes(runner) | {
        "status": runner["status"],
        "started_at": runner.get("started_at"),
        "finished_at": runner.get("finished_at"),
        "error": error,
        "status_reason": (state.retry_reason or state.reason)
        if state and state.error
        else runner.get("reason"),
        "usage": jobdir.read_usage(),
        "attempt": attempt_of(runner, record),
    }


def vanished_changes(jobdir: JobDirectory, state: BackendState) -> dict[str, Any]:
    """A job the backend no longer runs, whose runner recorded no end."""
    if jobdir.cancel_requested():
        return {"status": "cancelled", "finished_at": utc_now(), "error": None}
    if state.status == "cancelled":  # the backend ended it, saying why: a failed dependency
        return {
            "status": "cancelled",
            "finished_at": utc_now(),
            "error": state.error,
            "status_reason": state.reason,
        }
    # Presumed: the runner recorded nothing. Should it record an end after all (it was
    # only stopped, or its filesystem lagged), the manager's revisit takes that.
    return {
        "status": "failed",
        "finished_at": utc_now(),
        "error": {**(state.error or {"message": RUNNER_VANISHED}), "presumed": True},
        "status_reason": state.retry_reason or state.reason,
    }
