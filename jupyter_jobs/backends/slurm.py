"""The SLURM backend: each job is a batch job whose script execs the same runner as local jobs.

The runner (`python -m jupyter_jobs.runner JOB_DIR`) reads everything from the
job directory, which must be on a filesystem the cluster's nodes share with the
server (`JobsConfig.jobs_root`); so parameters, live output, the event log,
progress and the output notebook work as they do locally. This backend only
submits (`sbatch`), watches (`squeue --json`, one call per poll for all jobs) and
cancels (`scancel`), always with argument lists, never a shell line. Nothing a
client sends is written into the batch script: the job name goes to sbatch as
one argument, resources are checked and turned into sbatch options, parameters
stay in spec.json.

SLURM forgets finished jobs after `MinJobAge` (5 minutes by default), so the
first final state seen is kept in the job directory (`slurm-state.json`).

A sweep is one job array (`submit_group`): one `sbatch --array=0-N[%K]` whose single
batch script picks its run's job directory by `SLURM_ARRAY_TASK_ID`. Run i's backend
id is `<array id>_<i>`, which is also what scancel takes to stop that run alone. Each
run still writes slurm.out and slurm.err in its own job directory: sbatch's `%a`
pattern names a link to it (`<jobs root>/.slurm-arrays/<group>/<i>`), removed once
every task has opened its files (see `_clean_up_arrays`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from traitlets import Float, List, Unicode

from ..errors import BackendUnavailable, InvalidRequest
from ..jobdir import JOB_ENV_MARKER, JobDirectory, JobSpec, utc_now
from ..private import (
    SCRIPT_MODE,
    make_private_dir,
    open_private,
    touch_private,
    write_private_atomically,
)
from ..processes import runner_environment
from ..runner.dependencies import SLURM_STATE_NAME
from ..store import JobRecord
from ..time_limits import (
    TIME_LIMIT_PATTERN,
    format_seconds,
    parse_time_limit,
    time_limit_seconds,
)
from .base import Backend, BackendState, ResourceOption
from .slurm_chains import ScriptIndex, chained_state, dependency_args
from .slurm_states import (
    FINAL_STATES,
    RETRY_REASONS,
    WAITING_STATES,
    ArrayListing,
    SlurmJob,
    ending_from_output,
    parse_job,
    parse_squeue,
    to_backend_state,
)

SCRIPT_NAME = "slurm-job.sh"
STDOUT_NAME = "slurm.out"
STDERR_NAME = "slurm.err"
STATE_NAME = SLURM_STATE_NAME
# A run of a job array: its task index and the array's batch script, in its job directory.
ARRAY_RUN_NAME = "slurm-array.json"
# Beside the job directories: one folder per array, for its script and its output links.
ARRAYS_DIR = ".slurm-arrays"
ARRAY_SCRIPT_NAME = "slurm-array.sh"
ARRAY_INFO_NAME = "array.json"  # the array's id, once sbatch gave it
# An array submitted this shortly before a squeue call may be missing from its answer (the
# call began first, or another host's clock is ahead): its folder is kept until a later one.
ARRAY_LISTING_MARGIN = 10.0
BACKEND_ID_RE = re.compile(r"^([0-9]+)(?:_([0-9]+))?$")  # a job's id, or an array task's
COMMANDS = ("sbatch", "squeue", "scancel")

MEMORY_RE = re.compile(r"^([1-9][0-9]*)([KMGT]?)$")
# What validate_resources takes for memory (any case, an optional B, blanks around).
MEMORY_PATTERN = r"^\s*[1-9][0-9]*([KMGTkmgt][Bb]?)?\s*$"
MAX_CPUS = 100_000
MAX_GPUS = 1_000
# sbatch refusals that are the request's fault (a 400), not the cluster's (a 503).
REFUSALS = (
    "invalid partition",
    "time limit",
    "more processors",
    "memory specification",
    "requested node configuration is not available",
    "invalid generic resource",
    "invalid gres",
    "invalid account",
    "invalid qos",
    "job violates accounting/qos policy",
    "node count specification invalid",
    "invalid job array specification",
)
# Slurm writes lines like "slurmstepd-n1: error: *** JOB 3 ON n1 CANCELLED AT ... ***" and
# "... exceeded memory limit (...), being killed" into the job's output files.
SLURM_LINE_RE = re.compile(r"slurmstepd.*?(\*\*\*.*\*\*\*|exceeded memory limit.*)")


def _literal_path(path: Path) -> str:
    """A path for sbatch's --output/--error, where % starts a pattern (%j, %x...)."""
    return str(path).replace("%", "%%")


