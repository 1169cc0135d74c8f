"""Jobs from code: submit notebooks and scripts, wait for them, read their results.

Works in a notebook kernel inside JupyterLab and in a plain Python process,
with or without a running Jupyter server: it uses the same job store as the
server (the `JobsConfig` of the Jupyter config files), so jobs submitted here
show in the Jobs panel and jobs from the panel can be handled here::

    import jupyter_jobs

    job = jupyter_jobs.submit("train.ipynb", parameters={"epochs": 5})
    job.wait()                      # interrupt to stop waiting: the job keeps running
    metrics = job.result()          # what the job kept with jupyter_jobs.record(name, value)
    jupyter_jobs.cleanup(jupyter_jobs.jobs(status="finished"))

Modelled on RevoScaleR's non-waiting jobs (rxGetJobStatus, rxGetJobResults,
rxCancelJob, rxGetJobs, rxCleanupJobs, rxgLastPendingJob).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .configuration import DB_PATH_ENV, JOBS_ROOT_ENV
from .errors import Conflict, InvalidRequest, JobsError, NotFound
from .handles import RunningHandle, every_page, statuses_wanted
from .jobdir import ACTIVE_STATES, ALL_STATES, FINAL_STATES
from .private import write_private_atomically
from .results import load_results

if TYPE_CHECKING:
    import nbformat
    from traitlets.config import Config

    from .configuration import JobsConfig
    from .manager import JobManager

__all__ = [
    "CleanupRefused",
    "Job",
    "JobCancelled",
    "JobFailed",
    "cleanup",
    "configure",
    "get",
    "jobs",
    "last_job",
    "load_jupyter_config",
    "submit",
]

LAST_JOB_FILE = "last_job"
SERVER_CONFIG_NAME = "jupyter_server_config"
EXTENSION_CONFIG_NAME = "jupyter_jupyter_jobs_config"
# Pseudo-statuses for filtering: every finished job, every job still under way.
STATUS_GROUPS = {"finished": FINAL_STATES, "active": ACTIVE_STATES}
T = TypeVar("T")


class JobFailed(JobsError):
    """The job failed; `error` is its error as the Jobs panel shows it (message, traceback...)."""

    http_status = 409

    def __init__(self, job: Job, error: dict[str, Any] | None):
        self.job = job
        self.error = error or {}
        reason = self.error.get("message") or "no reason was recorded"
        super().__init__(f"Job {job.id} ({job.name}) failed: {reason}")


class JobCancelled(JobsError):
    """The job was cancelled before it completed: it has no results."""

    http_status = 409

    def __init__(self, job: Job):
        self.job = job
        super().__init__(f"Job {job.id} ({job.name}) was cancelled: it has no results")


class CleanupRefused(Conflict):
    """cleanup() removed nothing: some jobs still run, or have results nobody has read."""

    def __init__(self, active: list[Job], unseen: list[Job]):
        self.active = active
        self.unseen = unseen
        parts = []
        if active:
            parts.append(f"still active (cancel them first): {_job_list(active)}")
        if unseen:
            parts.append(
                f"results never read: {_job_list(unseen)} (read them with job.result() or "
                "job.output_notebook(), or pass force=True to discard them)"
            )
        super().__init__("Nothing was removed. " + "; ".join(parts))


# -- the manager this process uses ----------------------------------------------------------


class _Settings:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.manager: JobManager | None = None
        self.last_job_path: Path | None = None
        self.config: dict[str, Any] | None = None
        self.config_file: str | None = None
        self.jobs_config: JobsConfig | None = None  # what made the manager (sweeps use it too)


_settings = _Settings()


def load_jupyter_config(config_file: str | None = None) -> Config:
    """The Jupyter config the server reads, from every directory of `jupyter --paths`.

    That is jupyter_config and jupyter_server_config (.py and .json), over the
    extension's own jupyter_jupyter_jobs_config (jupyter_server names an
    extension's file after its name, here `jupyter_jobs`), with the same
    precedence as the server. `config_file` is read instead of
    jupyter_server_config, as `jupyter server --config` does.
    """
    from jupyter_core.application import JupyterApp
    from traitlets.config import Config

    class ConfigReader(JupyterApp):
        name = "jupyter-jobs"
        description = "Reads the config files of the Jupyter server"

    if config_file and not os.path.isfile(config_file):
        raise NotFound(f"No such config file: {config_file!r}")
    merged = Config()
    for file_name in (EXTENSION_CONFIG_NAME, SERVER_CONFIG_NAME):
        reader = ConfigReader(config_file_name=file_name)
        if config_file and file_name == SERVER_CONFIG_NAME:
            reader.config_file = os.path.abspath(config_file)
        reader.load_config_file()
        merged.merge(reader.config)
    return merged


def configure(
    config: Config | dict[str, Any] | None = None, config_file: str | None = None
) -> None:
    """Choose the job store anew; the next call of the API uses it.

    By default the API reads the Jupyter config files like the server does. `config`
    adds settings on top (e.g. ``{"JobsConfig": {"jobs_root": ..., "db_path": ...}}``);
    `config_file` is read instead of jupyter_server_config. The environment variables
    JUPYTER_JOBS_ROOT and JUPYTER_JOBS_DB_PATH, when set, override both.
    """
    with _settings.lock:
        if _settings.manager is not None:
            _settings.manager.close()
        _settings.manager = None
        _settings.config = dict(config) if config is not None else None
        _settings.config_file = config_file


def _manager() -> JobManager:
    with _settings.lock:
        if _settings.manager is None:
            from traitlets.config import Config

            from .configuration import JobsConfig

            config = load_jupyter_config(_settings.config_file)
            if _settings.config:
                config.merge(Config(_settings.config))
            jobs_config = JobsConfig(config=config)
            if os.environ.get(JOBS_ROOT_ENV):
                jobs_config.jobs_root = os.environ[JOBS_ROOT_ENV]
            if os.environ.get(DB_PATH_ENV):
                jobs_config.db_path = os.environ[DB_PATH_ENV]
            _settings.manager = jobs_config.create_manager(
                root_dir=os.getcwd(), confine_to_root=False
            )
            _settings.last_job_path = Path(jobs_config.db_path).parent / LAST_JOB_FILE
            _settings.jobs_config = jobs_config
        return _settings.manager


class BuiltOnJobs(Generic[T]):
    """A manager built on the API's job manager (of sweeps, of schedules): made when first
    used, and made anew when configure() replaced the job manager."""

    def __init__(self, build: Callable[[JobManager], T]):
        self._build = build
        self._built: tuple[JobManager, T] | None = None

    def __call__(self) -> T:
        manager = _manager()
        if self._built is None or self._built[0] is not manager:
            self._built = (manager, self._build(manager))
        return self._built[1]


# -- the job handle ------------------------------------------------------------------------


class Job(RunningHandle):
    """A handle on one job: ask it for its status, wait for it, read its results, cancel it."""

    noun = "job"
    final_states = FINAL_STATES
    getter = "get"

    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def path(self) -> str:
        return str(self.info["path"])

    @property
    def kind(self) -> str:
        """ "notebook" or "script"."""
        return str(self.info["kind"])

    @property
    def backend(self) -> str:
        return str(self.info["backend"])

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.info["parameters"])

    @property
    def error(self) -> dict[str, Any] | None:
        """Why the job failed (message, and for a notebook ename, evalue, traceback)."""
        return self.refresh().info["error"]

    def _read(self) -> dict[str, Any]:
        # The store is brought up to date with the job's runner first.
        return _manager().get(self.id)

    def cancel(self) -> Job:
        """Ask the job to stop: `cancelling`, then `cancelled` (its partial output is kept)."""
        self._info = _manager().cancel(self.id)
        return self

    def log(self) -> str:
        """The job's output so far as text: streams, text of displayed values, tracebacks."""
        return "".join(_log_texts(self.id, follow=False))

    def follow(self, poll_interval: float = 0.2) -> Iterator[str]:
        """Yield the job's output as it arrives, from the start, until the job has finished."""
        return _log_texts(self.id, follow=True, poll_interval=poll_interval)

    def output_notebook(self) -> nbformat.NotebookNode:
        """The output notebook as it stands (partial while the job runs).

        Reading it once the job has finished counts as reading its results.
        """
        import nbformat

        kind, data = _manager().output(self.id)
        if kind != "notebook":
            raise InvalidRequest(f"Job {self.id} ran a script: its output is text, see job.log()")
        return nbformat.reads(data.decode("utf-8"), as_version=4)

    def result(self) -> dict[str, Any]:
        """The values the job kept with jupyter_jobs.record, by name, once it has completed.

        JobFailed (with the job's error message) for a failed job, JobCancelled for
        a cancelled one, Conflict while it has not finished (wait() first).
        """
        info = self.refresh().info
        status = info["status"]
        if status == "failed":
            raise JobFailed(self, info["error"])
        if status == "cancelled":
            raise JobCancelled(self)
        if status != "completed":
            raise Conflict(f"Job {self.id} is {status}: wait for it first (job.wait())")
        manager = _manager()
        record = manager.store.get(self.id)
        if record is None:
            raise NotFound(f"No job with id {self.id!r}")
        values = load_results(record.job_dir)
        manager.results(self.id)  # results read: the job may now be removed without force
        return values

    def remove(self, force: bool = False) -> None:
        """Remove the finished job, its record and its files.

        Refused (Conflict) while it runs, and when nobody has read its results
        or output, unless force=True.
        """
        _manager().remove(self.id, force=force)


