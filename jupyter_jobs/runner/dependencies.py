"""A chained job's wait for the jobs it runs after (`after`, `after_condition`).

Read from the dependencies' own job directories, so it needs no server: the runner
waits here before the local queue, and the SLURM backend uses the same judgement
to name what a pending job waits for and why SLURM dropped it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..jobdir import FINAL_STATES, DamagedFile, JobDirectory

CONDITIONS = ("completed", "finished")
CHECK_SECONDS = 0.5
# Where the SLURM backend keeps the final state SLURM gave a job (it may never have run).
SLURM_STATE_NAME = "slurm-state.json"
# Where the manager keeps the end it gave a job whose runner died without recording one.
DECIDED_END_NAME = "decided-end.json"


@dataclass
class Blocked:
    """A dependency ended in a way the condition does not allow: the job is cancelled."""

    reason: str  # "job abc123 (prepare) failed"
    error: dict[str, Any]


def shown(dependency: dict[str, Any]) -> str:
    """A dependency as a person knows it: its id and, if it has one, its name."""
    name = dependency.get("name")
    return f"job {dependency['id']} ({name})" if name else f"job {dependency['id']}"


def ended_as(dependency: dict[str, Any]) -> str | None:
    """How the dependency ended, or None while it has not.

    Its runner's status.json says so (a deleted job directory reads as failed). A runner
    that died without saying so leaves the end the manager decided for it. A job that
    never ran has none: a cancel asked before it started, or SLURM's own final state for
    it, tells how it ended. A runner that recorded its failure when a signal stopped it,
    with retries left, has not ended the job: the manager may run it again (a SLURM node
    failure), or says it ended (decided-end.json).
    """
    jobdir = JobDirectory(dependency["job_dir"])
    runner = jobdir.read_status() or {}
    status = runner.get("status")
    decided = _read_object(jobdir.path / DECIDED_END_NAME)
    if status in FINAL_STATES and not (_may_be_retried(jobdir, runner) and not decided):
        return str(status)
    if decided.get("status") in FINAL_STATES:
        return str(decided["status"])
    if status is None and _read_object(jobdir.path / SLURM_STATE_NAME).get("job_state"):
        return "cancelled" if jobdir.cancel_requested() else "failed"
    return None


def killed_by_signal(error: dict[str, Any] | None) -> bool:
    """Whether the runner's error says a signal stopped the work: the runner's own (a
    "signal"), or a script's (a negative exit code). The backend may know why."""
    if not error:
        return False
    exit_code = error.get("exit_code")
    negative = isinstance(exit_code, int) and not isinstance(exit_code, bool) and exit_code < 0
    return bool(error.get("signal")) or negative


def _may_be_retried(jobdir: JobDirectory, runner: dict[str, Any]) -> bool:
    """Whether the runner failed by a signal, which the backend may have sent for no fault
    of the job's own (a node failure), while the job has retries left."""
    if runner.get("status") != "failed" or not killed_by_signal(runner.get("error")):
        return False
    try:
        max_retries = jobdir.read_spec().max_retries
    except (OSError, DamagedFile):
        return False
    attempt = runner.get("attempt")
    return isinstance(attempt, int) and attempt <= max_retries


def _read_object(path: Any) -> dict[str, Any]:
    """A small JSON object file; empty if it is absent or not one."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def judge(
    after: list[dict[str, Any]], condition: str
) -> tuple[list[dict[str, Any]], Blocked | None]:
    """The dependencies still to wait for, and what blocks the job for good if anything does."""
    waiting = []
    for dependency in after:
        ended = ended_as(dependency)
        if ended is None:
            waiting.append(dependency)
        elif ended != "completed" and condition == "completed":
            reason = f"{shown(dependency)} {ended}"
            return waiting, Blocked(
                reason=reason,
                error={
                    "message": f"The job was cancelled: it was to run after {reason}",
                    "ename": "DependencyNotMet",
                    "dependency": dependency["id"],
                    "dependency_status": ended,
                },
            )
    return waiting, None


def waiting_reason(waiting: list[dict[str, Any]]) -> str:
    """ "waiting for prepare, train": what a queued job's reason says."""
    return "waiting for " + ", ".join(d.get("name") or d["id"] for d in waiting)


def wait_for_dependencies(
    after: list[dict[str, Any]],
    condition: str,
    set_reason: Callable[[str | None], None],
    should_stop: Callable[[], bool],
) -> Blocked | None:
    """Wait until every dependency has ended; what blocks the job, if one ended otherwise.

    Returns None at once when should_stop() (a cancel while waiting) or when there is
    nothing to wait for; set_reason records what it waits for while it does.
    """
    shown_reason = None
    while not should_stop():
        waiting, blocked = judge(after, condition)
        if blocked is not None or not waiting:
            if shown_reason is not None:
                set_reason(None)
            return blocked
        reason = waiting_reason(waiting)
        if reason != shown_reason:
            set_reason(reason)
            shown_reason = reason
        time.sleep(CHECK_SECONDS)
    return None