def _job_name(name: str) -> str:
    """The job's name for --job-name: one line of printable characters (it is one argv item)."""
    return "".join(ch if ch.isprintable() else " " for ch in name).strip() or "jupyter-job"


def _array_name(names: list[str]) -> str:
    """One name for an array of runs: the words their names share ("train" of "train lr=0.1"
    and "train lr=0.3"), or the first run's name when they share none."""
    shared = names[0].split()
    for name in names[1:]:
        words = name.split()
        length = next(
            (i for i, (a, b) in enumerate(zip(shared, words, strict=False)) if a != b),
            min(len(shared), len(words)),
        )
        shared = shared[:length]
    return _job_name(" ".join(shared) or names[0])


def parse_backend_id(backend_id: str | None) -> tuple[int, int | None] | None:
    """(job id, None) for a job, (array id, task index) for a run of an array ("24_3");
    None for anything else (a job whose sbatch has not answered yet)."""
    match = BACKEND_ID_RE.match(backend_id or "")
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None


class SlurmBackend(Backend):
    """Runs each job as a SLURM batch job on a cluster that shares the jobs root."""

    name = "slurm"
    label = "SLURM cluster"
    description = (
        "On the SLURM cluster, as a batch job: it waits in the cluster's queue until "
        "the resources it asks for are free."
    )
    enforces_time_limit = True  # sbatch --time

    poll_interval = Float(
        2.0,
        config=True,
        help="Seconds between two `squeue` calls (one call covers every active SLURM job).",
    )
    bin_dir = Unicode(
        "",
        config=True,
        help="Directory of sbatch, squeue, scancel, sinfo and scontrol. Empty: look them up on "
        "PATH.",
    )
    python = Unicode(
        sys.executable,
        config=True,
        help="The Python on the cluster's nodes that runs the job's runner; it needs "
        "jupyter-jobs, papermill and the kernels. Default: the server's own interpreter "
        "(right when the nodes share the server's software tree).",
    )
    account = Unicode(
        "", config=True, help="The SLURM account jobs are charged to (sbatch --account)."
    )
    extra_sbatch_args = List(
        Unicode(),
        config=True,
        help="More sbatch options for every job, e.g. ['--qos=normal', '--constraint=avx2']. "
        "Set by administrators only: users choose resources, never raw sbatch flags.",
    )
    script_prologue = Unicode(
        "",
        config=True,
        help="Shell lines run by the batch script before the runner, e.g. "
        "'module load python/3.11'. Written into the script as given: administrators only.",
    )
    cancel_grace_seconds = Float(
        3.0,
        config=True,
        help="Seconds a cancelled job's kernel gets after its interrupt before the runner kills "
        "it. Keep it below the cluster's KillWait, after which SLURM kills everything.",
    )
    command_timeout = Float(
        30.0, config=True, help="Seconds an sbatch, squeue, scancel or sinfo call may take."
    )
    partitions_cache_seconds = Float(
        60.0, config=True, help="How long the partition list read from sinfo is reused."
    )
    cancel_retry_seconds = Float(
        15.0,
        config=True,
        help="A job still in SLURM this long after scancel gets scancel again (a cancel "
        "sent while the controller was unreachable).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._partitions: tuple[float, dict[str, int | None], str | None] | None = None
        self._cancel_sent: dict[str, float] = {}

    # -- commands --------------------------------------------------------------------

    def _command(self, name: str) -> str | None:
        if self.bin_dir:
            path = os.path.join(self.bin_dir, name)
            return path if os.access(path, os.X_OK) else None
        return shutil.which(name)

    def _run(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = self._command(name)
        if command is None:
            raise BackendUnavailable(f"The SLURM command {name!r} was not found")
        try:
            return subprocess.run(
                [command, *args],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.command_timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BackendUnavailable(f"{name} failed: {e}") from e

    def is_available(self) -> bool:
        return all(self._command(name) for name in COMMANDS)

    # -- resources -------------------------------------------------------------------

    def partitions(self) -> tuple[dict[str, int | None], str | None]:
        """Partitions by name with their maximum time in seconds (None: unlimited), and the
        default one; from `sinfo`, cached for `partitions_cache_seconds`. Empty if unknown."""
        with self._lock:
            cached = self._partitions
            if cached is not None and time.monotonic() - cached[0] < self.partitions_cache_seconds:
                return cached[1], cached[2]
        partitions: dict[str, int | None] = {}
        default = None
        try:
            result = self._run("sinfo", "-h", "-o", "%P %l")
        except BackendUnavailable:
            return {}, None
        if result.returncode != 0:
            self.log.warning("jupyter-jobs: sinfo failed: %s", result.stderr.strip())
            return {}, None
        for line in result.stdout.splitlines():
            fields = line.split()
            if not fields:
                continue
            name = fields[0]
            if name.endswith("*"):
                name = name[:-1]
                default = name
            limit = fields[1] if len(fields) > 1 else "infinite"
            try:
                partitions[name] = parse_time_limit(limit)
            except ValueError:
                partitions[name] = None  # "infinite", "n/a"
        with self._lock:
            self._partitions = (time.monotonic(), partitions, default)
        return partitions, default

    def resource_options(self) -> list[ResourceOption]:
        partitions, default = self.partitions()
        return [
            ResourceOption(
                "cpus",
                "CPUs",
                "integer",
                "CPU cores for the job (sbatch --cpus-per-task).",
                minimum=1,
                maximum=MAX_CPUS,
            ),
            ResourceOption(
                "memory",
                "Memory",
                "string",
                "Memory for the job, e.g. 4G or 500M; a bare number is megabytes (sbatch --mem).",
                pattern=MEMORY_PATTERN,
            ),
            ResourceOption(
                "gpus",
                "GPUs",
                "integer",
                "GPUs for the job (sbatch --gres=gpu:N).",
                minimum=0,
                maximum=MAX_GPUS,
            ),
            ResourceOption(
                "time_limit",
                "Time limit",
                "string",
                "The job is stopped after this long: HH:MM:SS, D-HH:MM:SS or minutes "
                "(sbatch --time).",
                pattern=TIME_LIMIT_PATTERN,
            ),
            ResourceOption(
                "partition",
                "Partition",
                "string",
                "The cluster partition (queue) to run in (sbatch --partition).",
                choices=sorted(partitions),
                default=default,
            ),
        ]

    def validate_resources(self, resources: dict[str, Any]) -> dict[str, Any]:
        resources = super().validate_resources(resources)
        checked: dict[str, Any] = {}
        for name in ("cpus", "gpus"):
            value = resources.get(name)
            if value is None:
                continue
            low, high = (1, MAX_CPUS) if name == "cpus" else (0, MAX_GPUS)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidRequest(f"'{name}' must be a whole number from {low} to {high}")
            checked[name] = value
        memory = resources.get("memory")
        if memory is not None:
            text = str(memory).strip().upper() if isinstance(memory, (str, int)) else ""
            text = text[:-1] if text.endswith("B") and len(text) > 1 else text
            if isinstance(memory, bool) or not MEMORY_RE.match(text):
                raise InvalidRequest(
                    f"'memory' must be a size like 4G, 500M or 2048 (megabytes), not {memory!r}"
                )
            checked["memory"] = text
        partitions, default = self.partitions()
        partition = resources.get("partition")
        if partition is not None:
            if not isinstance(partition, str) or not partition.strip():
                raise InvalidRequest("'partition' must be a partition name")
            partition = partition.strip()
            if partitions and partition not in partitions:
                raise InvalidRequest(
                    f"Unknown partition {partition!r}; this cluster has: "
                    f"{', '.join(sorted(partitions))}"
                )
            checked["partition"] = partition
        limit = resources.get("time_limit")
        if limit is not None:
            seconds = time_limit_seconds(limit)
            part = partition or default
            maximum = partitions.get(part) if part else None
            if maximum is not None and seconds > maximum:
                raise InvalidRequest(
                    f"The time limit {format_seconds(seconds)} is over the maximum of "
                    f"partition {part!r} ({format_seconds(maximum)})"
                )
            checked["time_limit"] = str(limit).strip()
        return checked

    def sbatch_resource_args(self, resources: dict[str, Any]) -> list[str]:
        """The sbatch options for resources already checked by validate_resources."""
        args = []
        if resources.get("cpus"):
            args.append(f"--cpus-per-task={resources['cpus']}")
        if resources.get("memory"):
            args.append(f"--mem={resources['memory']}")
        if resources.get("gpus"):
            args.append(f"--gres=gpu:{resources['gpus']}")
        if resources.get("time_limit"):
            args.append(f"--time={resources['time_limit']}")
        if resources.get("partition"):
            args.append(f"--partition={resources['partition']}")
        return args

    # -- submit ----------------------------------------------------------------------

    def prepare(self, spec: JobSpec) -> None:
        spec.queue_dir = None  # the cluster queues jobs
        spec.cancel_grace_seconds = self.cancel_grace_seconds

    def batch_script(self, jobdir: JobDirectory) -> str:
        """The batch script: it only execs the runner on the job directory (quoted)."""
        lines = [
            "#!/bin/bash",
            "# Written by jupyter-jobs' SLURM backend. The runner reads everything it needs",
            "# (input, parameters, kernel) from the job directory; nothing else is in here.",
        ]
        if self.script_prologue.strip():
            lines += ["# Set by the administrator (SlurmBackend.script_prologue):"]
            lines += self.script_prologue.strip().splitlines()
        job_dir = str(jobdir.path.resolve())
        lines.append(
            f"exec {shlex.quote(self.python)} -m jupyter_jobs.runner {shlex.quote(job_dir)}"
        )
        return "\n".join(lines) + "\n"

    def sbatch_args(self, job: JobRecord, jobdir: JobDirectory, spec: JobSpec) -> list[str]:
        """sbatch's arguments for the job, up to (not including) the script."""
        path = jobdir.path.resolve()
        return self._sbatch_args(
            _job_name(job.name),
            spec,
            job.resources or {},
            _literal_path(path / STDOUT_NAME),
            _literal_path(path / STDERR_NAME),
        )

    def _sbatch_args(
        self, name: str, spec: JobSpec, resources: dict[str, Any], output: str, error: str
    ) -> list[str]:
        """sbatch's arguments up to the script; output and error are sbatch filename patterns."""
        args = [
            "--parsable",
            f"--job-name={name}",
            "--no-requeue",  # a rerun from the start would write over the job's files
            f"--chdir={spec.cwd}",
            f"--output={output}",
            f"--error={error}",
            *self.sbatch_resource_args(resources),
        ]
        if self.account:
            args.append(f"--account={self.account}")
        return args + dependency_args(spec, self.name) + list(self.extra_sbatch_args)

    @staticmethod
    def _touch_outputs(jobdir: JobDirectory) -> None:
        # slurmstepd opens existing output files without changing their mode: they stay 0600.
        for name in (STDOUT_NAME, STDERR_NAME):
            touch_private(jobdir.path / name)

    def submit(self, job: JobRecord, jobdir: JobDirectory) -> str:
        spec = jobdir.read_spec()
        script = jobdir.path / SCRIPT_NAME
        with open_private(script, "w") as f:
            f.write(self.batch_script(jobdir))
        script.chmod(SCRIPT_MODE)
        self._touch_outputs(jobdir)
        # sbatch exports this environment to the job: marked as this job's, no other's.
        return self._sbatch(self.sbatch_args(job, jobdir, spec), script, runner_environment(job.id))

    def resubmit(self, job: JobRecord, jobdir: JobDirectory, delay_seconds: float) -> str:
        """A new batch job for the same job directory (a run of an array comes back as a
        job of its own); SLURM holds it until the delay has passed (`--begin=now+N`)."""
        with contextlib.suppress(FileNotFoundError):
            (jobdir.path / STATE_NAME).unlink()  # the final state of the batch job that ended
        spec = jobdir.read_spec()
        script = jobdir.path / SCRIPT_NAME
        with open_private(script, "w") as f:
            f.write(self.batch_script(jobdir))
        script.chmod(SCRIPT_MODE)
        args = self.sbatch_args(job, jobdir, spec)
        if delay_seconds > 0:
            args.append(f"--begin=now+{math.ceil(delay_seconds)}")
        return self._sbatch(args, script, runner_environment(job.id))

    def _sbatch(self, args: list[str], script: Path, env: dict[str, str]) -> str:
        """Run sbatch; the job's (or array's) id. InvalidRequest when SLURM refuses what was
        asked for, BackendUnavailable when it cannot take jobs."""
        result = self._run("sbatch", *args, str(script.resolve()), env=env)
        if result.returncode != 0:
            message = (
                " ".join(
                    line.removeprefix("sbatch: error: ").strip()
                    for line in result.stderr.splitlines()
                    if line.strip()
                )
                or f"sbatch exited with status {result.returncode}"
            )
            if any(pattern in message.lower() for pattern in REFUSALS):
                raise InvalidRequest(f"SLURM refused the job: {message}")
            raise BackendUnavailable(f"sbatch failed: {message}")
        first = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
        job_id = first.split(";")[0].strip()  # "<id>;<cluster>" on a multi-cluster setup
        if not job_id.isdigit():
            raise BackendUnavailable(f"sbatch answered something other than a job id: {first!r}")
        return job_id

    # -- job arrays (sweeps) ------------------------------------------------------------

    def array_script(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> str:
        """The array's batch script: task i execs the runner on the i-th job directory.

        The directories and job ids are shell-quoted array items, picked by index; nothing
        else of the runs is in here (their parameters stay in their spec.json).
        """
        lines = [
            "#!/bin/bash",
            "# Written by jupyter-jobs' SLURM backend for a job array: task i runs the runner",
            "# on the i-th job directory below, which holds everything the run needs.",
            "job_dirs=(",
            *(f"  {shlex.quote(str(jobdir.path.resolve()))}" for _, jobdir in jobs),
            ")",
            "job_ids=(",
            *(f"  {shlex.quote(job.id)}" for job, _ in jobs),
            ")",
            'task="${SLURM_ARRAY_TASK_ID:?this script runs as a task of a SLURM job array}"',
        ]
        if self.script_prologue.strip():
            lines += ["# Set by the administrator (SlurmBackend.script_prologue):"]
            lines += self.script_prologue.strip().splitlines()
        lines += [
            # The runner's own process carries its job's marker too (job_processes finds it).
            f'export {JOB_ENV_MARKER}="${{job_ids[$task]}}"',
            f'exec {shlex.quote(self.python)} -m jupyter_jobs.runner "${{job_dirs[$task]}}"',
        ]
        return "\n".join(lines) + "\n"

    def submit_group(
        self, jobs: list[tuple[JobRecord, JobDirectory]], max_concurrent: int | None = None
    ) -> list[str]:
        """One job array for the runs of a sweep: `sbatch --array=0-N[%K]`, K = max_concurrent.

        The runs share their input's directory and their resources (they are one sweep's).
        Returns `<array id>_<i>` for run i.
        """
        if not jobs:
            return []
        if max_concurrent is not None and (
            isinstance(max_concurrent, bool)
            or not isinstance(max_concurrent, int)
            or max_concurrent < 1
        ):
            raise InvalidRequest("'max_concurrent' must be a whole number of at least 1")
        specs = [jobdir.read_spec() for _, jobdir in jobs]
        first, first_dir = jobs[0]
        if any(spec.cwd != specs[0].cwd for spec in specs) or any(
            (job.resources or {}) != (first.resources or {}) for job, _ in jobs
        ):
            raise InvalidRequest(
                "The runs of one SLURM job array must share their directory and resources"
            )
        arrays_dir = make_private_dir(first_dir.path.resolve().parent / ARRAYS_DIR)
        group = Path(tempfile.mkdtemp(prefix=f"{first.id}-", dir=arrays_dir))  # made 0700
        try:
            script = group / ARRAY_SCRIPT_NAME
            with open_private(script, "w") as f:
                f.write(self.array_script(jobs))
            script.chmod(SCRIPT_MODE)
            for index, (_, jobdir) in enumerate(jobs):
                self._touch_outputs(jobdir)
                (group / str(index)).symlink_to(jobdir.path.resolve(), target_is_directory=True)
                run = {"array_task_id": index, "script": str(script.resolve())}
                write_private_atomically(jobdir.path / ARRAY_RUN_NAME, json.dumps(run))
            last = len(jobs) - 1
            spec = f"0-{last}" + (f"%{max_concurrent}" if max_concurrent is not None else "")
            links = _literal_path(group.resolve())
            args = self._sbatch_args(
                _array_name([job.name for job, _ in jobs]),
                specs[0],
                first.resources or {},
                f"{links}/%a/{STDOUT_NAME}",
                f"{links}/%a/{STDERR_NAME}",
            )
            # Each task's marker is set by the script: the environment carries none.
            array_id = self._sbatch([f"--array={spec}", *args], script, runner_environment(None))
            write_private_atomically(
                group / ARRAY_INFO_NAME,
                json.dumps({"array_job_id": array_id, "submitted_at": time.time()}),
            )
        except BaseException:
            shutil.rmtree(group, ignore_errors=True)
            for _, jobdir in jobs:
                with contextlib.suppress(OSError):
                    (jobdir.path / ARRAY_RUN_NAME).unlink()
            raise
        return [f"{array_id}_{index}" for index in range(len(jobs))]

    def _clean_up_arrays(self, arrays: ArrayListing, folders: set[Path], listed_at: float) -> None:
        """Remove an array's folder (script, output links) once no task of it will still
        open its output files: every task has ended, or its runner has started. Only
        arrays submitted well before squeue was called are judged from its answer."""
        for folder in folders:
            try:
                groups = list(folder.iterdir())
            except OSError:
                continue
            for group in groups:
                try:
                    info = json.loads((group / ARRAY_INFO_NAME).read_text())
                    array_id = int(info["array_job_id"])
                    submitted_at = float(info["submitted_at"])
                except (OSError, ValueError, TypeError, KeyError):
                    continue  # being submitted, or not ours
                if submitted_at > listed_at - ARRAY_LISTING_MARGIN:
                    continue
                script = str((group / ARRAY_SCRIPT_NAME).resolve())
                entries = [
                    entry for entry in arrays.entries(array_id) if entry.command in ("", script)
                ]
                if all(self._launched(entry, group) for entry in entries):
                    shutil.rmtree(group, ignore_errors=True)

    @staticmethod
    def _launched(entry: SlurmJob, group: Path) -> bool:
        """Whether this array entry no longer needs its output link."""
        if entry.final or entry.state == "COMPLETING":
            return True
        if entry.array_task_id is None or entry.state in WAITING_STATES:
            return False  # still waiting to start
        # Running: slurmstepd opened the output files before it ran the script
        return (group / str(entry.array_task_id) / "status.json").exists()

    # -- poll ------------------------------------------------------------------------

    def squeue(self) -> dict[int, dict[str, Any]] | None:
        """Every job SLURM still lists (22.05 ignores filters with --json), by id; None if
        squeue failed, which must not be taken as "the jobs are gone"."""
        try:
            result = self._run("squeue", "--json", "--me", "--states=all")
        except BackendUnavailable as e:
            self.log.warning("jupyter-jobs: %s", e)
            return None
        try:
            data = json.loads(result.stdout) if result.returncode == 0 else None
        except json.JSONDecodeError:
            data = None
        jobs = parse_squeue(data)
        if jobs is None:
            errors = data.get("errors") if isinstance(data, dict) else result.stderr.strip()
            self.log.warning("jupyter-jobs: squeue failed: %s", errors)
        return jobs

    def poll(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> dict[str, BackendState]:
        states: dict[str, BackendState] = {}
        unknown = []
        for job, jobdir in jobs:
            recorded = read_recorded_state(jobdir, job.backend_id)
            if recorded is not None:
                states[job.id] = recorded
            else:
                unknown.append((job, jobdir))
        if not unknown:
            return states
        listed_at = time.time()
        listing = self.squeue()
        if listing is None:
            return states  # nothing known: the manager keeps what it has
        arrays = ArrayListing(listing)
        scripts = ScriptIndex(listing, SCRIPT_NAME)
        for job, jobdir in unknown:
            ids = parse_backend_id(job.backend_id)
            if ids is None:
                continue  # being submitted (by another process): sbatch has not answered yet
            slurm_id, task = ids
            if task is None:
                raw = listing.get(slurm_id)
                slurm_job = parse_job(raw) if raw is not None else None
            else:
                slurm_job = arrays.task(slurm_id, task)
            if slurm_job is not None and slurm_job.command and not self._is_ours(slurm_job, jobdir):
                slurm_job = None  # the id was reused after SLURM's state was wiped
            if slurm_job is None:
                states[job.id] = self._forgotten(job, jobdir)
                continue
            heading_for = None
            if slurm_job.state == "COMPLETING":
                tail = _tail_lines(jobdir.path / STDERR_NAME)
                heading_for = ending_from_output(tail, slurm_job.job_id)
            state = to_backend_state(slurm_job, self._details(slurm_job, jobdir), heading_for)
            state = chained_state(slurm_job, jobdir, state, scripts, self._run_quietly)
            if slurm_job.final:
                record_state(jobdir, job.backend_id, slurm_job, state)
            else:
                self._retry_cancel(job, jobdir, slurm_job)
            states[job.id] = state
        parents = {jobdir.path.parent for _, jobdir in jobs}
        folders = {parent.resolve() / ARRAYS_DIR for parent in parents}
        self._clean_up_arrays(arrays, folders, listed_at)
        return states

    def _run_quietly(self, name: str, *args: str) -> bool:
        """Run a SLURM command whose failure is only worth a warning (the next poll, which
        sees the same job in the same state, runs it again); whether it did its work."""
        try:
            result = self._run(name, *args)
        except BackendUnavailable as e:
            self.log.warning("jupyter-jobs: %s", e)
            return False
        if result.returncode != 0:
            self.log.warning(
                "jupyter-jobs: %s %s failed: %s", name, " ".join(args), result.stderr.strip()
            )
        return result.returncode == 0

    @staticmethod
    def _is_ours(slurm_job: SlurmJob, jobdir: JobDirectory) -> bool:
        if slurm_job.array_job_id is not None:
            return slurm_job.command == _array_run(jobdir).get("script")
        return Path(slurm_job.command) == (jobdir.path / SCRIPT_NAME).resolve()

    def _forgotten(self, job: JobRecord, jobdir: JobDirectory) -> BackendState:
        """A job SLURM no longer lists, with no final state seen: the runner's status decides."""
        error: dict[str, Any] = {
            "message": f"SLURM no longer knows job {job.backend_id} and its runner recorded no "
            "result: it was killed, or it ended while no server watched it",
            "slurm_job_id": job.backend_id,
        }
        tail = _tail_lines(jobdir.path / STDERR_NAME)
        if tail:
            error["stderr"] = tail
        return BackendState(alive=False, error=error)

    def _details(self, slurm_job: SlurmJob, jobdir: JobDirectory) -> dict[str, Any] | None:
        """What the job's output files add to the error of a job that SLURM ended."""
        if slurm_job.state in ("COMPLETED", "RUNNING", "PENDING"):
            return None
        details: dict[str, Any] = {}
        tail = _tail_lines(jobdir.path / STDERR_NAME)
        slurm_lines = [m.group(0) for line in tail if (m := SLURM_LINE_RE.search(line))]
        if slurm_lines:
            details["slurm_messages"] = slurm_lines
        if any("exceeded memory limit" in line for line in slurm_lines):
            # Without cgroups SLURM kills such a job (FAILED, SIGKILL), not OUT_OF_MEMORY.
            details["message"] = (
                f"The job used more memory than it asked for and SLURM killed it "
                f"({slurm_job.state}, memory limit exceeded)"
            )
        elif tail and slurm_job.state not in ("CANCELLED", "TIMEOUT"):
            details["stderr"] = tail
        return details

    # -- cancel ----------------------------------------------------------------------

    def cancel(self, job: JobRecord, jobdir: JobDirectory) -> None:
        """scancel: SLURM sends SIGTERM to the runner (which interrupts its kernel and
        records `cancelled`) and SIGKILL to whatever remains after KillWait. A run of a
        job array is cancelled alone (`scancel <array>_<i>`)."""
        if parse_backend_id(job.backend_id) is None:
            return
        self._cancel_sent[job.id] = time.monotonic()
        try:
            result = self._run("scancel", job.backend_id or "")
        except BackendUnavailable as e:
            self.log.warning("jupyter-jobs: could not cancel job %s: %s", job.id, e)
            return  # poll sends scancel again while the job is still there
        if result.returncode != 0:
            self.log.warning(
                "jupyter-jobs: scancel %s failed: %s", job.backend_id, result.stderr.strip()
            )

    def cancel_group(self, jobs: list[tuple[JobRecord, JobDirectory]]) -> None:
        """One scancel of the arrays these runs belong to (a sweep's: one array), which
        stops every task of it, waiting or running. The caller has written the cancel
        request into each active run's job directory, as for `cancel`; runs of no array
        are named in the same call."""
        targets: list[str] = []
        for job, _ in jobs:
            ids = parse_backend_id(job.backend_id)
            if ids is None:
                continue
            target = str(ids[0]) if ids[1] is not None else job.backend_id or ""
            if target not in targets:
                targets.append(target)
            self._cancel_sent[job.id] = time.monotonic()
        if not targets:
            return
        try:
            result = self._run("scancel", *targets)
        except BackendUnavailable as e:
            self.log.warning("jupyter-jobs: could not cancel %s: %s", " ".join(targets), e)
            return  # poll sends scancel again, run by run, while they are still there
        if result.returncode != 0:
            self.log.warning(
                "jupyter-jobs: scancel %s failed: %s", " ".join(targets), result.stderr.strip()
            )

    def _retry_cancel(self, job: JobRecord, jobdir: JobDirectory, slurm_job: SlurmJob) -> None:
        if slurm_job.state == "COMPLETING" or not jobdir.cancel_requested():
            return
        sent = self._cancel_sent.get(job.id)
        if sent is None or time.monotonic() - sent > self.cancel_retry_seconds:
            self.cancel(job, jobdir)

    def close(self) -> None:
        self._cancel_sent.clear()


# -- the final state, kept in the job directory --------------------------------------------


def record_state(
    jobdir: JobDirectory, backend_id: str | None, slurm_job: SlurmJob, state: BackendState
) -> None:
    """Keep the first final state seen: SLURM forgets finished jobs after MinJobAge."""
    path = jobdir.path / STATE_NAME
    if read_recorded_state(jobdir, backend_id) is not None:
        return
    data = {
        "slurm_job_id": slurm_job.job_id,
        "job_state": slurm_job.state,
        "state_reason": slurm_job.reason,
        "exit_code": slurm_job.exit_status,
        "signal": slurm_job.signal,
        "nodes": slurm_job.nodes,
        "array_job_id": slurm_job.array_job_id,
        "array_task_id": slurm_job.array_task_id,
        "seen_at": utc_now(),
        "reason": state.reason,
        "error": state.error,
        "status": state.status,
    }
    with contextlib.suppress(OSError):  # a removed job directory: nothing to keep
        write_private_atomically(path, json.dumps(data))


def read_recorded_state(jobdir: JobDirectory, backend_id: str | None) -> BackendState | None:
    """The final state kept for this SLURM job; None if none is, or one of another SLURM
    job of the same job directory (an attempt before a retry, seen by a poll that lagged)."""
    try:
        data = json.loads((jobdir.path / STATE_NAME).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("job_state") not in FINAL_STATES:
        return None
    ids = parse_backend_id(backend_id)
    if data.get("array_job_id") is not None:
        recorded_ids = (data.get("array_job_id"), data.get("array_task_id"))
    else:
        recorded_ids = (data.get("slurm_job_id"), None)
    if ids is not None and recorded_ids != ids:
        return None
    return BackendState(
        alive=False,
        status=data.get("status"),
        reason=data.get("reason"),
        error=data.get("error"),
        retry_reason=RETRY_REASONS.get(data["job_state"]),
    )


def _array_run(jobdir: JobDirectory) -> dict[str, Any]:
    """What a run of a job array keeps of it (its task index, the array's script)."""
    try:
        data = json.loads((jobdir.path / ARRAY_RUN_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tail_lines(path: Path, max_bytes: int = 4096, max_lines: int = 20) -> list[str]:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    if size > max_bytes:
        lines = lines[1:]  # the first one is probably cut
    return [line for line in lines if line.strip()][-max_lines:]
