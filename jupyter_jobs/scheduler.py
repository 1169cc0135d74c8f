"""ScheduleManager: notebooks and scripts run on a cron schedule. Plain Python, no server needed.

A schedule keeps a frozen copy of its input (made when it is created, and again
whenever its path is saved), the job fields of a submit, a cron expression and an
IANA time zone. Each firing submits an ordinary job from that copy, marked with the
schedule's id. `fire_due` fires what is due: the server calls it every few seconds in
a worker thread, and `jupyter jobs run-due` (cron, once a minute) calls it once. A
run is claimed in the store before its job is submitted, so whoever fires it, it
fires once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .cron import CronTimes, local_zone_name, parse, utc_text
from .errors import BackendUnavailable, InvalidRequest, JobsError, NotFound
from .jobdir import utc_now
from .manager import JobManager
from .private import make_private_dir, private_copy
from .schedule_store import ScheduleRecord, ScheduleStore
from .validation import (
    check_name,
    check_optional_string,
    check_parameters,
    check_resources,
    resolve_input,
)

CATCH_UP = ("skip", "once")
FIELDS = (
    "path",
    "cron",
    "timezone",
    "parameters",
    "backend",
    "resources",
    "name",
    "kernel_name",
    "catch_up",
)
EDITABLE = (*FIELDS, "paused")
# For tests only: seconds added to the clock the scheduler reads (and nothing else reads),
# so that a test can make a run due without waiting for it. A number, or the path of a
# file holding one (a test moves a running server's clock by rewriting the file).
CLOCK_OFFSET_ENV = "JUPYTER_JOBS_SCHEDULER_CLOCK_OFFSET"
# A run fired within this long of its time is on time; one later was missed (the server
# and cron were down), and the catch-up rule says whether it still runs.
ON_TIME = timedelta(minutes=5)
# The newest job ids a schedule's description lists.
JOBS_LISTED = 1000
SCHEDULES_DIR = ".schedules"


class ScheduleManager:
    """Create, edit, pause, run and fire schedules; returns the REST API's JSON shapes."""

    def __init__(
        self, jobs: JobManager, fired_by: str = "server", log: logging.Logger | None = None
    ):
        self.jobs = jobs
        self.store = ScheduleStore(jobs.store)
        self.fired_by = f"{fired_by} {os.getpid()}@{socket.gethostname()}"
        self._logger = log or logging.getLogger("jupyter_jobs")
        self.schedules_dir = jobs.jobs_root / SCHEDULES_DIR

    # -- the clock -----------------------------------------------------------------------

    @staticmethod
    def now() -> datetime:
        """The scheduler's time: UTC, shifted by JUPYTER_JOBS_SCHEDULER_CLOCK_OFFSET (tests)."""
        return datetime.now(timezone.utc) + timedelta(seconds=_clock_offset())

    # -- creating and changing ---------------------------------------------------------------

    def create(
        self,
        path: Any = None,
        cron: Any = None,
        timezone: Any = None,
        parameters: Any = None,
        backend: Any = None,
        resources: Any = None,
        name: Any = None,
        kernel_name: Any = None,
        catch_up: Any = None,
    ) -> dict[str, Any]:
        """Check everything, freeze the input, then store the schedule; nothing is left on error."""
        times = parse(cron, local_zone_name() if timezone is None else timezone)
        catch_up = _check_catch_up(catch_up)
        source, given_path, kind = resolve_input(
            self.jobs.root_dir, path, self.jobs.confine_to_root
        )
        job = self._check_job(source, given_path, kind, parameters, backend, resources, kernel_name)
        schedule_id = self._new_id()
        now = utc_now()
        record = ScheduleRecord(
            id=schedule_id,
            name=check_name(name, default=source.stem),
            path=str(source),
            input_copy="",
            kind=kind,
            cron=times.expression,
            timezone=times.zone.key,
            catch_up=catch_up,
            created_at=now,
            updated_at=now,
            next_run_at=utc_text(times.next_after(self.now())),
            **job,
        )
        record.input_copy = str(self._freeze(schedule_id, source))
        try:
            self.store.add(record)
        except BaseException:
            shutil.rmtree(self.schedules_dir / schedule_id, ignore_errors=True)
            raise
        return self._changed(record.id)

    def update(self, schedule_id: Any, **changes: Any) -> dict[str, Any]:
        """Change any of a schedule's fields and `paused`; a path given is frozen anew."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidRequest(f"Unknown field(s): {', '.join(unknown)}")
        record = self._record(schedule_id)
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = check_name(changes["name"], default=Path(record.path).stem)
        cron = changes.get("cron", record.cron)
        zone = changes.get("timezone", record.timezone)
        times = parse(cron, local_zone_name() if zone is None else zone)
        values["cron"], values["timezone"] = times.expression, times.zone.key
        if "catch_up" in changes:
            values["catch_up"] = _check_catch_up(changes["catch_up"])
        paused = changes.get("paused", record.paused)
        if not isinstance(paused, bool):
            raise InvalidRequest("'paused' must be true or false")
        values["paused"] = paused
        source, kind = Path(record.path), record.kind
        given_path = self.jobs._shown_path(record.path)
        if "path" in changes:
            source, given_path, kind = resolve_input(
                self.jobs.root_dir, changes["path"], self.jobs.confine_to_root
            )
            values["path"], values["kind"] = str(source), kind
        job_fields = {"parameters", "backend", "resources", "kernel_name", "path"}
        if job_fields & set(changes):
            values |= self._check_job(
                source if "path" in changes else Path(record.input_copy),
                given_path,
                kind,
                changes.get("parameters", record.parameters),
                changes.get("backend", record.backend),
                changes.get("resources", record.resources),
                # A new input brings its own kernel unless one is given.
                changes.get("kernel_name", None if "path" in changes else record.kernel_name),
            )
        if paused:
            values["next_run_at"] = None
        elif record.paused or {"cron", "timezone"} & set(changes):
            # Resumed, or a new time: runs missed meanwhile are not caught up.
            values["next_run_at"] = utc_text(times.next_after(self.now()))
        old_copy = Path(record.input_copy)
        if "path" in changes:
            values["input_copy"] = str(self._freeze(record.id, source))
        values["updated_at"] = utc_now()
        if not self.store.update(record.id, **values):
            if "input_copy" in values:
                shutil.rmtree(Path(values["input_copy"]).parent, ignore_errors=True)
            raise NotFound(f"No schedule with id {schedule_id!r}")
        if "input_copy" in values:
            shutil.rmtree(old_copy.parent, ignore_errors=True)
        return self._changed(record.id)

    def pause(self, schedule_id: Any) -> dict[str, Any]:
        return self.update(schedule_id, paused=True)

    def resume(self, schedule_id: Any) -> dict[str, Any]:
        return self.update(schedule_id, paused=False)

    def remove(self, schedule_id: Any) -> None:
        """Remove the schedule and its frozen input; its jobs stay."""
        record = self._record(schedule_id)
        if not self.store.remove(record.id):
            raise NotFound(f"No schedule with id {schedule_id!r}")
        shutil.rmtree(self.schedules_dir / record.id, ignore_errors=True)
        self.jobs.notify({"action": "schedule-removed", "schedule_id": record.id})

    # -- reading ---------------------------------------------------------------------------

    def get(self, schedule_id: Any) -> dict[str, Any]:
        """The schedule, with its jobs' ids (newest first)."""
        record = self._record(schedule_id)
        return self.describe(record) | {"jobs": self.store.job_ids(record.id, JOBS_LISTED)}

    def list_schedules(self) -> tuple[list[dict[str, Any]], int]:
        schedules = [self.describe(record) for record in self.store.all()]
        return schedules, len(schedules)

    def preview(self, cron: Any, timezone: Any = None) -> dict[str, Any]:
        """The next three run times of a cron expression in a zone (the dialog shows them)."""
        times = parse(cron, local_zone_name() if timezone in (None, "") else timezone)
        return {
            "cron": times.expression,
            "timezone": times.zone.key,
            "next_runs": [utc_text(t) for t in times.next_runs(self.now())],
        }

    def job_ids(self, schedule_id: Any) -> list[str]:
        return self.store.job_ids(self._record(schedule_id).id)

    # -- firing ------------------------------------------------------------------------------

    def run_now(self, schedule_id: Any) -> dict[str, Any]:
        """Submit a job from the schedule now, outside its times; the new job."""
        record = self._record(schedule_id)
        try:
            job = self._submit(record)
        except JobsError as e:
            self.store.fired(record.id, None, None, {"message": e.message, "at": utc_now()})
            self._changed(record.id)
            raise
        self.store.fired(record.id, None, job["id"], None)
        self._changed(record.id)
        return job

    def fire_due(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Fire every schedule whose next run is due by now; the jobs this call created.

        At most one run per schedule and call. Runs missed while nothing fired them
        (more than ON_TIME late) are skipped with catch_up "skip", and give one late run
        with "once". A run another process claimed first is left to it.
        """
        now = now or self.now()
        fired = []
        for record in self.store.due(utc_text(now)):
            try:
                job = self._fire(record, now)
            except Exception:
                self._logger.exception("jupyter-jobs: firing schedule %s failed", record.id)
                continue
            if job is not None:
                fired.append(job)
        return fired

    def _fire(self, record: ScheduleRecord, now: datetime) -> dict[str, Any] | None:
        """Fire one due run (or skip missed ones); listeners hear of what changed."""
        try:
            return self._fire_run(record, now)
        finally:
            with contextlib.suppress(NotFound):  # removed meanwhile
                self._changed(record.id)

    def _fire_run(self, record: ScheduleRecord, now: datetime) -> dict[str, Any] | None:
        times = parse(record.cron, record.timezone)
        latest = times.latest_at_or_before(now)
        next_run = utc_text(times.next_after(now))
        on_time = now - latest <= ON_TIME
        if not on_time and record.catch_up == "skip":
            # Missed runs: none is fired; only the next run moves on (unless another did it).
            self.store.update(
                record.id, expected={"next_run_at": record.next_run_at}, next_run_at=next_run
            )
            return None
        due_at = utc_text(latest)
        if not self.store.claim(record, due_at, utc_text(now), self.fired_by, next_run):
            return None  # fired by another process, or paused or removed meanwhile
        try:
            job = self._submit(self._record(record.id))
        except (JobsError, OSError) as e:
            message = e.message if isinstance(e, JobsError) else str(e)
            self._logger.warning(
                "jupyter-jobs: schedule %s could not start its run due at %s: %s",
                record.id,
                due_at,
                message,
            )
            self.store.fired(record.id, due_at, None, {"message": message, "at": utc_now()})
            return None
        self.store.fired(record.id, due_at, job["id"], None)
        return job

    def _submit(self, record: ScheduleRecord) -> dict[str, Any]:
        """A job from the schedule's frozen input, marked with the schedule's id."""
        for attempt in range(2):
            try:
                return self.jobs.submit(
                    record.path,
                    parameters=record.parameters,
                    backend=record.backend,
                    name=record.name,
                    kernel_name=record.kernel_name,
                    resources=record.resources,
                    schedule_id=record.id,
                    frozen_input=Path(record.input_copy),
                )
            except BackendUnavailable:
                # An edit may have replaced the frozen input just now: read it again, once.
                fresh = self.store.get(record.id)
                if attempt or fresh is None or fresh.input_copy == record.input_copy:
                    raise
                record = fresh
        raise AssertionError("unreachable")

    # -- helpers ---------------------------------------------------------------------------

    def _check_job(
        self,
        source: Path,
        given_path: str,
        kind: str,
        parameters: Any,
        backend: Any,
        resources: Any,
        kernel_name: Any,
    ) -> dict[str, Any]:
        """The job fields of a schedule, checked as a submit checks them."""
        parameters = check_parameters(parameters)
        backend_name = check_optional_string(backend, "backend") or self.jobs.default_backend
        chosen = self.jobs._backend(backend_name)
        if not chosen.is_available():
            raise InvalidRequest(f"The backend {backend_name!r} is not available on this server")
        resources = chosen.validate_resources(check_resources(resources))
        kernel_name = check_optional_string(kernel_name, "kernel_name")
        if kind == "notebook":
            kernel_name = self.jobs._notebook_kernel(source, given_path, kernel_name)
        else:
            kernel_name = None
        return {
            "parameters": parameters,
            "backend": backend_name,
            "resources": resources,
            "kernel_name": kernel_name,
        }

    def _freeze(self, schedule_id: str, source: Path) -> Path:
        """Copy the input into a new folder of the schedule's private directory."""
        folder = self.schedules_dir / schedule_id / f"input-{secrets.token_hex(4)}"
        try:
            make_private_dir(folder, parents=True)
            target = folder / source.name
            private_copy(source, target)
        except OSError as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise BackendUnavailable(f"Could not keep a copy of the input: {e}") from e
        return target

    def _new_id(self) -> str:
        while True:
            schedule_id = secrets.token_hex(6)
            if (
                self.store.get(schedule_id) is None
                and not (self.schedules_dir / schedule_id).exists()
            ):
                return schedule_id

    def _changed(self, schedule_id: str) -> dict[str, Any]:
        """The schedule as it is now, told to the job manager's listeners (pushed events)."""
        schedule = self.describe(self._record(schedule_id))
        self.jobs.notify({"action": "schedule-updated", "schedule": schedule})
        return schedule

    def _record(self, schedule_id: Any) -> ScheduleRecord:
        record = self.store.get(schedule_id) if isinstance(schedule_id, str) else None
        if record is None:
            raise NotFound(f"No schedule with id {schedule_id!r}")
        return record

    def describe(self, record: ScheduleRecord) -> dict[str, Any]:
        """A schedule as the REST API shows it."""
        times = _times_or_none(record)
        return {
            "id": record.id,
            "name": record.name,
            "path": self.jobs._shown_path(record.path),
            "kind": record.kind,
            "cron": record.cron,
            "timezone": record.timezone,
            "parameters": record.parameters,
            "backend": record.backend,
            "resources": record.resources,
            "kernel_name": record.kernel_name,
            "paused": record.paused,
            "catch_up": record.catch_up,
            "next_run_at": record.next_run_at,
            "next_runs": [utc_text(t) for t in times.next_runs(self.now())] if times else [],
            "last_job_id": record.last_job_id,
            "last_error": record.last_error,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }


def _clock_offset() -> float:
    setting = os.environ.get(CLOCK_OFFSET_ENV, "").strip()
    if not setting:
        return 0.0
    try:
        return float(setting)
    except ValueError:
        pass
    try:
        return float(Path(setting).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def _check_catch_up(value: Any) -> str:
    if value is None:
        return "skip"
    if value not in CATCH_UP:
        raise InvalidRequest(f"'catch_up' must be one of: {', '.join(CATCH_UP)}; not {value!r}")
    return str(value)


def _times_or_none(record: ScheduleRecord) -> CronTimes | None:
    try:
        return parse(record.cron, record.timezone)
    except InvalidRequest:  # a zone gone from the system's zone database
        return None
