"""The interface every backend implements: local processes, SLURM, and later Kubernetes.

A backend only starts, watches and stops the runner
(`python -m jupyter_jobs.runner JOB_DIR`); the runner does the work and writes
everything about the run into the job directory. So a new backend (a
Kubernetes Job, say) needs four things:

- `submit(job, jobdir)`: start the runner for that job directory somewhere that
  sees it (same filesystem); return the backend's own id (a pid, a SLURM job id,
  a Kubernetes Job name). Raise BackendUnavailable if it cannot.
- `poll(jobs)`: for all active jobs of this backend at once (one call, not one
  per job), say whether each is still alive there, and what the backend knows
  that the runner cannot write itself: why it waits (SLURM's "Resources"), or
  why it was ended (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL). Finished jobs may vanish
  from the backend's own listing: a backend keeps what it needs.
- `cancel(job, jobdir)`: stop it. The manager has already written the cancel
  request into the job directory; the runner, on SIGTERM, interrupts the kernel
  and writes `cancelled`.
- `resource_options()` / `validate_resources(resources)`: the resources it takes
  (cpus, memory, gpus, time_limit, partition), for the submit dialog and to refuse
  bad values with a clear message before anything is created.

Backends are traitlets-configurable (`c.LocalBackend.max_concurrent_jobs = 2`).

How the manager reads a BackendState (what a new backend must get right; the
SLURM backend in slurm.py is the cluster example, docs/backends.md the guide):

- The runner's own status.json wins: once it says completed/failed/cancelled,
  that is the job's status. A backend only adds what the runner cannot know.
- `alive=False` while the runner has recorded no final status means the job is
  gone: `cancelled` if a cancel was requested, else `failed` with `error` (or a
  generic "runner vanished" message). So say alive=False only when sure; when
  the backend cannot tell (its API or command failed), leave the job out of
  poll's answer: a missing job is "nothing new", never "gone".
- `status="queued"` with `reason` shows a job waiting in the cluster's queue.
- A runner that recorded `failed` with a `signal` (SIGTERM from a time limit,
  a preemption, an eviction) makes the manager poll that one job again at
  once; an `error` in that answer replaces the message (the runner's error is
  kept under "runner"). Give it while the job is still being stopped, too:
  SLURM shows COMPLETING with reason TimeLimit before the final TIMEOUT.
- `retry_reason` ("node failure", "preempted") marks an end the job is not to blame
  for: the manager archives that attempt and calls `resubmit(job, jobdir,
  delay_seconds)` if the job has retries left (the runner, ended under it, cannot).
- Errors are JSON objects with a human `message` ending in the backend's own
  state in parentheses, e.g. "The job ran past its time limit and SLURM
  stopped it (TIMEOUT)", plus machine-readable keys (`slurm_state`,
  `exit_code` as a plain exit status, `signal` as a name).
- Everything a backend needs after a server restart must come from the store
  (`job.backend_id`, `job.resources`), the job directory and the backend's own
  API: keep no state only in memory. A final state the backend's API will
  forget (SLURM's MinJobAge, a deleted Kubernetes Job) goes into a small file
  in the job directory when first seen.
- No value from a client may reach a shell: commands are argument lists,
  paths in generated scripts are shlex-quoted, parameters stay in spec.json.
  Users choose resources only; raw scheduler flags are the administrator's
  (configuration traits such as `SlurmBackend.extra_sbatch_args`).
- Register a backend by name in `JobsConfig.backend_classes`; `is_available()`
  hides it from the dialog when its commands or API are missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from traitlets import Float, Unicode
from traitlets.config import LoggingConfigurable

from ..errors import InvalidRequest

if TYPE_CHECKING:
    from ..jobdir import JobDirectory, JobSpec
    from ..store import JobRecord


@dataclass
class BackendState:
    """What a backend knows of one job."""

    alive: bool  # something of the job is queued or running there
    status: str | None = None  # a state the backend knows better, e.g. "queued" while pending
    reason: str | None = None  # why it waits, or why the backend ended it
    error: dict[str, Any] | None = None  # set when the backend itself ended the job
    # Set when the backend ended the job for no fault of the job's own ("node failure",
    # "preempted"): a failed attempt the manager runs again if the job has retries left.
    retry_reason: str | None = None


@dataclass
class ResourceOption:
    """One resource a backend takes, described for the submit dialog."""

    name: str  # cpus | memory | gpus | time_limit | partition
    label: str
    type: str  # "integer" or "string"
    description: str = ""
    choices: list[str] = field(default_factory=list)
    default: Any = None
    # JSON Schema bounds, for the dialog's form only (not in the legacy `resources` list).
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None

    def to_dict(self) -> dict[str, Any]:
        legacy = {k: v for k, v in asdict(self).items() if k not in SCHEMA_ONLY}
        return {k: v for k, v in legacy.items() if v not in (None, [], "")}

    def to_schema(self) -> dict[str, Any]:
        """This resource as a JSON Schema property."""
        schema: dict[str, Any] = {"type": self.type, "title": self.label}
        if self.description:
            schema["description"] = self.description
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.default is not None:
            schema["default"] = self.default
        for key in SCHEMA_ONLY:
            if getattr(self, key) is not None:
                schema[key] = getattr(self, key)
        return schema


SCHEMA_ONLY = ("minimum", "maximum", "pattern")


def resources_schema(options: list[ResourceOption]) -> dict[str, Any]:
    """The JSON Schema of a backend's `resources` object: one optional property per option."""
    return {
        "type": "object",
        "properties": {option.name: option.to_schema() for option in options},
        "additionalProperties": False,
    }