# -- functions -------------------------------------------------------------------------------


def submit(
    path: str | os.PathLike[str],
    parameters: dict[str, Any] | None = None,
    backend: str | None = None,
    name: str | None = None,
    resources: dict[str, Any] | None = None,
    wait: bool = False,
    kernel_name: str | None = None,
    time_limit: str | int | None = None,
    max_retries: int = 0,
    retry_delay_seconds: float = 0,
    after: list[Job | str] | None = None,
    after_condition: str = "completed",
) -> Job:
    """Run a notebook (.ipynb, through papermill) or a Python script (.py) as a job.

    path: the file, absolute or relative to the current directory; the job runs
    on a frozen copy of it, in the file's own directory.
    parameters: for a notebook, values papermill puts after its `parameters`
    cell; for a script, `--name value` arguments.
    backend: where it runs ("local", or e.g. "slurm"); None means the configured
    default (JobsConfig.default_backend, "local" out of the box).
    resources: what the backend gives the job, e.g. {"cpus": 4, "memory": "8G"}.
    wait: wait for it to finish (an interrupt stops the waiting, not the job).
    time_limit: stop it after this long on any backend, in SLURM's formats ("1:30:00",
    "2-00:00", "45:00" or a number of minutes); it then fails with the reason "time limit".
    max_retries: run a failed job again, as a new attempt, up to this many times, after
    retry_delay_seconds (never a cancelled one, nor one stopped by its time limit).
    after: jobs (or their ids) this one runs after; it waits, queued, until they have
    completed (after_condition="completed") or ended in any way ("finished"). If one
    ends otherwise, this job is cancelled with a reason saying which.
    """
    if time_limit is not None:
        resources = {**(resources or {}), "time_limit": time_limit}
    manager = _manager()
    info = manager.submit(
        os.path.abspath(os.fspath(path)),
        parameters=parameters,
        backend=backend,
        name=name,
        kernel_name=kernel_name,
        resources=resources,
        max_retries=max_retries,
        retry_delay_seconds=retry_delay_seconds,
        after=None if after is None else [_job_id(job) for job in after],
        after_condition=after_condition,
    )
    job = Job(info["id"], info)
    _remember_last_job(job.id)
    if wait:
        job.wait()
    return job


