"""One job from start to final status."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import traceback
from typing import Any

from ..jobdir import JOB_DIR_ENV, JOB_ENV_MARKER, DamagedFile, JobDirectory, JobSpec, utc_now
from ..private import private_copy, tighten_file, touch_private
from ..processes import kill_job_processes
from .dependencies import Blocked, wait_for_dependencies
from .queue import leave, wait_for_slot
from .recorder import RunRecorder, disk_full_cause
from .stop import StopRequest, TimeLimit
from .usage import UsageSampler


def run(job_dir: str) -> int:
    """Run the job in job_dir; 0 if it completed, 1 otherwise."""
    jobdir = JobDirectory(job_dir)
    try:
        spec = jobdir.read_spec()
    except DamagedFile as e:
        with contextlib.suppress(OSError):
            RunRecorder(jobdir).finish("failed", {"message": f"The job could not start: {e}"})
        return 1
    os.environ[JOB_ENV_MARKER] = spec.id  # inherited by the kernel and everything it starts
    os.environ[JOB_DIR_ENV] = str(jobdir.path.resolve())
    stop = StopRequest(spec.cancel_grace_seconds)
    stop.install()
    stop.watch(jobdir.cancel_request_path)
    recorder = RunRecorder(jobdir, on_disk_full=stop.request)
    slot = None
    # Past 1 when the manager started the job again after a backend ended an attempt
    # under it (a SLURM node failure): that attempt was archived under attempts/N/.
    attempt = jobdir.next_attempt()
    recorder.state["attempt"] = attempt
    blocked: Blocked | None = None
    try:
        recorder.set_status("queued")
        if spec.after:  # a chained job waits for its dependencies before the queue
            if spec.queue_dir:
                leave(spec.queue_dir, spec.queue_position, spec.id)
            blocked = wait_for_dependencies(
                spec.after,
                spec.after_condition,
                set_reason=lambda reason: recorder.update(reason=reason),
                should_stop=lambda: stop.requested,
            )
        if spec.queue_dir and blocked is None:
            slot = wait_for_slot(
                spec.queue_dir,
                spec.queue_limit,
                spec.queue_position,
                spec.id,
                should_stop=lambda: stop.requested,
                group=spec.sweep_id,
                group_limit=spec.sweep_max_concurrent,
            )
    except Exception as e:
        status, error = _runner_failure(e, recorder, stop)
        status, error, reason = _judged(spec, jobdir, recorder, stop, None, status, error)
    else:
        if blocked is not None:  # a dependency ended otherwise than the condition allows
            status, error, reason = "cancelled", blocked.error, blocked.reason
        while blocked is None:
            status, error, reason = _attempt(spec, jobdir, recorder, stop)
            if not _retries(spec, attempt, status, stop, recorder):
                break
            _archive_attempt(jobdir, recorder, attempt, error)
            attempt += 1
            _wait_to_retry(spec, recorder, stop, attempt)
    stop.unwatch()
    tighten_file(jobdir.output_path(spec.kind))  # whoever wrote it last: the owner's alone
    recorder.finish(status, error, reason=reason)
    if slot is not None:
        slot.release()
    return 0 if status == "completed" else 1


def _attempt(
    spec: JobSpec, jobdir: JobDirectory, recorder: RunRecorder, stop: StopRequest
) -> tuple[str, dict[str, Any] | None, str | None]:
    """Run the work once: its status, error and short reason ("time limit")."""
    if stop.requested:  # while it waited in the queue, or to retry
        return _judged(spec, jobdir, recorder, stop, None, "cancelled", None)
    limit: TimeLimit | None = None
    sampler: UsageSampler | None = None
    error: dict[str, Any] | None = None
    try:
        recorder.set_status("running")
        sampler = UsageSampler(spec.id, jobdir, spec.usage_interval_seconds)
        sampler.start()
        if spec.time_limit_seconds:
            limit = TimeLimit(spec.time_limit_seconds, stop)
        _create_output(spec, jobdir)
        status, error = _run_kind(spec.kind, spec, jobdir, recorder, stop)
    except Exception as e:
        status, error = _runner_failure(e, recorder, stop)
    if limit is not None:
        limit.cancel()
    if sampler is not None:
        sampler.stop()  # its last sample, before the processes are ended below
    return _judged(spec, jobdir, recorder, stop, limit, status, error)


def _runner_failure(
    e: Exception, recorder: RunRecorder, stop: StopRequest
) -> tuple[str, dict[str, Any] | None]:
    """The status of a run the runner itself failed at (not the work)."""
    if recorder.disk_full is None:  # one written outside the recorder: the queue's
        recorder.disk_full = disk_full_cause(e)
    if stop.requested:  # e.g. a kernel stopped while it was still starting
        return "cancelled", None
    return "failed", {
        "message": f"The runner failed: {e}",
        "traceback": traceback.format_exc().splitlines(),
    }


def _judged(
    spec: JobSpec,
    jobdir: JobDirectory,
    recorder: RunRecorder,
    stop: StopRequest,
    limit: TimeLimit | None,
    status: str,
    error: dict[str, Any] | None,
) -> tuple[str, dict[str, Any] | None, str | None]:
    """The status a run ends with, told by why it stopped; nothing of it left running."""
    reason = None
    if recorder.disk_full is not None:
        # Whatever the work made of it, its output is cut short: that is the reason.
        status, error = "failed", _disk_full_error(jobdir, recorder.disk_full)
    elif (
        status != "completed"
        and limit is not None
        and limit.reached
        and not jobdir.cancel_requested()  # a user's cancel that came first stays a cancel
    ):
        # Stopped as a cancel is, but nobody asked: the limit did. Its partial output stays.
        status, error, reason = "failed", limit.error(), "time limit"
    elif status == "cancelled" and not jobdir.cancel_requested():
        # Stopped by a signal nobody asked for through jupyter-jobs: a cluster's time
        # limit, a shutdown of the machine. That is a failure, not a cancel.
        name = signal.Signals(stop.signum).name if stop.signum else "a signal"
        status, error = "failed", {"message": f"The job was terminated by {name}", "signal": name}
    if status != "completed":
        # Nothing of a stopped or failed job may keep running: a notebook's
        # background process, a kernel that ignored the interrupt.
        kill_job_processes(spec.id, exclude=os.getpid())
    return status, error, reason


def _retries(
    spec: JobSpec, attempt: int, status: str, stop: StopRequest, recorder: RunRecorder
) -> bool:
    """Whether a failed attempt is run again: only a failure of the work itself is.

    Never a cancel; nor a stop nobody asked for (a time limit, a signal: the same limit
    would stop it again, and a runner being terminated cannot go on), nor a full disk.
    """
    return (
        status == "failed"
        and attempt <= spec.max_retries
        and not stop.requested
        and recorder.disk_full is None
    )


def _archive_attempt(
    jobdir: JobDirectory, recorder: RunRecorder, attempt: int, error: dict[str, Any] | None
) -> None:
    """Keep the failed attempt's output, results and usage under attempts/N/."""
    tighten_file(jobdir.output_notebook_path)
    tighten_file(jobdir.output_text_path)
    with recorder.writing():
        ended = {"status": "failed", "error": error, "finished_at": utc_now()}
        jobdir.archive_attempt(attempt, {**recorder.state, **ended})
    recorder.events.append("attempt", attempt=attempt, status="failed", error=error)


