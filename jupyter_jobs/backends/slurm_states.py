"""What SLURM says about a job, read from `squeue --json` and turned into a BackendState.

Written against Slurm 22.05 (see docs/slurm-notes.md) and parsed defensively for
23.02+, whose JSON changed shape: `job_state` became a list, numbers became
`{"set": ..., "infinite": ..., "number": ...}` objects and `exit_code` an object.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Any

from .base import BackendState

# States in which something of the job is still queued, starting, running or being stopped.
ACTIVE_STATES = frozenset(
    {
        "PENDING",
        "CONFIGURING",
        "RUNNING",
        "COMPLETING",
        "SUSPENDED",
        "REQUEUED",
        "REQUEUE_FED",
        "REQUEUE_HOLD",
        "RESIZING",
        "SIGNALING",
        "STAGE_OUT",
        "STOPPED",
        "RESV_DEL_HOLD",
        "POWER_UP_NODE",
        "UPDATE_DB",
    }
)
FINAL_STATES = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "TIMEOUT",
        "OUT_OF_MEMORY",
        "NODE_FAIL",
        "BOOT_FAIL",
        "DEADLINE",
        "PREEMPTED",
        "REVOKED",
        "SPECIAL_EXIT",
    }
)
# States in which the job waits for the cluster rather than runs.
WAITING_STATES = frozenset({"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD"})

# Final states in which SLURM itself ended the job: the runner cannot know why it was stopped.
ENDED_BY_SLURM = {
    "TIMEOUT": "The job ran past its time limit and SLURM stopped it",
    "OUT_OF_MEMORY": "The job used more memory than it asked for and SLURM killed it",
    "NODE_FAIL": "The cluster node running the job failed",
    "BOOT_FAIL": "The cluster node given to the job failed to boot",
    "PREEMPTED": "SLURM preempted the job to make room for another one",
    "DEADLINE": "The job could not finish before its deadline",
    "REVOKED": "The job was revoked (it runs on another cluster of the federation)",
    "SPECIAL_EXIT": "The job ended in SLURM's special-exit state (it may be held for a requeue)",
    "CANCELLED": "The job was cancelled in SLURM, not through jupyter-jobs "
    "(scancel by its owner or an administrator)",
}
# Ends that are no fault of the job's: a job with retries left is run again (a new attempt).
RETRY_REASONS = {
    "NODE_FAIL": "node failure",
    "PREEMPTED": "preempted",
    "BOOT_FAIL": "node failed to boot",
}
# While a job ended by SLURM is still being stopped, 22.05 shows it as COMPLETING and keeps
# the cause only in state_reason: these reasons tell which final state it is heading for.
REASON_TO_FINAL = {
    "TimeLimit": "TIMEOUT",
    "OutOfMemory": "OUT_OF_MEMORY",
    "NodeDown": "NODE_FAIL",
    "Preempted": "PREEMPTED",
    "BootFail": "BOOT_FAIL",
    "DeadLine": "DEADLINE",
}

# The cause slurmstepd gives in "*** JOB N ON node CANCELLED AT time DUE TO ... ***".
OUTPUT_CAUSES = {
    "TIME LIMIT": "TIMEOUT",
    "PREEMPTION": "PREEMPTED",
    "NODE FAIL": "NODE_FAIL",
    "DEADLINE": "DEADLINE",
}


@dataclass
class SlurmJob:
    """The few fields of one `squeue --json` entry that the backend needs."""

    job_id: int
    state: str
    reason: str | None  # SLURM's state_reason; None for its "None"
    exit_status: int | None  # the exit status of the batch script (768 in 22.05 -> 3)
    signal: int | None  # the signal that ended it, if any
    command: str  # the batch script's path ("" for --wrap jobs, or when not given)
    nodes: str
    array_job_id: int | None = None  # the job array it belongs to, if any
    array_task_id: int | None = None  # its index there; None for the array's pending tasks
    array_task_string: str = ""  # the indices a pending array entry still holds ("2-3%2")

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def number(value: Any) -> int | None:
    """An integer field of either JSON shape (a plain number, or 23.02's {"set", "number"})."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, dict):
        if value.get("set") is False or value.get("infinite"):
            return None
        return number(value.get("number"))
    return None


def job_state(value: Any) -> str:
    """The base state: 22.05 gives one string, 23.02+ a list of the state and its flags."""
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        names = [str(v).upper() for v in value]
        for name in names:
            if name in FINAL_STATES or name in ACTIVE_STATES:
                return name
        return names[0] if names else "UNKNOWN"
    return "UNKNOWN"


def decode_exit_code(value: Any) -> tuple[int | None, int | None]:
    """(exit status, signal) from a raw wait status (22.05: 768 is exit 3, 9 is SIGKILL)
    or from 23.02's {"status": ..., "return_code": ..., "signal": {"id": ...}} object."""
    if isinstance(value, dict):
        status = number(value.get("return_code"))
        sig = value.get("signal")
        signum = number(sig.get("id", sig.get("signal_id"))) if isinstance(sig, dict) else None
        return status, signum or None
    raw = number(value)
    if raw is None:
        return None, None
    signum = raw & 0x7F
    return raw >> 8 & 0xFF, signum or None


def parse_job(raw: dict[str, Any]) -> SlurmJob:
    exit_status, signum = decode_exit_code(raw.get("exit_code"))
    reason = raw.get("state_reason")
    return SlurmJob(
        job_id=number(raw.get("job_id")) or 0,
        state=job_state(raw.get("job_state")),
        reason=reason if isinstance(reason, str) and reason not in ("", "None") else None,
        exit_status=exit_status,
        signal=signum,
        command=_text(raw.get("command")),
        nodes=_text(raw.get("nodes")),
        array_job_id=number(raw.get("array_job_id")) or None,  # 0 for a job of no array
        array_task_id=_task_index(raw.get("array_task_id")),
        array_task_string=_text(raw.get("array_task_string")),
    )


def _task_index(value: Any) -> int | None:
    index = number(value)
    # SLURM's "no value" (NO_VAL, 0xfffffffe) where a later version gives no null
    return index if index is not None and 0 <= index < 0xFFFFFFF0 else None


def array_task_covers(task_string: str, index: int) -> bool:
    """Whether an array entry's task string ("0-3%2", "1,3,5-9:2") holds task `index`."""
    ranges = task_string.split("%", 1)[0]
    for part in ranges.split(","):
        bounds, _, step_text = part.partition(":")
        first_text, _, last_text = bounds.partition("-")
        try:
            first = int(first_text)
            last = int(last_text) if last_text else first
            step = int(step_text) if step_text else 1
        except ValueError:
            continue
        if step > 0 and first <= index <= last and (index - first) % step == 0:
            return True
    return False


class ArrayListing:
    """The tasks of SLURM job arrays in one `squeue --json` answer.

    A task that started (or was cancelled on its own) is an entry of its own, with its
    own job_id, `array_job_id` and `array_task_id`; the last task to start keeps the
    array's id as its job_id. The tasks still waiting share one entry, whose
    `array_task_string` says which they are ("2-3%2"), and which stays there, with their
    final state, when the whole array is cancelled before they start.
    """

    def __init__(self, jobs: dict[int, dict[str, Any]]):
        self.tasks: dict[tuple[int, int], SlurmJob] = {}
        self.waiting: dict[int, list[SlurmJob]] = {}
        for raw in jobs.values():
            if not number(raw.get("array_job_id")):
                continue
            job = parse_job(raw)
            if job.array_job_id is None:
                continue
            if job.array_task_id is not None:
                self.tasks[(job.array_job_id, job.array_task_id)] = job
            elif job.array_task_string:
                self.waiting.setdefault(job.array_job_id, []).append(job)

    def task(self, array_job_id: int, index: int) -> SlurmJob | None:
        """Task `index` of the array, from its own entry or from the entry of waiting tasks."""
        found = self.tasks.get((array_job_id, index))
        if found is not None:
            return found
        for entry in self.waiting.get(array_job_id, []):
            if array_task_covers(entry.array_task_string, index):
                return entry
        return None

    def entries(self, array_job_id: int) -> list[SlurmJob]:
        """Every entry of the array: its started tasks and its entry of waiting tasks."""
        started = [job for (array, _), job in self.tasks.items() if array == array_job_id]
        return started + self.waiting.get(array_job_id, [])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_squeue(data: Any) -> dict[int, dict[str, Any]] | None:
    """The jobs of a `squeue --json` answer by id; None if squeue says it failed.

    With the controller unreachable, 22.05 still exits 0 with `"jobs": []` and an
    entry in `errors`: taking that as "every job vanished" would fail them all.
    """
    if not isinstance(data, dict) or data.get("errors") or not isinstance(data.get("jobs"), list):
        return None
    jobs = {}
    for raw in data["jobs"]:
        if isinstance(raw, dict) and number(raw.get("job_id")) is not None:
            jobs[number(raw.get("job_id")) or 0] = raw
    return jobs


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def describe_end(job: SlurmJob, state: str | None = None) -> str:
    """A sentence saying how the job ended, with the SLURM state in parentheses."""
    state = state or job.state
    if state in ENDED_BY_SLURM:
        sentence = ENDED_BY_SLURM[state]
    elif job.signal:
        sentence = f"The SLURM job was killed by {signal_name(job.signal)}"
    elif job.exit_status:
        sentence = f"The SLURM job ended with exit code {job.exit_status}"
    else:
        sentence = "The SLURM job ended"
    return f"{sentence} ({state})"


def ending_from_output(lines: list[str], job_id: int) -> str | None:
    """The final state a job is heading for, from the line slurmstepd writes into its output
    when it stops the job ("*** JOB 7 ON n1 CANCELLED AT 2026-11-22T04:04:49 ***", with
    "DUE TO TIME LIMIT" and the like): while the job is COMPLETING, 22.05 shows no reason
    for a cancel, and the runner has usually recorded its SIGTERM by then."""
    for line in reversed(lines):
        match = re.search(rf"\*\*\* JOB {job_id} ON \S+ CANCELLED AT \S+(.*)\*\*\*", line)
        if match is None:
            continue
        cause = match.group(1).upper()
        for words, state in OUTPUT_CAUSES.items():
            if words in cause:
                return state
        return "CANCELLED"
    return None


def to_backend_state(
    job: SlurmJob, details: dict[str, Any] | None = None, heading_for: str | None = None
) -> BackendState:
    """How the job manager should see the job; details go into the error of an ended job,
    heading_for is the final state a job being stopped will reach (see ending_from_output)."""
    if job.state in WAITING_STATES:
        return BackendState(alive=True, status="queued", reason=job.reason)
    if job.state == "SUSPENDED":
        return BackendState(alive=True, reason="Suspended")
    if not job.final:
        heading_for = REASON_TO_FINAL.get(job.reason or "") or heading_for
        if heading_for is not None:
            # Being stopped by SLURM (COMPLETING): the cause is known before the final state.
            return BackendState(
                alive=True,
                reason=heading_for,
                error=_error(job, heading_for, details),
                retry_reason=RETRY_REASONS.get(heading_for),
            )
        return BackendState(alive=True)
    if job.state == "COMPLETED":
        return BackendState(alive=False)
    return BackendState(
        alive=False,
        reason=job.state,
        error=_error(job, job.state, details),
        retry_reason=RETRY_REASONS.get(job.state),
    )


def _error(job: SlurmJob, state: str, details: dict[str, Any] | None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": describe_end(job, state),
        "slurm_state": state,
        "slurm_job_id": job.job_id,
    }
    if job.final and job.exit_status is not None:  # still 0 while the job is being stopped
        error["exit_code"] = job.exit_status
    if job.final and job.signal:
        error["signal"] = signal_name(job.signal)
    if job.reason:
        error["slurm_reason"] = job.reason
    if job.array_job_id is not None:
        error["slurm_array_job_id"] = job.array_job_id
        if job.array_task_id is not None:
            error["slurm_array_task_id"] = job.array_task_id
    return error | (details or {})
