"""JobStore: the SQLite index of jobs, for listing, filtering and history.

The job directories hold the truth about runs; this holds what is needed to
find jobs fast. WAL mode lets the server, the CLI and notebooks read and write at once.

The database records its schema version (PRAGMA user_version) and is migrated,
in one transaction, when a newer release opens it; a store from a release newer
than this one is refused and left as it is. Its files are the owner's alone (0600).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import JobsError
from .private import create_private, ensure_private_root

# The store of the first release, which recorded no version: version 0. A new store
# is made by creating it, then migrating it like any old one, so both take one path.
SCHEMA_V0 = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT NOT NULL, -- the input file, absolute
    kind TEXT NOT NULL,
    backend TEXT NOT NULL,
    backend_id TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    parameters TEXT NOT NULL,
    kernel_name TEXT,
    resources TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    job_dir TEXT NOT NULL,
    output_fetched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
"""


def _v0_to_v1(db: sqlite3.Connection) -> None:
    """Version 1: the version is recorded; jobs are found by backend without a scan."""
    db.execute("CREATE INDEX IF NOT EXISTS jobs_backend ON jobs (backend)")


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Version 2: what a job's processes used (CPU, memory), as the runner last sampled it."""
    db.execute("ALTER TABLE jobs ADD COLUMN usage TEXT")


SCHEDULES_V3 = """
CREATE TABLE IF NOT EXISTS schedules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT NOT NULL, -- the input file as it was given, absolute
    input_copy TEXT NOT NULL, -- its frozen copy, which every firing runs
    kind TEXT NOT NULL,
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    parameters TEXT NOT NULL,
    backend TEXT NOT NULL,
    resources TEXT NOT NULL,
    kernel_name TEXT,
    catch_up TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    next_run_at TEXT, -- UTC, null while paused
    last_job_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS schedules_due ON schedules (paused, next_run_at);
-- A run is claimed by inserting its row: only the one inserter submits the job.
CREATE TABLE IF NOT EXISTS schedule_firings (
    schedule_id TEXT NOT NULL,
    due_at TEXT NOT NULL,
    fired_at TEXT NOT NULL,
    fired_by TEXT NOT NULL,
    job_id TEXT,
    error TEXT,
    PRIMARY KEY (schedule_id, due_at)
)
"""


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """Version 3: schedules, their claimed firings, and the schedule a job was fired by."""
    db.execute("ALTER TABLE jobs ADD COLUMN schedule_id TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_schedule ON jobs (schedule_id, created_at)")
    for statement in SCHEDULES_V3.split(";"):
        db.execute(statement)


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """Version 4: retries; a failed job runs again as a new attempt, up to max_retries times."""
    db.execute("ALTER TABLE jobs ADD COLUMN max_retries INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE jobs ADD COLUMN retry_delay_seconds REAL NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1")


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """Version 5: sweeps, and each job's place in its sweep (null for an ordinary job)."""
    db.execute(
        """CREATE TABLE sweeps (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            path TEXT NOT NULL, -- the input file, absolute
            kind TEXT NOT NULL,
            backend TEXT NOT NULL,
            grid TEXT NOT NULL, -- {name: [values]} in grid order
            parameters TEXT NOT NULL,
            resources TEXT NOT NULL,
            kernel_name TEXT,
            max_concurrent INTEGER,
            created_at TEXT NOT NULL,
            rerun_of TEXT
        )"""
    )
    db.execute("CREATE INDEX sweeps_created ON sweeps (created_at)")
    db.execute("ALTER TABLE jobs ADD COLUMN sweep_id TEXT")
    db.execute("ALTER TABLE jobs ADD COLUMN sweep_index INTEGER")
    db.execute("CREATE INDEX jobs_sweep ON jobs (sweep_id, sweep_index)")


def _v5_to_v6(db: sqlite3.Connection) -> None:
    """Version 6: chains; a job runs after others (`after`) completed or finished."""
    db.execute("ALTER TABLE jobs ADD COLUMN after TEXT")  # JSON; NULL for none
    db.execute("ALTER TABLE jobs ADD COLUMN after_condition TEXT NOT NULL DEFAULT 'completed'")


# MIGRATIONS[n] brings a store of version n to version n + 1. Each runs in the one
# transaction of the whole upgrade: a store is migrated fully or not at all. To change
# the store, append a step here (a new column needs a JobRecord field with a default).
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v0_to_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
    _v5_to_v6,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreTooNew(JobsError):
    """The job store was written by a newer jupyter-jobs: it is left as it is."""


_JSON_FIELDS = ("parameters", "resources", "error", "usage", "after")


