"""JobManager: submit, list, follow, cancel and remove jobs. Plain Python, no server needed.

The server's handlers, the `jupyter jobs` CLI and the Python API all go through
it, so a job can be handled with or without a running server. It keeps the
store in step with the job directories (where the runners write) and the
backends (which know whether a runner still lives).

It orchestrates; the judgements are elsewhere: what a record becomes from its runner's
status and its backend's state (reconcile.py), the retry of an attempt a backend ended
(attempts.py), and what a chained job keeps of the jobs it runs after (chains.py).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager

from .attempts import describe_attempts, retry_due, retry_on_backend
from .backends.base import Backend, BackendState
from .cells import notebook_cells
from .chains import dependencies, record_decided_end
from .errors import BackendUnavailable, Conflict, Gone, InvalidRequest, JobsError, NotFound
from .jobdir import (
    ACTIVE_STATES,
    ALL_STATES,
    FINAL_STATES,
    MAX_PAGE_BYTES,
    DamagedFile,
    JobDirectory,
    JobSpec,
    empty_usage,
    utc_now,
)
from .parameters import notebook_parameters
from .private import ensure_private_root, make_private_dir, private_copy
from .processes import kill_job_processes
from .reconcile import active_changes, final_changes, vanished_changes
from .results import list_results, load_code
from .runner.dependencies import killed_by_signal
from .store import JobRecord, JobStore
from .time_limits import time_limit_seconds
from .validation import (
    KINDS,
    check_after,
    check_name,
    check_optional_string,
    check_parameters,
    check_resources,
    check_retries,
    parse_time,
    resolve_input,
)

Listener = Callable[[dict[str, Any]], None]
MAX_PAGE = 1000
# A job presumed gone (its error says "presumed") has its status.json read again for this
# long, at most every PRESUMED_CHECK_SECONDS: a runner that records an end after all wins.
PRESUMED_REVISIT = timedelta(days=1)
PRESUMED_CHECK_SECONDS = 1.0


@dataclass
class JobRequest:
    """A submit request, checked: what it runs, where, and with what."""

    source: Path
    given_path: str
    kind: str
    parameters: dict[str, Any]
    backend_name: str
    backend: Backend
    resources: dict[str, Any]
    name: str
    kernel_name: str | None
    frozen_input: Path  # the file copied into the job: source, or a schedule's frozen copy
    max_retries: int = 0
    retry_delay_seconds: float = 0.0
    # The jobs it runs after, as the runner needs them (see JobSpec.after), and when.
    after: list[dict[str, Any]] = field(default_factory=list)
    after_condition: str = "completed"


class JobManager:
    """Everything one can do with jobs; returns the REST API's JSON shapes as dicts."""

    def __init__(
        self,
        root_dir: str,
        jobs_root: str,
        store: JobStore,
        backends: dict[str, Backend],
        default_backend: str = "local",
        kernel_spec_manager: KernelSpecManager | None = None,
        log: logging.Logger | None = None,
        confine_to_root: bool = True,
    ):
        self.root_dir = str(Path(root_dir).resolve())
        # The server only runs files inside its root; the CLI and API run any file of the user's.
        self.confine_to_root = confine_to_root
        self.jobs_root = Path(jobs_root)
        self._logger = log or logging.getLogger("jupyter_jobs")
        # Refused (UnsafeRoot) if others could write into it; tightened if they could read it.
        try:
            tightened = ensure_private_root(self.jobs_root, "jobs root")
        except OSError:
            store.close()
            raise
        if tightened:
            self._logger.warning("jupyter-jobs: %s", tightened)
        self.store = store
        self.backends = backends
        self.default_backend = default_backend
        self.kernel_spec_manager = kernel_spec_manager or KernelSpecManager()
        self._listeners: list[Listener] = []
        self._last_poll: dict[str, float] = {}
        self._log_hints: dict[str, tuple[int, int]] = {}
        self._locks_lock = threading.Lock()
        self._job_locks: dict[str, threading.Lock] = {}
        self._poll_locks: dict[str, threading.Lock] = {name: threading.Lock() for name in backends}
        self._revisit_lock = threading.Lock()
        self._last_revisit = 0.0
        for backend in backends.values():
            backend.jobs_root = str(self.jobs_root)

    # -- listeners -----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call listener with each change: {"action": "updated", "job": ...}, {"action":
        "removed", ...}, and those of sweeps and schedules (see events.py)."""
        self._listeners.append(listener)

    def notify(self, message: dict[str, Any]) -> None:
        """Pass a change to every listener (the server pushes it; see events.py)."""
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:
                self._logger.exception("A job listener failed")

    def _updated(self, record: JobRecord) -> None:
        self.notify({"action": "updated", "job": self.describe(record)})

    # -- submit ----------------------------------------------------------------------

    def submit(
        self,
        path: Any,
        parameters: Any = None,
        backend: Any = None,
        name: Any = None,
        kernel_name: Any = None,
        resources: Any = None,
        max_retries: Any = None,
        retry_delay_seconds: Any = None,
        after: Any = None,
        after_condition: Any = None,
        *,
        schedule_id: str | None = None,
        frozen_input: Path | None = None,
    ) -> dict[str, Any]:
        """Check everything, then create the job and start it; nothing is left behind on error.

        A schedule's firing passes its frozen copy of the input as frozen_input: the job
        runs that copy, in the directory of `path` (checked when the schedule was made).
        """
        request = self.check_request(
            path,
            parameters,
            backend,
            name,
            kernel_name,
            resources,
            max_retries=max_retries,
            retry_delay_seconds=retry_delay_seconds,
            frozen_input=frozen_input,
            after=after,
            after_condition=after_condition,
        )
        record, jobdir = self.create_job(request, schedule_id=schedule_id)
        self.store.add(record)
        try:
            record.backend_id = request.backend.submit(record, jobdir)
        except Exception as e:
            self.discard_jobs([record])
            raise self._start_error(e, request.backend_name, "job") from e
        self.store.update(record.id, backend_id=record.backend_id)
        self._updated(record)
        return self.describe(record)

    def check_request(
        self,
        path: Any,
        parameters: Any = None,
        backend: Any = None,
        name: Any = None,
        kernel_name: Any = None,
        resources: Any = None,
        max_retries: Any = None,
        retry_delay_seconds: Any = None,
        frozen_input: Path | None = None,
        after: Any = None,
        after_condition: Any = None,
    ) -> JobRequest:
        """Everything a submit checks, before anything is created; InvalidRequest, NotFound."""
        if frozen_input is None:
            source, given_path, kind = resolve_input(self.root_dir, path, self.confine_to_root)
            frozen_input = source
        else:
            source, given_path, kind = Path(path), str(path), KINDS[Path(path).suffix.lower()]
        parameters = check_parameters(parameters)
        max_retries, retry_delay_seconds = check_retries(max_retries, retry_delay_seconds)
        after, after_condition = check_after(after, after_condition)
        chained_to = dependencies(self.store, self.refresh, after)
        backend_name = check_optional_string(backend, "backend") or self.default_backend
        chosen = self._backend(backend_name)
        if not chosen.is_available():
            raise InvalidRequest(f"The backend {backend_name!r} is not available on this server")
        resources = chosen.validate_resources(check_resources(resources))
        name = check_name(name, default=source.stem)
        kernel_name = check_optional_string(kernel_name, "kernel_name")
        if kind == "notebook":
            kernel_name = self._notebook_kernel(frozen_input, given_path, kernel_name)
        else:
            kernel_name = None  # a script runs on the server's Python
        return JobRequest(
            source=source,
            given_path=given_path,
            kind=kind,
            parameters=parameters,
            backend_name=backend_name,
            backend=chosen,
            resources=resources,
            name=name,
            kernel_name=kernel_name,
            frozen_input=frozen_input,
            max_retries=max_retries,
            retry_delay_seconds=retry_delay_seconds,
            after=chained_to,
            after_condition=after_condition,
        )

    def create_job(
        self,
        request: JobRequest,
        parameters: dict[str, Any] | None = None,
        name: str | None = None,
        sweep: tuple[str, int, int | None] | None = None,
        schedule_id: str | None = None,
    ) -> tuple[JobRecord, JobDirectory]:
        """The job directory of a checked request, and the job's record (not stored yet).

        parameters and name replace the request's; sweep is (sweep id, index, max concurrent).
        """
        job_id = self._new_id()
        # Cannot happen to a new id; said so should it ever.
        if job_id in (d["id"] for d in request.after):
            raise InvalidRequest(f"Job {job_id} cannot run after itself")
        final_dir = self.jobs_root / job_id
        parameters = request.parameters if parameters is None else parameters
        chosen = request.backend
        spec = JobSpec(
            id=job_id,
            kind=request.kind,
            input_name=request.source.name,
            cwd=str(request.source.parent),
            parameters=parameters,
            kernel_name=request.kernel_name,
            submit_host=socket.gethostname(),
            submitted_at=time.time(),
            usage_interval_seconds=chosen.usage_interval_seconds,
            max_retries=request.max_retries,
            retry_delay_seconds=request.retry_delay_seconds,
            after=request.after,
            after_condition=request.after_condition,
        )
        if request.resources.get("time_limit") and not chosen.enforces_time_limit:
            spec.time_limit_seconds = time_limit_seconds(request.resources["time_limit"])
        if sweep is not None:
            spec.sweep_id, spec.sweep_index, spec.sweep_max_concurrent = sweep
        chosen.prepare(spec)
        self._create_job_dir(final_dir, request.frozen_input, spec)
        record = JobRecord(
            id=job_id,
            name=name or request.name,
            path=str(request.source),
            kind=request.kind,
            backend=request.backend_name,
            status="queued",
            created_at=utc_now(),
            job_dir=str(final_dir),
            parameters=parameters,
            resources=request.resources,
            kernel_name=request.kernel_name,
            progress_total=1 if request.kind == "script" else 0,
            schedule_id=schedule_id,
            max_retries=request.max_retries,
            retry_delay_seconds=request.retry_delay_seconds,
            sweep_id=spec.sweep_id,
            sweep_index=spec.sweep_index,
            after=[d["id"] for d in request.after] or None,
            after_condition=request.after_condition,
        )
        return record, JobDirectory(final_dir)

    def discard_jobs(self, records: list[JobRecord]) -> None:
        """Undo created jobs whose start failed: their processes, records and directories."""
        for record in records:
            kill_job_processes(record.id)
            self.store.remove(record.id)
            shutil.rmtree(record.job_dir, ignore_errors=True)

    def _start_error(self, error: Exception, backend_name: str, what: str) -> JobsError:
        if isinstance(error, JobsError):
            return error
        self._logger.error("Could not start a %s on %s", what, backend_name, exc_info=error)
        return BackendUnavailable(f"The {backend_name} backend could not start the {what}: {error}")

    def started(self, records: list[JobRecord]) -> None:
        """Tell listeners about jobs created and started together (a sweep's runs)."""
        for record in records:
            self._updated(record)

    def _notebook_kernel(self, source: Path, given_path: str, kernel_name: str | None) -> str:
        import nbformat  # here: its import costs the CLI most of a second

        try:
            nb = nbformat.read(str(source), as_version=4)
        except Exception as e:
            raise InvalidRequest(f"{given_path!r} is not a readable notebook: {e}") from None
        if kernel_name is None:
            kernel_name = nb.metadata.get("kernelspec", {}).get("name") or "python3"
        if kernel_name not in self.kernel_spec_manager.find_kernel_specs():
            raise InvalidRequest(f"No kernel named {kernel_name!r} is installed")
        return kernel_name

    def _new_id(self) -> str:
        while True:
            job_id = secrets.token_hex(6)
            if not (self.jobs_root / job_id).exists() and self.store.get(job_id) is None:
                return job_id

    def _create_job_dir(self, final_dir: Path, source: Path, spec: JobSpec) -> None:
        """Fill a scratch directory, then rename it: a job directory is whole or absent."""
        scratch = self.jobs_root / ".incoming" / spec.id
        try:
            jobdir = JobDirectory(scratch)
            make_private_dir(jobdir.input_dir, parents=True)  # .incoming, scratch, input/
            private_copy(source, jobdir.input_path(spec))
            jobdir.write_spec(spec)
            scratch.rename(final_dir)
        except OSError as e:
            shutil.rmtree(scratch, ignore_errors=True)
            raise BackendUnavailable(f"Could not create the job directory: {e}") from e

    # -- reading -----------------------------------------------------------------------

    def get(self, job_id: str) -> dict[str, Any]:
        record = self._record(job_id)
        if record.status in ACTIVE_STATES:
            self.refresh([job_id])
            record = self._record(job_id)
        return self.describe(record)

    def list_jobs(
        self,
        statuses: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        backend: str | None = None,
        limit: int = 100,
        offset: int = 0,
        sweep_id: str | None = None,
        schedule_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of jobs, newest first, and how many match in all (of one sweep, with
        sweep_id; fired by one schedule, with schedule_id)."""
        for status in statuses or []:
            if status not in ALL_STATES:
                raise InvalidRequest(f"Unknown status {status!r}; one of: {', '.join(ALL_STATES)}")
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidRequest(f"'limit' must be 1 to {MAX_PAGE} and 'offset' at least 0")
        self.refresh()
        records, total = self.store.find(
            statuses=statuses,
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            backend=backend,
            limit=limit,
            offset=offset,
            sweep_id=sweep_id,
            schedule_id=schedule_id,
        )
        return [self.describe(r) for r in records], total

    def active_job_ids(self) -> list[str]:
        return [record.id for record in self.store.active()]

    def log(
        self,
        job_id: str,
        after: int = 0,
        limit: int = 1000,
        tail: int | None = None,
        max_bytes: int = MAX_PAGE_BYTES,
    ) -> tuple[list[dict[str, Any]], int]:
        """Events of the job's log with seq > after, and the seq to continue from.

        With tail, the last `tail` events instead: where a view of a long log starts.
        A page holds at most `limit` events and about `max_bytes` of them (always
        one: an event bigger than that comes as a placeholder); an empty page is the end.
        """
        record = self._record(job_id)
        if after < 0 or not 1 <= limit <= 10000:
            raise InvalidRequest("'after' must be at least 0 and 'limit' 1 to 10000")
        if max_bytes < 1024:
            raise InvalidRequest("'max_bytes' must be at least 1024")
        jobdir = self._job_files(record)
        try:
            if tail is not None:
                if not 0 <= tail <= 10000:
                    raise InvalidRequest("'tail' must be 0 to 10000")
                events = jobdir.read_last_events(tail, max_bytes, self._log_hints.get(job_id))
                return events, events[-1]["seq"] if events else 0
            events, next_seq, hint = jobdir.read_events(
                after, limit, self._log_hints.get(job_id), max_bytes
            )
        except OSError as e:
            raise Conflict(f"The event log of job {job_id} cannot be read: {e}") from None
        self._log_hints[job_id] = hint
        return events, next_seq

    def output(self, job_id: str, attempt: int | None = None) -> tuple[str, bytes]:
        """The output as it stands: ("notebook", ipynb bytes) or ("text", utf-8 bytes).

        With attempt, that of an earlier attempt of a retried job. Fetching the output
        of a finished job marks its results as seen, which lets it be removed without force.
        """
        record = self._record(job_id)
        jobdir = self._job_files(record)
        if attempt is not None and attempt != record.attempt:
            if not 1 <= attempt < record.attempt:
                raise NotFound(f"Job {job_id} has no attempt {attempt} (it is at {record.attempt})")
            jobdir = jobdir.attempt_dir(attempt)
        path = jobdir.output_path(record.kind)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"Job {job_id} has no output yet (it is {record.status})") from None
        except OSError as e:
            raise Conflict(f"The output of job {job_id} cannot be read: {e}") from None
        if record.kind == "notebook":
            _check_notebook(job_id, path, data)
        if record.status in FINAL_STATES and not record.output_fetched:
            self.store.update(job_id, output_fetched=True)
        return record.kind, data

    def results(self, job_id: str, mark_seen: bool = True) -> dict[str, Any]:
        """What the job kept with jupyter_jobs.record, and Python code that loads it.

        Like fetching the output, reading the results of a finished job marks them
        as seen (unless mark_seen is False), which lets it be removed without force.
        """
        record = self._record(job_id)
        entries = [
            {key: entry.get(key) for key in ("name", "format", "size", "type")}
            for entry in list_results(self._job_files(record).path)
        ]
        code = None
        if record.status == "completed" and entries:
            code = load_code(record.id, record.job_dir, entries, record.name)
        if mark_seen and record.status in FINAL_STATES and not record.output_fetched:
            self.store.update(job_id, output_fetched=True)
            record.output_fetched = True
            self._updated(record)
        return {"results": entries, "load_code": code}

    def parameters(self, path: Any) -> list[dict[str, Any]]:
        """The parameters a notebook's `parameters` cell declares; none for a script."""
        source, given_path, kind = resolve_input(self.root_dir, path, self.confine_to_root)
        return notebook_parameters(source, given_path) if kind == "notebook" else []

    def usage(self, job_id: str) -> dict[str, Any]:
        """What the job's processes used: the summary and the sampled series, for a chart."""
        record = self._record(job_id)
        jobdir = self._job_files(record)
        return {"usage": jobdir.read_usage(), "samples": jobdir.read_usage_samples()}

    def cells(self, job_id: str) -> dict[str, Any]:
        """A notebook job's cells without outputs, numbered as its log events' `cell_index`.

        They come from the output notebook once the run wrote it (with the cell papermill
        injected for the parameters); before, from the frozen input (`executed` false).
        """
        record = self._record(job_id)
        if record.kind != "notebook":
            raise NotFound(f"Job {job_id} runs a script: it has no cells")
        jobdir = self._job_files(record)
        executed = True
        try:
            data = jobdir.output_notebook_path.read_bytes()
        except FileNotFoundError:
            executed = False
            try:
                data = jobdir.input_path(jobdir.read_spec()).read_bytes()
            except (OSError, DamagedFile) as e:
                raise Conflict(f"The input notebook of job {job_id} cannot be read: {e}") from None
        except OSError as e:
            raise Conflict(f"The output of job {job_id} cannot be read: {e}") from None
        try:
            cells = notebook_cells(data)
        except ValueError as e:
            which = "output" if executed else "input"
            raise Conflict(f"The {which} notebook of job {job_id} is damaged: {e}") from None
        return {"cells": cells, "executed": executed}

    def describe_backends(self) -> dict[str, Any]:
        return {
            "default": self.default_backend,
            "backends": [b.describe() for b in self.backends.values() if b.is_available()],
        }

    # -- changing ------------------------------------------------------------------------

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Ask the job to stop; it becomes `cancelling`, then `cancelled` once it has stopped."""
        with self._job_lock(job_id):
            record = self._record(job_id)
            if record.status in FINAL_STATES:
                raise Conflict(f"Job {job_id} has already finished ({record.status})")
            if record.status != "cancelling":
                jobdir = self._mark_cancelling(record)
                self._backend(record.backend).cancel(record, jobdir)
                self._updated(record)
        return self.describe(record)

    def cancel_group(self, job_ids: list[str]) -> list[str]:
        """Ask these jobs (a sweep's runs) to stop, with one call of each backend's
        cancel_group; those already finished or cancelling are passed over. The ids asked."""
        by_backend: dict[str, list[tuple[JobRecord, JobDirectory]]] = {}
        for job_id in job_ids:
            with self._job_lock(job_id):
                record = self.store.get(job_id)
                if record is None or record.status not in ("queued", "running"):
                    continue
                jobdir = self._mark_cancelling(record)
                by_backend.setdefault(record.backend, []).append((record, jobdir))
        for backend_name, pairs in by_backend.items():
            self._backend(backend_name).cancel_group(pairs)
            for record, _ in pairs:
                self._updated(record)
        return [record.id for pairs in by_backend.values() for record, _ in pairs]

    def _mark_cancelling(self, record: JobRecord) -> JobDirectory:
        jobdir = self._job_files(record)
        jobdir.request_cancel()
        self.store.update(record.id, status="cancelling")
        record.status = "cancelling"
        return jobdir

    def remove(self, job_id: str, force: bool = False) -> None:
        """Remove a finished job, record and files; its unseen results need force."""
        with self._job_lock(job_id):
            record = self._record(job_id)
            if record.status in ACTIVE_STATES:
                raise Conflict(f"Job {job_id} is {record.status}: cancel it before removing it")
            files = Path(record.job_dir)
            gone = not files.exists()
            if not record.output_fetched and not force and not gone:
                raise Conflict(
                    f"The output of job {job_id} was never fetched; "
                    "remove it with force to discard it"
                )
            # Files first: if they cannot go, the record stays and says where they are.
            if not gone:
                try:
                    shutil.rmtree(files)
                except OSError as e:
                    raise Conflict(
                        f"The files of job {job_id} could not be removed ({e}); they are in {files}"
                    ) from None
            self.store.remove(job_id)
        with self._locks_lock:
            self._job_locks.pop(job_id, None)
        self._log_hints.pop(job_id, None)
        self.notify({"action": "removed", "job_id": job_id})

    # -- keeping the store in step ---------------------------------------------------------

    def refresh(self, job_ids: list[str] | None = None) -> None:
        """Bring active jobs up to date from their job directories and backends.

        Safe from many threads at once: each job is synced by one thread at a time,
        from a fresh read of its record, and each backend is polled by one thread at
        a time. A caller that finds a poll under way (a slow squeue) does not wait for
        it: it reads the job directories, where runners record their end, and leaves
        the backend's view to the thread that polls.
        """
        by_backend: dict[str, list[JobRecord]] = {}
        for record in self.store.active():
            if job_ids is None or record.id in job_ids:
                by_backend.setdefault(record.backend, []).append(record)
        for backend_name, records in by_backend.items():
            backend = self.backends.get(backend_name)
            pairs = [(r, JobDirectory(r.job_dir)) for r in records]
            states = self._poll(backend, pairs) if backend is not None else {}
            for record, jobdir in pairs:
                with self._job_lock(record.id):
                    current = self.store.get(record.id)
                    if current is None or current.status not in ACTIVE_STATES:
                        continue
                    # A state polled before the job was started again (a retry) is not its own.
                    state = (
                        states.get(record.id) if current.backend_id == record.backend_id else None
                    )
                    self._sync(current, jobdir, state, backend)
        self._revisit_presumed_failures()

    def _poll(
        self, backend: Backend, pairs: list[tuple[JobRecord, JobDirectory]]
    ) -> dict[str, BackendState]:
        """The backend's view of these jobs; nothing if it is not due or polled elsewhere now."""
        lock = self._poll_locks.setdefault(backend.name, threading.Lock())
        if not lock.acquire(blocking=False):
            return {}
        try:
            return backend.poll(pairs) if self._poll_due(backend) else {}
        finally:
            lock.release()

    def _poll_due(self, backend: Backend) -> bool:
        now = time.monotonic()
        if now - self._last_poll.get(backend.name, 0.0) < backend.poll_interval:
            return False
        self._last_poll[backend.name] = now
        return True

    def _job_lock(self, job_id: str) -> threading.Lock:
        """The lock held while a job's record is read and changed from what was seen."""
        with self._locks_lock:
            return self._job_locks.setdefault(job_id, threading.Lock())

    def _sync(
        self,
        record: JobRecord,
        jobdir: JobDirectory,
        state: BackendState | None,
        backend: Backend | None,
    ) -> None:
        runner = jobdir.read_status() or {}
        if runner.get("status") not in FINAL_STATES and state is not None and not state.alive:
            runner = jobdir.read_status() or {}  # it may have finished in between
            if runner.get("status") not in FINAL_STATES:
                self._gone(record, jobdir, runner, state, backend)
                return
        if runner.get("status") in FINAL_STATES:
            self._finish(record, jobdir, runner, state, backend)
            return
        self._apply(record, active_changes(record, jobdir, runner, state))

    def _gone(
        self,
        record: JobRecord,
        jobdir: JobDirectory,
        runner: dict[str, Any],
        state: BackendState,
        backend: Backend | None,
    ) -> None:
        """The backend no longer runs the job, and its runner recorded no end."""
        if backend is not None and retry_due(record, jobdir, runner, state):
            self._apply(record, retry_on_backend(record, jobdir, runner, state, backend))
            return
        ended = vanished_changes(jobdir, state)
        record_decided_end(jobdir, ended["status"], ended["error"])  # jobs chained to it
        self._apply(record, ended)

    def _finish(
        self,
        record: JobRecord,
        jobdir: JobDirectory,
        runner: dict[str, Any],
        state: BackendState | None,
        backend: Backend | None,
    ) -> None:
        """Take the final status the runner recorded (or retry an attempt the backend ended)."""
        error = runner.get("error")
        by_signal = runner["status"] == "failed" and killed_by_signal(error)
        if by_signal and backend:
            # Killed by a signal: the backend may know why (a time limit, a node failure).
            state = backend.poll([(record, jobdir)]).get(record.id) or state
            if state is not None and retry_due(record, jobdir, runner, state):
                self._apply(record, retry_on_backend(record, jobdir, runner, state, backend))
                return
            if state is not None and state.error:
                error = {**state.error, "runner": error}
        if by_signal:  # not retried: jobs chained to it, which wait while it might be, go on
            record_decided_end(jobdir, runner["status"], error)
        self._apply(record, final_changes(record, jobdir, runner, error, state))

    def _revisit_presumed_failures(self) -> None:
        """Give jobs presumed gone the final status their runners recorded after all."""
        now = time.monotonic()
        if now - self._last_revisit < PRESUMED_CHECK_SECONDS:
            return
        if not self._revisit_lock.acquire(blocking=False):
            return  # another thread is at it
        try:
            self._last_revisit = now
            since = datetime.now(timezone.utc) - PRESUMED_REVISIT
            since_text = since.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            for presumed in self.store.presumed_failures(since_text):
                jobdir = JobDirectory(presumed.job_dir)
                runner = jobdir.read_status() or {}
                if runner.get("status") not in FINAL_STATES:
                    continue
                with self._job_lock(presumed.id):
                    record = self.store.get(presumed.id)  # as it is now, not as it was seen
                    if record is not None and record.error == presumed.error:
                        backend = self.backends.get(record.backend)
                        self._finish(record, jobdir, runner, None, backend)
        finally:
            self._revisit_lock.release()

    def _apply(self, record: JobRecord, changes: dict[str, Any]) -> None:
        changes = {k: v for k, v in changes.items() if getattr(record, k) != v}
        if changes:
            self.store.update(record.id, **changes)
            for key, value in changes.items():
                setattr(record, key, value)
            self._updated(record)

    # -- helpers ---------------------------------------------------------------------------

    def _record(self, job_id: str) -> JobRecord:
        record = self.store.get(job_id) if isinstance(job_id, str) else None
        if record is None:
            raise NotFound(f"No job with id {job_id!r}")
        return record

    @staticmethod
    def _job_files(record: JobRecord) -> JobDirectory:
        """The job's directory; Gone if it was deleted (the record outlives it)."""
        jobdir = JobDirectory(record.job_dir)
        if not jobdir.path.is_dir():
            raise Gone(
                f"The files of job {record.id} are gone: its directory {jobdir.path} was deleted"
            )
        return jobdir

    def _backend(self, name: str) -> Backend:
        backend = self.backends.get(name)
        if backend is None:
            known = ", ".join(sorted(self.backends))
            raise InvalidRequest(f"Unknown backend {name!r}; this server has: {known}")
        return backend

    def describe(self, record: JobRecord) -> dict[str, Any]:
        """A job as the REST API shows it."""
        return {
            "id": record.id,
            "name": record.name,
            "path": self._shown_path(record.path),
            "kind": record.kind,
            "backend": record.backend,
            "backend_id": record.backend_id,
            "status": record.status,
            "status_reason": record.status_reason,
            "parameters": record.parameters,
            "kernel_name": record.kernel_name,
            "resources": record.resources,
            "created_at": record.created_at,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "progress": {"done": record.progress_done, "total": record.progress_total},
            "error": record.error,
            "output_path": self._shown_path(JobDirectory(record.job_dir).output_path(record.kind)),
            "output_fetched": record.output_fetched,
            "usage": record.usage or empty_usage(),
            "schedule_id": record.schedule_id,
            "attempt": record.attempt,
            "max_retries": record.max_retries,
            "retry_delay_seconds": record.retry_delay_seconds,
            "attempts": describe_attempts(record),
            "sweep_id": record.sweep_id,
            "sweep_index": record.sweep_index,
            "after": record.after or [],
            "after_condition": record.after_condition,
        }

    def _shown_path(self, path: str | Path) -> str:
        """Relative to the root directory when inside it, absolute otherwise."""
        try:
            return Path(path).relative_to(self.root_dir).as_posix()
        except ValueError:
            return str(path)

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()
        self.store.close()


def _check_notebook(job_id: str, path: Path, data: bytes) -> None:
    """Conflict, saying so, if an output notebook is not JSON (the runner replaces it whole)."""
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError) as e:
        problem = f"it is not JSON ({e})"
    else:
        if isinstance(notebook, dict) and isinstance(notebook.get("cells"), list):
            return
        problem = "it is not a notebook"
    raise Conflict(f"The output notebook of job {job_id} is damaged: {problem}; see {path}")