def _job_id(job: Job | str) -> Any:
    """A Job's id; anything else as it is (the manager says what is wrong with it)."""
    return job.id if isinstance(job, Job) else job


def get(job_id: str) -> Job:
    """The job with this id (NotFound if there is none)."""
    if isinstance(job_id, Job):
        job_id = job_id.id
    return Job(job_id, _manager().get(job_id))


def jobs(
    status: str | Iterable[str] | None = None,
    since: str | datetime | timedelta | None = None,
    until: str | datetime | timedelta | None = None,
    backend: str | None = None,
    schedule_id: str | None = None,
) -> list[Job]:
    """Jobs, newest first, like rxGetJobs.

    status: one status or several; "finished" means completed, failed or cancelled,
    "active" queued, running or cancelling.
    schedule_id: only the jobs that schedule fired (or ran now).
    since / until: jobs created at or after / before this time: an ISO 8601 string
    (UTC unless it has an offset), a datetime (a naive one is local time), or a
    timedelta meaning that long ago (``since=timedelta(hours=1)``: the last hour).
    """
    found = every_page(
        _manager().list_jobs,
        statuses=statuses_wanted(status, ALL_STATES, STATUS_GROUPS),
        since=_moment(since, "since"),
        until=_moment(until, "until"),
        backend=backend,
        schedule_id=schedule_id,
    )
    return [Job(info["id"], info) for info in found]


