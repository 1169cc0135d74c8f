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
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from . import api
from .errors import InvalidRequest, NotFound
from .sweep_manager import SWEEP_STATES, SweepManager

__all__ = ["Sweep", "get_sweep", "sweep", "sweeps"]

FINAL_SWEEP_STATES = ("completed", "failed", "cancelled")
SWEEP_STATUS_GROUPS = {"finished": FINAL_SWEEP_STATES, "active": ("queued", "running")}

_cached: tuple[Any, SweepManager] | None = None


def _sweeps() -> SweepManager:
    """The SweepManager over the API's job manager (made anew when configure() changed it)."""
    global _cached
    manager = api._manager()
    if _cached is None or _cached[0] is not manager:
        _cached = (manager, SweepManager(manager, parent=api._settings.jobs_config))
    return _cached[1]


class Sweep:
    """A handle on one sweep: its status, its runs, waiting, cancelling, its table."""

    def __init__(self, sweep_id: str, info: dict[str, Any] | None = None):
        self.id = sweep_id
        self._info = info

    @property
    def info(self) -> dict[str, Any]:
        """The sweep as the REST API lists it (no table), as of the last refresh()."""
        if self._info is None:
            self.refresh()
        assert self._info is not None
        return self._info

    @property
    def name(self) -> str:
        return str(self.info["name"])

    @property
    def grid(self) -> dict[str, list[Any]]:
        return dict(self.info["grid"])

    @property
    def status(self) -> str:
        """queued, running, completed, failed or cancelled: fresh from the store."""
        return str(self.refresh().info["status"])

    @property
    def progress(self) -> dict[str, int]:
        """Runs done (finished in any way), failed, and in all: fresh from the store."""
        return dict(self.refresh().info["progress"])

    @property
    def jobs(self) -> list[api.Job]:
        """The runs, as jobs, in grid order."""
        return [api.Job(info["id"], info) for info in _sweeps().runs(self.id)]

    def refresh(self) -> Sweep:
        """Read the sweep anew (its active runs brought up to date first)."""
        self._info = _sweeps().get(self.id, with_table=False)
        return self

    def done(self) -> bool:
        return self.status in FINAL_SWEEP_STATES

    def wait(self, timeout: float | None = None) -> Sweep:
        """Wait until every run has finished; returns the sweep.

        An interrupt stops the waiting, not the runs. TimeoutError after `timeout` seconds.
        """
        try:
            self._wait(timeout)
        except KeyboardInterrupt:
            print(
                f"Stopped waiting for sweep {self.id} ({self.name}); its runs keep going. "
                f"jupyter_jobs.get_sweep({self.id!r}).wait() waits again.",
                file=sys.stderr,
                flush=True,
            )
        return self

    def _wait(self, timeout: float | None = None) -> None:
        """Wait until every run has finished; an interrupt raises KeyboardInterrupt."""
        api.poll_until(
            lambda: self.refresh().info["status"] in FINAL_SWEEP_STATES,
            timeout,
            lambda: f"Sweep {self.id} is still {self.info['status']} after {timeout} seconds",
            first_pause=0.2,
        )

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

    def __repr__(self) -> str:
        try:
            info = self.refresh().info
        except NotFound:
            return f"<Sweep {self.id} (removed)>"
        progress = info["progress"]
        return (
            f"<Sweep {self.id} {info['name']!r} {info['status']} "
            f"{progress['done']}/{progress['total']} done>"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sweep) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


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
    statuses = _statuses(status)
    manager = _sweeps()
    found: list[Sweep] = []
    while True:
        page, total = manager.list_sweeps(
            statuses=statuses,
            since=api._moment(since, "since"),
            until=api._moment(until, "until"),
            backend=backend,
            limit=api.PAGE,
            offset=len(found),
        )
        found += [Sweep(info["id"], info) for info in page]
        if not page or len(found) >= total:
            return found


def _statuses(status: str | Iterable[str] | None) -> list[str] | None:
    if status is None:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    statuses: list[str] = []
    for item in wanted:
        if item in SWEEP_STATUS_GROUPS:
            statuses += SWEEP_STATUS_GROUPS[item]
        elif item in SWEEP_STATES:
            statuses.append(item)
        else:
            choices = ", ".join((*SWEEP_STATES, *SWEEP_STATUS_GROUPS))
            raise InvalidRequest(f"Unknown sweep status {item!r}; one of: {choices}")
    return statuses
