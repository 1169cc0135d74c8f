"""Sweeps from code: one notebook over a grid of parameter values, then a table to compare.

    import jupyter_jobs

    sweep = jupyter_jobs.sweep(
        "train.ipynb", grid={"lr": [0.001, 0.01], "hidden": [32, 64]}, parameters={"epochs": 5}
    )
    sweep.wait()
    sweep.table()                       # a pandas DataFrame (a list of dicts without pandas)
    best = sweep.best("accuracy")       # the Job whose recorded accuracy is highest

Same job store as jupyter_jobs.submit (see api.py): sweeps made here show in the
Jobs panel, and sweeps made there can be handled here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from . import api
from .errors import InvalidRequest, NotFound
from .handles import RunningHandle, every_page, statuses_wanted
from .sweep_manager import SWEEP_STATES, SweepManager

__all__ = ["Sweep", "get_sweep", "sweep", "sweeps"]

FINAL_SWEEP_STATES = ("completed", "failed", "cancelled")
SWEEP_STATUS_GROUPS = {"finished": FINAL_SWEEP_STATES, "active": ("queued", "running")}

# The SweepManager over the API's job manager.
_sweeps = api.BuiltOnJobs(lambda jobs: SweepManager(jobs, parent=api._settings.jobs_config))


class Sweep(RunningHandle):
    """A handle on one sweep: its status, its runs, waiting, cancelling, its table."""

    noun = "sweep"
    final_states = FINAL_SWEEP_STATES
    getter = "get_sweep"
    keeps_going = "its runs keep going"
    first_pause = 0.2

    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def grid(self) -> dict[str, list[Any]]:
        return dict(self.info["grid"])

    @property
    def progress(self) -> dict[str, int]:
        """Runs done (finished in any way), failed, and in all: fresh from the store."""
        return dict(self.refresh().info["progress"])

    @property
    def jobs(self) -> list[api.Job]:
        """The runs, as jobs, in grid order."""
        return [api.Job(info["id"], info) for info in _sweeps().runs(self.id)]

    def _read(self) -> dict[str, Any]:
        # As the REST API lists it (no table); its active runs brought up to date first.
        return _sweeps().get(self.id, with_table=False)

    def cancel(self) -> Sweep:
        """Ask every active run to stop (Conflict if none is active)."""
        self._info = _sweeps().cancel(self.id)
        return self

    def rerun(self, only_failed: bool = False) -> Sweep:
        """A new sweep of the same grid; with only_failed, of the failed runs' values only."""
        info = _sweeps().rerun(self.id, only_failed=only_failed)
        return Sweep(info["id"], info)

    def table(self) -> Any:
        """One row per run: index, job_id, the grid's values, status, duration_seconds and
        every scalar a run recorded with jupyter_jobs.record (None where a run has none).

        A pandas DataFrame when pandas is installed, a list of dicts otherwise. Reading it
        counts as reading the finished runs' results (they may be removed without force).
        """
        manager = _sweeps()
        table = manager.get(self.id)["table"]
        manager.mark_results_seen(self.id)
        try:
            import pandas
        except ImportError:
            return table["rows"]
        return pandas.DataFrame(table["rows"], columns=table["columns"])

    def best(self, metric: str, mode: str = "max") -> api.Job:
        """The run whose recorded number `metric` is biggest (mode="max") or smallest ("min")."""
        if mode not in ("max", "min"):
            raise InvalidRequest(f"mode must be 'max' or 'min', not {mode!r}")
        rows = [
            row
            for row in _sweeps().get(self.id)["table"]["rows"]
            if isinstance(row.get(metric), (int, float)) and not isinstance(row[metric], bool)
        ]
        if not rows:
            raise NotFound(f"No run of sweep {self.id} recorded a number named {metric!r}")
        choose = max if mode == "max" else min
        return api.get(choose(rows, key=lambda row: row[metric])["job_id"])

    def remove(self, force: bool = False) -> None:
        """Remove the finished sweep with its runs; unseen results need force=True."""
        _sweeps().remove(self.id, force=force)

    def _summary(self, info: dict[str, Any]) -> str:
        progress = info["progress"]
        return f"{info['name']!r} {info['status']} {progress['done']}/{progress['total']} done"


def sweep(
    path: str | os.PathLike[str],
    grid: dict[str, list[Any]],
    parameters: dict[str, Any] | None = None,
    backend: str | None = "local",
    resources: dict[str, Any] | None = None,
    name: str | None = None,
    max_concurrent: int | None = None,
    wait: bool = False,
    kernel_name: str | None = None,
) -> Sweep:
    """Run a notebook (or script) once per point of `grid`, as one sweep.

    grid: for some parameters, a list of values each; the runs are the cross product,
    in order (the last name varies fastest). parameters: fixed for every run.
    max_concurrent: at most this many runs at once (others wait their turn).
    wait: wait for every run to finish (an interrupt stops the waiting, not the runs).
    """
    info = _sweeps().submit(
        os.path.abspath(os.fspath(path)),
        grid,
        parameters=parameters,
        backend=backend,
        resources=resources,
        name=name,
        kernel_name=kernel_name,
        max_concurrent=max_concurrent,
    )
    made = Sweep(info["id"], info)
    if wait:
        made.wait()
    return made


def get_sweep(sweep_id: str) -> Sweep:
    """The sweep with this id (NotFound if there is none)."""
    if isinstance(sweep_id, Sweep):
        sweep_id = sweep_id.id
    return Sweep(sweep_id, _sweeps().get(sweep_id, with_table=False))


def sweeps(
    status: str | Iterable[str] | None = None,
    since: str | datetime | timedelta | None = None,
    until: str | datetime | timedelta | None = None,
    backend: str | None = None,
) -> list[Sweep]:
    """Sweeps, newest first; filters as for jupyter_jobs.jobs ("finished", "active" too)."""
    found = every_page(
        _sweeps().list_sweeps,
        statuses=statuses_wanted(status, SWEEP_STATES, SWEEP_STATUS_GROUPS, "sweep status"),
        since=api._moment(since, "since"),
        until=api._moment(until, "until"),
        backend=backend,
    )
    return [Sweep(info["id"], info) for info in found]
