"""Schedules from code: run a notebook or script on a cron schedule, with or without a server.

    import jupyter_jobs

    nightly = jupyter_jobs.schedule("report.ipynb", "0 6 * * 1-5", timezone="Europe/Berlin",
                                    parameters={"region": "emea"})
    nightly.next_run_at             # '2026-11-30T05:00:00.000Z'
    job = nightly.run_now()         # an ordinary Job, marked with the schedule's id
    nightly.pause(); nightly.resume()
    nightly.jobs()                  # its jobs, newest first
    nightly.remove()                # its jobs stay

A schedule runs a copy of its input frozen when it was made (or edited with a new
path): later edits of the file do not change it. Its runs fire while a Jupyter
server with jupyter-jobs runs, or from cron (`jupyter jobs cron-install`).
"""

from __future__ import annotations

import os
from typing import Any

from .api import BuiltOnJobs, Job, _manager, jobs
from .handles import Handle
from .scheduler import ScheduleManager

__all__ = ["Schedule", "get_schedule", "schedule", "schedules"]

# The ScheduleManager on the API's job manager.
_schedules = BuiltOnJobs(lambda jobs: ScheduleManager(jobs, fired_by="api"))


class Schedule(Handle):
    """A handle on one schedule."""

    name = property(lambda self: self.info["name"])
    cron = property(lambda self: self.info["cron"])
    timezone = property(lambda self: self.info["timezone"])
    paused = property(lambda self: self.info["paused"])

    @property
    def next_run_at(self) -> str | None:
        """When it fires next (ISO 8601 UTC), freshly read; None while paused."""
        return self.refresh().info["next_run_at"]

    def _read(self) -> dict[str, Any]:
        return _schedules().get(self.id)

    def update(self, **changes: Any) -> Schedule:
        """Change any of its fields (path, cron, timezone, ...); a path given is frozen anew."""
        if "path" in changes and changes["path"] is not None:
            changes["path"] = os.path.abspath(os.fspath(changes["path"]))
        self._info = _schedules().update(self.id, **changes)
        return self

    def pause(self) -> Schedule:
        """Fire no more runs until resume() (missed runs are not caught up)."""
        self._info = _schedules().pause(self.id)
        return self

    def resume(self) -> Schedule:
        self._info = _schedules().resume(self.id)
        return self

    def run_now(self) -> Job:
        """Run it once now, outside its times: the new job."""
        info = _schedules().run_now(self.id)
        return Job(info["id"], info)

    def jobs(self) -> list[Job]:
        """Its jobs still in the store, newest first."""
        _schedules().job_ids(self.id)  # NotFound for a schedule removed
        return jobs(schedule_id=self.id)

    def remove(self) -> None:
        """Remove the schedule and its frozen input; its jobs stay."""
        _schedules().remove(self.id)

    def __repr__(self) -> str:
        info = self._info or {}
        return f"<Schedule {self.id} {info.get('name')!r} {info.get('cron')!r}>"


def schedule(
    path: str | os.PathLike[str],
    cron: str,
    timezone: str | None = None,
    parameters: dict[str, Any] | None = None,
    backend: str | None = None,
    resources: dict[str, Any] | None = None,
    name: str | None = None,
    kernel_name: str | None = None,
    catch_up: str = "skip",
) -> Schedule:
    """Run a notebook or script on a cron schedule; its input is frozen now.

    cron: five fields (minute hour day-of-month month day-of-week), e.g. "0 6 * * 1-5",
    or @hourly, @daily, @weekly, @monthly, @yearly.
    timezone: an IANA name such as "Europe/Berlin" (default: this machine's zone).
    catch_up: for runs missed while nothing fired them: "skip" them, or run "once", late.
    The other arguments are those of submit().
    """
    info = _schedules().create(
        os.path.abspath(os.fspath(path)),
        cron,
        timezone=timezone,
        parameters=parameters,
        backend=backend,
        resources=resources,
        name=name,
        kernel_name=kernel_name,
        catch_up=catch_up,
    )
    return Schedule(info["id"], info)


def schedules() -> list[Schedule]:
    """Every schedule, newest first."""
    found, _ = _schedules().list_schedules()
    return [Schedule(info["id"], info) for info in found]


def get_schedule(schedule_id: str) -> Schedule:
    """The schedule with this id (NotFound if there is none)."""
    if isinstance(schedule_id, Schedule):
        schedule_id = schedule_id.id
    return Schedule(schedule_id, _schedules().get(schedule_id))


def run_due() -> list[Job]:
    """Fire every schedule whose run is due now (what `jupyter jobs run-due` does)."""
    firing = ScheduleManager(_manager(), fired_by="run-due")
    return [Job(info["id"], info) for info in firing.fire_due()]