def _wait_to_retry(spec: JobSpec, recorder: RunRecorder, stop: StopRequest, attempt: int) -> None:
    """Queued again for the retry delay; a cancel meanwhile ends the wait (and the job)."""
    total = spec.max_retries + 1
    delay = spec.retry_delay_seconds
    recorder.update(
        attempt=attempt, reason=f"retrying in {delay:g} s (attempt {attempt} of {total})"
    )
    recorder.set_status("queued")
    deadline = time.monotonic() + delay
    while not stop.requested and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    recorder.update(reason=None, progress={"done": 0, "total": 0})


def _disk_full_error(jobdir: JobDirectory, cause: OSError) -> dict[str, Any]:
    reason = os.strerror(cause.errno or 0).lower()  # "no space left on device"
    return {
        "message": f"The job was stopped: {reason} where its files are ({jobdir.path}). "
        "Free some space (remove old jobs) and run it again",
        "ename": "DiskFull",
        "evalue": cause.strerror or reason,
    }


def _create_output(spec: JobSpec, jobdir: JobDirectory) -> None:
    """Create the output file 0600 before papermill or the script writes it (they keep
    the mode of a file they write over). A notebook's starts as the input: valid JSON."""
    output = jobdir.output_path(spec.kind)
    if spec.kind == "notebook":
        private_copy(jobdir.input_path(spec), output, keep_times=False)
    else:
        touch_private(output)


def _run_kind(kind: str, *args: Any) -> tuple[str, dict[str, Any] | None]:
    if kind == "notebook":
        from .notebook import run_notebook

        return run_notebook(*args)
    from .script import run_script

    return run_script(*args)