@dataclass
class JobRecord:
    """One row of the store."""

    id: str
    name: str
    path: str
    kind: str
    backend: str
    status: str
    created_at: str
    job_dir: str
    parameters: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    backend_id: str | None = None
    status_reason: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    progress_done: int = 0
    progress_total: int = 0
    error: dict[str, Any] | None = None
    output_fetched: bool = False
    usage: dict[str, Any] | None = None
    schedule_id: str | None = None  # the schedule that fired it, if one did
    max_retries: int = 0
    retry_delay_seconds: float = 0.0
    attempt: int = 1
    sweep_id: str | None = None
    sweep_index: int | None = None
    after: list[str] | None = None  # the ids of the jobs it runs after, if any
    after_condition: str = "completed"


@dataclass
class SweepRecord:
    """One row of the sweeps table; its runs are the jobs with its sweep_id."""

    id: str
    name: str
    path: str
    kind: str
    backend: str
    created_at: str
    grid: dict[str, list[Any]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    max_concurrent: int | None = None
    rerun_of: str | None = None


_COLUMNS = [f.name for f in fields(JobRecord)]


def _to_row(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: json.dumps(v) if k in _JSON_FIELDS and v is not None else v for k, v in values.items()
    }


def _from_row(row: sqlite3.Row) -> JobRecord:
    values = dict(row)
    for k in _JSON_FIELDS:
        if values[k] is not None:
            values[k] = json.loads(values[k])
    values["output_fetched"] = bool(values["output_fetched"])
    return JobRecord(**values)


_SWEEP_COLUMNS = [f.name for f in fields(SweepRecord)]
_SWEEP_JSON_FIELDS = ("grid", "parameters", "resources")


def _sweep_from_row(row: sqlite3.Row) -> SweepRecord:
    values = dict(row)
    for k in _SWEEP_JSON_FIELDS:
        values[k] = json.loads(values[k])
    return SweepRecord(**values)


def _insert(table: str, row: dict[str, Any]) -> str:
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(f':{c}' for c in row)})"