def last_job() -> Job | None:
    """The job submitted last from code (this API or `jupyter jobs submit`), by any process
    of this user on this job store; None if there is none, or it was removed since."""
    _manager()
    assert _settings.last_job_path is not None
    try:
        job_id = _settings.last_job_path.read_text().strip()
    except FileNotFoundError:
        return None
    try:
        return get(job_id)
    except NotFound:
        return None


def cleanup(jobs: Job | str | Iterable[Job | str], force: bool = False) -> list[str]:
    """Remove finished jobs, records and files, like rxCleanupJobs; returns the removed ids.

    All or nothing: if any job is still active, or has results nobody has read
    (job.result(), job.output_notebook(), the panel's output view) and force is
    False, CleanupRefused says which and nothing is removed. Jobs that are already
    gone are passed over.
    """
    items = [jobs] if isinstance(jobs, (Job, str)) else list(jobs)
    manager = _manager()
    found: list[Job] = []
    for item in items:
        job_id = item.id if isinstance(item, Job) else item
        try:
            found.append(Job(job_id, manager.get(job_id)))
        except NotFound:
            continue
    active = [job for job in found if job.info["status"] in ACTIVE_STATES]
    unseen = [job for job in found if job not in active and not job.info["output_fetched"]]
    if active or (unseen and not force):
        raise CleanupRefused(active, [] if force else unseen)
    removed = []
    for job in found:
        try:
            manager.remove(job.id, force=force)
        except NotFound:
            continue
        removed.append(job.id)
    return removed


# -- helpers -----------------------------------------------------------------------------------


def _remember_last_job(job_id: str) -> None:
    path = _settings.last_job_path
    if path is None:
        return
    with contextlib.suppress(OSError):  # the job runs all the same; only last_job() misses it
        write_private_atomically(path, job_id + "\n")


def _job_list(jobs: list[Job]) -> str:
    return ", ".join(f"{job.id} ({job.name}, {job.info['status']})" for job in jobs)


def _moment(value: str | datetime | timedelta | None, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        value = datetime.now(timezone.utc) - value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    raise InvalidRequest(f"'{field}' must be an ISO 8601 string, a datetime or a timedelta")


def _log_texts(job_id: str, follow: bool, poll_interval: float = 0.2) -> Iterator[str]:
    manager = _manager()
    after = 0
    finished = False
    while True:
        if follow and not finished:
            # Status first, then the log: once the job is final, its log is complete.
            finished = manager.get(job_id)["status"] in FINAL_STATES
        events, after = manager.log(job_id, after=after, limit=10000)
        for event in events:
            text = _event_text(event)
            if text:
                yield text
        if events:
            continue
        if not follow or finished:
            return
        time.sleep(poll_interval)


def _event_text(event: dict[str, Any]) -> str:
    """The text a terminal shows for one log event ("" for those it does not show)."""
    if event.get("type") != "output":
        return ""
    output = event.get("output") or {}
    kind = output.get("output_type")
    if kind == "stream":
        return str(output.get("text", ""))
    if kind == "error":
        return "\n".join(output.get("traceback") or []) + "\n"
    if kind in ("display_data", "execute_result"):
        data = output.get("data") or {}
        text = data.get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        return f"{text}\n" if text else ""
    return ""