class Backend(LoggingConfigurable):
    """Base of every backend; subclasses set name, label and description."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    # Whether the backend's own scheduler stops a job at its time limit (SLURM's --time);
    # otherwise the runner does, from the spec.
    enforces_time_limit: ClassVar[bool] = False

    jobs_root = Unicode(help="The directory holding job directories (set by the job manager).")
    poll_interval = Float(1.0, config=True, help="Seconds between two polls of this backend.")
    usage_interval_seconds = Float(
        2.0,
        config=True,
        help="Seconds between two samples of a running job's CPU and memory use.",
    )

    def is_available(self) -> bool:
        """Whether jobs can be submitted here now (its commands exist, say)."""
        return True

    def resource_options(self) -> list[ResourceOption]:
        return []

    def validate_resources(self, resources: dict[str, Any]) -> dict[str, Any]:
        """The resources as the backend will use them; InvalidRequest for anything it cannot."""
        known = {option.name for option in self.resource_options()}
        unknown = sorted(set(resources) - known)
        if unknown:
            takes = ", ".join(sorted(known)) or "none"
            raise InvalidRequest(
                f"The {self.name} backend does not take the resource(s) {', '.join(unknown)} "
                f"(it takes: {takes})"
            )
        return dict(resources)

    def warm_up(self) -> None:
        """Get ready for the first job (the server calls this at start; the CLI does not)."""

    def prepare(self, spec: JobSpec) -> None:
        """Adjust the job's spec before it is written (a local queue, an interpreter)."""

    def submit(self, job: JobRecord, jobdir: JobDirectory) -> str:
        raise NotImplementedError

    def submit_group(
        self, jobs: list[tuple[JobRecord, JobDirectory]], max_concurrent: int | None = None
    ) -> list[str]:
        """Start the runs of one sweep, in their order, at most max_concurrent at a time.

        Returns each run's backend id, in the same order. A backend that can hand the
        whole group to its scheduler at once (a SLURM job array) overrides this.
        """
        if max_concurrent is not None:
            raise InvalidRequest(f"The {self.name} backend cannot limit how many runs go at once")
        return [self.submit(job, jobdir) for job, jobdir in jobs]

    def poll(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> dict[str, BackendState]:
        raise NotImplementedError

    def resubmit(self, job: JobRecord, jobdir: JobDirectory, delay_seconds: float) -> str:
        """Start the job's directory again, as a new attempt, after delay_seconds (without
        waiting for them); the new backend id. Only a backend that gives retry_reason needs it."""
        raise NotImplementedError

    def cancel(self, job: JobRecord, jobdir: JobDirectory) -> None:
        raise NotImplementedError

    def cancel_group(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> None:
        """Stop the active runs of one sweep (one scancel of a SLURM array, say)."""
        for job, jobdir in jobs:
            self.cancel(job, jobdir)

    def describe(self) -> dict[str, Any]:
        """Name, label, description and resources (a list, and the same as a JSON Schema)."""
        options = self.resource_options()
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "resources": [option.to_dict() for option in options],
            "resources_schema": resources_schema(options),
        }

    def close(self) -> None:
        """Release what the backend holds (helper processes); running jobs keep running."""
