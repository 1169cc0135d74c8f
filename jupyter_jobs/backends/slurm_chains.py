"""A SLURM job chained to others (`after`): held by SLURM while they run, judged by us.

SLURM holds the chained job (`--dependency=afterok:`/`afterany:` on the SLURM ids of its
unfinished dependencies), so it takes no allocation while it waits. But a dependency's
SLURM job is only its current attempt: when a node failure or a preemption ends it, the
manager runs the same job again as a new SLURM job (attempts.py), and the dependency may
still complete. SLURM cannot know that, so it is never asked to drop the chained job
itself (`--kill-on-invalid-dep=no`): it keeps it pending (`DependencyNeverSatisfied`),
and each poll judges it from the dependencies' job directories, which hold their final
outcome across attempts (runner/dependencies.py):

- one ended otherwise than the condition allows: the job is cancelled, naming it;
- the others are still under way, each in a SLURM job of its own directory (a retry):
  the job's dependency is pointed at those (`scontrol update ... Dependency=`).

Everything is read again at each poll, from SLURM's listing and the job directories,
never from memory: a server that was down when a dependency was retried repairs the
chain at its first poll, and a retry still being submitted is waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..jobdir import ACTIVE_STATES, DamagedFile, JobDirectory, JobSpec
from ..runner.dependencies import ended_as, judge, waiting_reason
from .base import BackendState
from .slurm_states import SlurmJob, parse_job

WAITING_REASONS = ("Dependency", "DependencyNeverSatisfied")

# Runs a SLURM command given as an argument list (scancel, scontrol): whether it did. A
# failure is only logged: the next poll tries again.
Command = Callable[..., bool]


def dependency_args(spec: JobSpec, backend_name: str) -> list[str]:
    """sbatch's options that hold a job chained to unfinished SLURM jobs; the runner waits
    for any others (a local job) itself. SLURM never drops it on its own (see above)."""
    pending = [
        d["backend_id"]
        for d in spec.after
        if d.get("backend") == backend_name
        and str(d.get("backend_id") or "").isdigit()
        and d.get("status") in ACTIVE_STATES
        and ended_as(d) is None
    ]
    if not pending:
        return []
    return [f"--dependency={_kind(spec)}:{':'.join(pending)}", "--kill-on-invalid-dep=no"]


def _kind(spec: JobSpec) -> str:
    return "afterok" if spec.after_condition == "completed" else "afterany"


class ScriptIndex:
    """The jobs of one `squeue` answer by batch script, read once when first asked.

    script_name is the batch script a job of its own has in its job directory.
    """

    def __init__(self, listing: dict[int, dict[str, Any]], script_name: str):
        self._listing = listing
        self._script_name = script_name
        self._by_script: dict[str, list[SlurmJob]] | None = None

    def jobs_of(self, job_dir: str) -> list[SlurmJob]:
        """The SLURM jobs (current and ended) that ran the batch script of this job directory."""
        if self._by_script is None:
            self._by_script = {}
            for raw in self._listing.values():
                job = parse_job(raw)
                if job.command:
                    self._by_script.setdefault(job.command, []).append(job)
        return self._by_script.get(str((Path(job_dir) / self._script_name).resolve()), [])


def chained_state(
    slurm_job: SlurmJob,
    jobdir: JobDirectory,
    state: BackendState,
    scripts: ScriptIndex,
    run: Command,
) -> BackendState:
    """A chained job in SLURM's words (reason Dependency, DependencyNeverSatisfied) in
    ours; cancelled if a dependency finally ended otherwise than required, pointed at the
    dependencies' new SLURM jobs if they were retried. run runs a SLURM command."""
    # SLURM gives no reason for a while after a submit or an update (before its scheduler
    # looks at the job again): it is still held then.
    held = slurm_job.reason in WAITING_REASONS or (
        slurm_job.state == "PENDING" and slurm_job.reason is None
    )
    if not held and not (slurm_job.state == "CANCELLED" and not jobdir.cancel_requested()):
        return state
    try:
        spec = jobdir.read_spec()
    except (OSError, DamagedFile):
        return state
    if not spec.after:
        return state
    waiting, blocked = judge(spec.after, spec.after_condition)
    if blocked is not None and (slurm_job.final or slurm_job.reason != "Dependency"):
        # Kept pending for ever otherwise: SLURM does not drop it itself. It never ran: once
        # scancel took it, nothing of it is left to wait for.
        gone = slurm_job.final or run("scancel", str(slurm_job.job_id))
        return BackendState(
            alive=not gone,
            status="cancelled",
            reason=blocked.reason,
            error=blocked.error,
        )
    if slurm_job.final:
        return state
    if slurm_job.reason == "DependencyNeverSatisfied":
        # SLURM saw a dependency's SLURM job fail, but that dependency has not failed:
        # it is being retried, or was retried and completed meanwhile.
        follow_retried(slurm_job, spec, waiting, scripts, run)
    return replace(state, reason=waiting_reason(waiting)) if waiting else state


def follow_retried(
    slurm_job: SlurmJob,
    spec: JobSpec,
    waiting: list[dict[str, Any]],
    scripts: ScriptIndex,
    run: Command,
) -> None:
    """Point the job's dependency at the SLURM jobs now running its unfinished
    dependencies (`waiting`); with none left, let it start.

    Waits (changes nothing) while a dependency's retry is not submitted yet: its ended
    SLURM job is listed, no new one is. A dependency with no SLURM job of its own (a run
    of a job array, a local job) is left to the job's runner, which waits for it too.
    """
    current: list[str] = []
    for dependency in waiting:
        jobs = scripts.jobs_of(dependency["job_dir"])
        active = [job for job in jobs if not job.final]
        if jobs and not active:
            return  # its retry is not submitted yet: pointed at it at a later poll
        current += [str(job.job_id) for job in active]
    # None left (they completed meanwhile): an empty dependency lets the job start, and
    # its runner judges them itself.
    held_by = f"{_kind(spec)}:{':'.join(current)}" if current else ""
    run("scontrol", "update", f"JobId={slurm_job.job_id}", f"Dependency={held_by}")
