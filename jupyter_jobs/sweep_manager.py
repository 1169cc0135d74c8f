"""SweepManager: one notebook or script over a grid of parameter values, run as one group.

A sweep's runs are ordinary jobs (own job directory, output, log, results), marked
with the sweep's id and their index in the grid; the sweep itself is a row of the
store's `sweeps` table. Its status and progress are summed up from its runs, never
stored. Plain Python like the JobManager it is built on: the server, the CLI and the
Python API all use it.

(Not named sweeps.py: importing a submodule `jupyter_jobs.sweeps` would hide the
function `jupyter_jobs.sweeps()` of the Python API.)
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
from datetime import datetime, timezone
from typing import Any

from traitlets import Integer
from traitlets.config import LoggingConfigurable

from .errors import Conflict, InvalidRequest, NotFound
from .jobdir import ACTIVE_STATES, FINAL_STATES, JobDirectory, utc_now
from .manager import MAX_PAGE, JobManager, JobRequest
from .parameters import notebook_parameters
from .results import load_results
from .store import JobRecord, SweepRecord
from .validation import MAX_NAME_LENGTH, parse_time

SWEEP_STATES = ("queued", "running", "completed", "failed", "cancelled")
# The table's leading columns; the grid's names come between index/job_id and status.
LEADING_COLUMNS = ("index", "job_id")
TRAILING_COLUMNS = ("status", "duration_seconds")
SCALAR_TYPES = (int, float, str, bool)


class SweepManager(LoggingConfigurable):
    """Submit, list, cancel, re-run and remove sweeps; returns the REST API's JSON shapes."""

    max_runs = Integer(
        1000,
        config=True,
        help="The most runs one sweep may have (the product of its grid's list lengths).",
    )

    def __init__(self, manager: JobManager, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.manager = manager
        self.store = manager.store

    # -- submit ----------------------------------------------------------------------------

    def submit(
        self,
        path: Any,
        grid: Any,
        parameters: Any = None,
        backend: Any = None,
        resources: Any = None,
        name: Any = None,
        kernel_name: Any = None,
        max_concurrent: Any = None,
    ) -> dict[str, Any]:
        """Check everything, then create all the runs and start them as one group.

        Nothing is created when anything is wrong (InvalidRequest, NotFound), nor
        when the backend cannot start the group (BackendUnavailable).
        """
        grid = self._check_grid(grid)
        request = self.manager.check_request(
            path, parameters, backend, name, kernel_name, resources
        )
        overlap = sorted(set(grid) & set(request.parameters))
        if overlap:
            raise InvalidRequest(
                f"{', '.join(map(repr, overlap))} is both in the grid and a fixed parameter: "
                "give it in one of them"
            )
        max_concurrent = _check_max_concurrent(max_concurrent)
        self._check_grid_names(request, grid)
        points = [dict(zip(grid, v, strict=True)) for v in itertools.product(*grid.values())]
        return self._create(request, grid, points, max_concurrent)

    def _check_grid(self, grid: Any) -> dict[str, list[Any]]:
        if not isinstance(grid, dict) or not grid:
            raise InvalidRequest(
                "'grid' must be a non-empty object of parameter names to lists of values"
            )
        for name, values in grid.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise InvalidRequest(f"Grid name {name!r} is not a valid Python identifier")
            if not isinstance(values, list):
                raise InvalidRequest(f"The grid's {name!r} must be a list of values")
            if not values:
                raise InvalidRequest(f"The grid's {name!r} is an empty list: it would make no run")
        runs = math.prod(len(values) for values in grid.values())
        if runs > self.max_runs:
            sizes = " x ".join(str(len(values)) for values in grid.values())
            raise InvalidRequest(
                f"The grid makes {sizes} = {runs} runs; a sweep may have at most {self.max_runs}"
            )
        return {name: list(values) for name, values in grid.items()}

    def _check_grid_names(self, request: JobRequest, grid: dict[str, list[Any]]) -> None:
        """A notebook's grid names must be parameters of its `parameters` cell (a script takes
        any name: it gets them as --name value arguments)."""
        if request.kind != "notebook":
            return
        known = [p["name"] for p in notebook_parameters(request.source, request.given_path)]
        unknown = [name for name in grid if name not in known]
        if not unknown:
            return
        if not known:
            raise InvalidRequest(
                f"{request.given_path!r} has no cell tagged `parameters`, so the grid's "
                f"{', '.join(map(repr, unknown))} would change nothing"
            )
        raise InvalidRequest(
            f"The grid's {', '.join(map(repr, unknown))} is not a parameter of "
            f"{request.given_path!r} (its parameters cell has: {', '.join(known)})"
        )

    def _create(
        self,
        request: JobRequest,
        grid: dict[str, list[Any]],
        points: list[dict[str, Any]],
        max_concurrent: int | None,
        rerun_of: str | None = None,
    ) -> dict[str, Any]:
        sweep = SweepRecord(
            id=self._new_id(),
            name=request.name,
            path=str(request.source),
            kind=request.kind,
            backend=request.backend_name,
            created_at=utc_now(),
            grid=grid,
            parameters=request.parameters,
            resources=request.resources,
            kernel_name=request.kernel_name,
            max_concurrent=max_concurrent,
            rerun_of=rerun_of,
        )
        runs: list[tuple[JobRecord, JobDirectory]] = []
        try:
            for index, point in enumerate(points):
                runs.append(
                    self.manager.create_job(
                        request,
                        parameters={**request.parameters, **point},
                        name=_run_name(request.name, point),
                        sweep=(sweep.id, index, max_concurrent),
                    )
                )
        except BaseException:
            self.manager.discard_jobs([record for record, _ in runs])
            raise
        records = [record for record, _ in runs]
        self.store.add_sweep(sweep, records)
        try:
            backend_ids = request.backend.submit_group(runs, max_concurrent)
        except Exception as e:
            self.manager.discard_jobs(records)
            self.store.remove_sweep(sweep.id)
            raise self.manager._start_error(e, request.backend_name, "sweep") from e
        for record, backend_id in zip(records, backend_ids, strict=True):
            record.backend_id = backend_id
        self.store.update_many({r.id: {"backend_id": r.backend_id} for r in records})
        self.manager.started(records)
        self._updated(sweep, records)
        return self._describe(sweep, records)

    def _new_id(self) -> str:
        while True:
            sweep_id = secrets.token_hex(6)
            if self.store.get_sweep(sweep_id) is None and self.store.get(sweep_id) is None:
                return sweep_id

    # -- reading ---------------------------------------------------------------------------

    def get(self, sweep_id: str, with_table: bool = True) -> dict[str, Any]:
        """The sweep with its runs' ids in grid order and its table (unless with_table=False)."""
        sweep = self._sweep(sweep_id)
        return self._describe(sweep, self._fresh_runs(sweep), with_table=with_table)

    def list_sweeps(
        self,
        statuses: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        backend: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of sweeps, newest first (without their tables), and how many match in all."""
        for status in statuses or []:
            if status not in SWEEP_STATES:
                raise InvalidRequest(
                    f"Unknown sweep status {status!r}; one of: {', '.join(SWEEP_STATES)}"
                )
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidRequest(f"'limit' must be 1 to {MAX_PAGE} and 'offset' at least 0")
        self.manager.refresh()
        sweeps = self.store.find_sweeps(
            since=parse_time(since, "since"), until=parse_time(until, "until"), backend=backend
        )
        states = self.store.sweep_run_states([s.id for s in sweeps])
        if statuses:
            sweeps = [s for s in sweeps if sweep_status(states[s.id]) in statuses]
        page = sweeps[offset : offset + limit]
        described = []
        for sweep in page:
            runs = self.store.sweep_runs(sweep.id)
            described.append(self._describe(sweep, runs, with_table=False))
        return described, len(sweeps)

    def runs(self, sweep_id: str) -> list[dict[str, Any]]:
        """The sweep's runs as jobs, in grid order."""
        sweep = self._sweep(sweep_id)
        return [self.manager.describe(record) for record in self._fresh_runs(sweep)]

    def mark_results_seen(self, sweep_id: str) -> None:
        """The results of the sweep's finished runs were read (the Python API's table())."""
        for record in self.store.sweep_runs(sweep_id):
            if record.status in FINAL_STATES and not record.output_fetched:
                self.manager.results(record.id, mark_seen=True)

    # -- changing --------------------------------------------------------------------------

    def cancel(self, sweep_id: str) -> dict[str, Any]:
        """Ask every active run to stop (one cancel_group of the backend); 409 if none is."""
        sweep = self._sweep(sweep_id)
        runs = self._fresh_runs(sweep)
        active = [r.id for r in runs if r.status in ACTIVE_STATES]
        if not active:
            raise Conflict(f"Sweep {sweep_id} has already finished ({sweep_status(_states(runs))})")
        self.manager.cancel_group(active)
        runs = self.store.sweep_runs(sweep.id)
        self._updated(sweep, runs)
        return self._describe(sweep, runs)

    def rerun(self, sweep_id: Any, only_failed: Any = False) -> dict[str, Any]:
        """A new sweep of the same notebook, grid and settings; with only_failed, of the
        parameter sets whose runs failed only."""
        if not isinstance(only_failed, bool):
            raise InvalidRequest("'only_failed' must be true or false")
        sweep = self._sweep(sweep_id)
        runs = self._fresh_runs(sweep)
        points = [_point(sweep.grid, record.parameters) for record in runs]
        if only_failed:
            points = [p for p, r in zip(points, runs, strict=True) if r.status == "failed"]
            if not points:
                raise Conflict(f"No run of sweep {sweep_id} failed: there is nothing to re-run")
        if not points:
            raise Conflict(f"Sweep {sweep_id} has no runs left to re-run")
        request = self.manager.check_request(
            self.manager._shown_path(sweep.path),
            sweep.parameters,
            sweep.backend,
            sweep.name,
            sweep.kernel_name,
            sweep.resources,
        )
        self._check_grid_names(request, sweep.grid)  # the notebook may have changed since
        return self._create(request, sweep.grid, points, sweep.max_concurrent, rerun_of=sweep.id)

    def remove(self, sweep_id: str, force: bool = False) -> None:
        """Remove a finished sweep with its runs (records and files); unseen results need force."""
        sweep = self._sweep(sweep_id)
        runs = self._fresh_runs(sweep)
        active = [r.id for r in runs if r.status in ACTIVE_STATES]
        if active:
            raise Conflict(
                f"Sweep {sweep_id} has {len(active)} active run(s): cancel it before removing it"
            )
        unseen = [
            r.id
            for r in runs
            if not r.output_fetched and not force and JobDirectory(r.job_dir).path.exists()
        ]
        if unseen:
            raise Conflict(
                f"The results of {len(unseen)} run(s) of sweep {sweep_id} were never read; "
                "remove it with force to discard them"
            )
        for record in runs:
            try:
                self.manager.remove(record.id, force=True)
            except NotFound:
                continue  # removed meanwhile
        self.store.remove_sweep(sweep.id)
        self.manager.notify({"action": "sweep-removed", "sweep_id": sweep.id})

    # -- helpers ---------------------------------------------------------------------------

    def _sweep(self, sweep_id: Any) -> SweepRecord:
        sweep = self.store.get_sweep(sweep_id) if isinstance(sweep_id, str) else None
        if sweep is None:
            raise NotFound(f"No sweep with id {sweep_id!r}")
        return sweep

    def _fresh_runs(self, sweep: SweepRecord) -> list[JobRecord]:
        """The runs in grid order, the active ones brought up to date first."""
        runs = self.store.sweep_runs(sweep.id)
        active = [r.id for r in runs if r.status in ACTIVE_STATES]
        if active:
            self.manager.refresh(active)
            runs = self.store.sweep_runs(sweep.id)
        return runs

    def _updated(self, sweep: SweepRecord, runs: list[JobRecord]) -> None:
        summary = self._describe(sweep, runs, with_table=False)
        self.manager.notify({"action": "sweep-updated", "sweep": summary})

    def _describe(
        self, sweep: SweepRecord, runs: list[JobRecord], with_table: bool = True
    ) -> dict[str, Any]:
        states = _states(runs)
        described: dict[str, Any] = {
            "id": sweep.id,
            "name": sweep.name,
            "path": self.manager._shown_path(sweep.path),
            "kind": sweep.kind,
            "status": sweep_status(states),
            "grid": sweep.grid,
            "parameters": sweep.parameters,
            "backend": sweep.backend,
            "resources": sweep.resources,
            "kernel_name": sweep.kernel_name,
            "max_concurrent": sweep.max_concurrent,
            "created_at": sweep.created_at,
            "rerun_of": sweep.rerun_of,
            "progress": {
                "done": sum(status in FINAL_STATES for status, _ in states),
                "failed": sum(status == "failed" for status, _ in states),
                "total": len(runs),
            },
            "jobs": [record.id for record in runs],
        }
        if with_table:
            described["table"] = sweep_table(sweep.grid, runs)
        return described


def sweep_status(states: list[tuple[str, bool]]) -> str:
    """A sweep's status from its runs' (status, started) pairs."""
    statuses = {status for status, _ in states}
    if statuses & set(ACTIVE_STATES):
        started = any(started or status == "running" for status, started in states)
        return "running" if started else "queued"
    if "failed" in statuses:
        return "failed"
    if "cancelled" in statuses:
        return "cancelled"
    return "completed"


def sweep_table(grid: dict[str, list[Any]], runs: list[JobRecord]) -> dict[str, Any]:
    """One row per run: index, job id, its grid values, status, duration and every scalar it
    recorded with jupyter_jobs.record (one column each, by name; missing values null)."""
    fixed = [*LEADING_COLUMNS, *grid, *TRAILING_COLUMNS]
    rows = []
    recorded: set[str] = set()
    for record in runs:
        row: dict[str, Any] = {"index": record.sweep_index, "job_id": record.id}
        row.update({name: record.parameters.get(name) for name in grid})
        row["status"] = record.status
        row["duration_seconds"] = _duration(record)
        for name, value in _scalars(record).items():
            if name not in fixed:  # a result named like a column would hide it
                row[name] = value
                recorded.add(name)
        rows.append(row)
    columns = [*fixed, *sorted(recorded)]
    return {"columns": columns, "rows": [{c: row.get(c) for c in columns} for row in rows]}


def _scalars(record: JobRecord) -> dict[str, Any]:
    if record.status == "queued":
        return {}  # nothing recorded yet: spare the file system
    try:
        values = load_results(record.job_dir, formats=("json",))
    except (OSError, ValueError):
        return {}  # damaged or gone: the run's own endpoints say so
    return {k: v for k, v in values.items() if type(v) in SCALAR_TYPES}


def _duration(record: JobRecord) -> float | None:
    if not record.started_at:
        return None
    start = _moment(record.started_at)
    end = _moment(record.finished_at) if record.finished_at else datetime.now(timezone.utc)
    if start is None or end is None:
        return None
    return round(max(0.0, (end - start).total_seconds()), 3)


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def _states(runs: list[JobRecord]) -> list[tuple[str, bool]]:
    return [(r.status, r.started_at is not None) for r in runs]


def _point(grid: dict[str, list[Any]], parameters: dict[str, Any]) -> dict[str, Any]:
    return {name: parameters.get(name) for name in grid}


def _check_max_concurrent(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest("'max_concurrent' must be a positive integer")
    return value


def _run_name(sweep_name: str, point: dict[str, Any]) -> str:
    """The sweep's name and the run's values, on one line and within a name's length."""
    values = " ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in point.items())
    name = " ".join(f"{sweep_name} {values}".split())
    return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 1] + "…"