class JobStore:
    """Jobs in an SQLite database file; safe to share between threads and processes."""

    def __init__(self, db_path: str | Path):
        path = Path(db_path)
        self.path = path
        # Refused (UnsafeRoot) if others can write the directory: they could plant the
        # database or its -wal file. Not tightened: it may be a home directory.
        ensure_private_root(path.parent, "job store's directory", tighten=False)
        # SQLite gives the -wal and -shm files the database's mode: 0600 from the start.
        for name in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
            if name == path or name.exists():
                create_private(name)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path), timeout=30, check_same_thread=False, isolation_level=None
        )
        try:
            self._db.row_factory = sqlite3.Row
            self._check_version(path)  # before WAL mode: a newer store stays untouched
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(path)
        except BaseException:
            self._db.close()
            raise

    @property
    def version(self) -> int:
        """The schema version of the database file."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self, path: Path) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreTooNew(
                f"The job store {path} has version {version}, from a newer jupyter-jobs; "
                f"this one knows versions up to {SCHEMA_VERSION}. Upgrade jupyter-jobs, or "
                f"point JobsConfig.db_path at another file. The store was left as it was."
            )
        return version

    def _migrate(self, path: Path) -> None:
        """Bring the store to SCHEMA_VERSION in one transaction (other processes wait)."""
        if self._check_version(path) == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._check_version(path)  # another process may have migrated it
            if version == 0:
                # A new store; an old one has these. (Not executescript: it would commit.)
                for statement in SCHEMA_V0.split(";"):
                    self._db.execute(statement)
            for step in MIGRATIONS[version:]:
                step(self._db)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The database, this thread's alone meanwhile: for the store's other tables."""
        with self._lock:
            yield self._db

    def add(self, record: JobRecord) -> None:
        row = _to_row({c: getattr(record, c) for c in _COLUMNS})
        with self._lock:
            self._db.execute(_insert("jobs", row), row)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one transaction: all of it is written, or none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def add_sweep(self, sweep: SweepRecord, runs: list[JobRecord]) -> None:
        """The sweep and all its runs, in one transaction."""
        sweep_row = {
            c: json.dumps(getattr(sweep, c)) if c in _SWEEP_JSON_FIELDS else getattr(sweep, c)
            for c in _SWEEP_COLUMNS
        }
        rows = [_to_row({c: getattr(record, c) for c in _COLUMNS}) for record in runs]
        with self._transaction() as db:
            db.execute(_insert("sweeps", sweep_row), sweep_row)
            if rows:
                db.executemany(_insert("jobs", rows[0]), rows)

    def update_many(self, changes: dict[str, dict[str, Any]]) -> None:
        """Change several jobs in one transaction: {job_id: {field: value}}."""
        with self._transaction() as db:
            for job_id, values in changes.items():
                unknown = set(values) - set(_COLUMNS)
                if unknown:
                    raise ValueError(f"unknown job fields: {sorted(unknown)}")
                row = _to_row(values)
                assignments = ", ".join(f"{c} = :{c}" for c in row)
                db.execute(f"UPDATE jobs SET {assignments} WHERE id = :_id", {**row, "_id": job_id})

    def remove_sweep(self, sweep_id: str, with_runs: bool = False) -> None:
        """The sweep's record (and its runs' records with with_runs), in one transaction."""
        with self._transaction() as db:
            if with_runs:
                db.execute("DELETE FROM jobs WHERE sweep_id = ?", (sweep_id,))
            db.execute("DELETE FROM sweeps WHERE id = ?", (sweep_id,))

    def get_sweep(self, sweep_id: str) -> SweepRecord | None:
        rows = self._read("SELECT * FROM sweeps WHERE id = ?", (sweep_id,))
        return _sweep_from_row(rows[0]) if rows else None

    def sweep_runs(self, sweep_id: str) -> list[JobRecord]:
        """The sweep's runs, in grid order."""
        rows = self._read(
            "SELECT * FROM jobs WHERE sweep_id = ? ORDER BY sweep_index, rowid", (sweep_id,)
        )
        return [_from_row(r) for r in rows]

    def find_sweeps(
        self, since: str | None = None, until: str | None = None, backend: str | None = None
    ) -> list[SweepRecord]:
        """Sweeps matching the filters, newest first."""
        where, args = [], []
        if since:
            where.append("created_at >= ?")
            args.append(since)
        if until:
            where.append("created_at < ?")
            args.append(until)
        if backend:
            where.append("backend = ?")
            args.append(backend)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(
            f"SELECT * FROM sweeps {clause} ORDER BY created_at DESC, rowid DESC", args
        )
        return [_sweep_from_row(r) for r in rows]

    def sweep_run_states(self, sweep_ids: list[str]) -> dict[str, list[tuple[str, bool]]]:
        """Each sweep's runs as (status, started) pairs, for many sweeps in one query."""
        states: dict[str, list[tuple[str, bool]]] = {sweep_id: [] for sweep_id in sweep_ids}
        for start in range(0, len(sweep_ids), 500):  # SQLite's limit on bound values
            chunk = sweep_ids[start : start + 500]
            rows = self._read(
                "SELECT sweep_id, status, started_at IS NOT NULL FROM jobs "
                f"WHERE sweep_id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            for sweep_id, status, started in rows:
                states[sweep_id].append((status, bool(started)))
        return states

    def _read(self, sql: str, args: Any = ()) -> list[sqlite3.Row]:
        """Rows of a query, read to the end and the cursor closed even if interrupted.

        An unfinished SELECT keeps its read snapshot: after a Ctrl-C in the middle
        of one, a process would otherwise go on seeing the jobs as they were.
        """
        with self._lock:
            cursor = self._db.execute(sql, args)
            try:
                return cursor.fetchall()
            finally:
                cursor.close()

    def get(self, job_id: str) -> JobRecord | None:
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _from_row(rows[0]) if rows else None

    def update(self, job_id: str, **values: Any) -> None:
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        row = _to_row(values)
        assignments = ", ".join(f"{c} = :{c}" for c in row)
        with self._lock:
            self._db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = :_id", {**row, "_id": job_id}
            )

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def active(self) -> list[JobRecord]:
        records, _ = self.find(statuses=["queued", "running", "cancelling"], limit=None)
        return records

    def presumed_failures(self, since: str) -> list[JobRecord]:
        """Jobs failed since `since` because their runner was presumed gone (error.presumed)."""
        rows = self._read(
            "SELECT * FROM jobs WHERE status = 'failed' AND finished_at >= ? AND "
            "CASE WHEN json_valid(error) THEN json_extract(error, '$.presumed') END = 1",
            (since,),
        )
        return [_from_row(r) for r in rows]

    def find(
        self,
        statuses: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        backend: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
        sweep_id: str | None = None,
        schedule_id: str | None = None,
    ) -> tuple[list[JobRecord], int]:
        """Jobs matching the filters, newest first, and how many match in all."""
        where, args = [], []
        if sweep_id is not None:
            where.append("sweep_id = ?")
            args.append(sweep_id)
        if schedule_id is not None:
            where.append("schedule_id = ?")
            args.append(schedule_id)
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            args += statuses
        if since:
            where.append("created_at >= ?")
            args.append(since)
        if until:
            where.append("created_at < ?")
            args.append(until)
        if backend:
            where.append("backend = ?")
            args.append(backend)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        # An offset past SQLite's largest integer is past the end all the same: an empty page.
        offset = min(int(offset), 2**63 - 1)
        page = "" if limit is None else f"LIMIT {int(limit)} OFFSET {offset}"
        total = self._read(f"SELECT COUNT(*) FROM jobs {clause}", args)[0][0]
        rows = self._read(
            f"SELECT * FROM jobs {clause} ORDER BY created_at DESC, rowid DESC {page}", args
        )
        return [_from_row(r) for r in rows], total
