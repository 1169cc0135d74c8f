"""JobStore: the SQLite index of jobs, for listing, filtering and history.

The job directories hold the truth about runs; this holds what is needed to
find jobs fast. WAL mode lets the server, the CLI and notebooks read and write at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA = """
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

_JSON_FIELDS = ("parameters", "resources", "error")


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


class JobStore:
    """Jobs in an SQLite database file; safe to share between threads and processes."""

    def __init__(self, db_path: str | Path):
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(db_path), timeout=30, check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, record: JobRecord) -> None:
        row = _to_row({c: getattr(record, c) for c in _COLUMNS})
        names = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        with self._lock:
            self._db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", row)

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
    ) -> tuple[list[JobRecord], int]:
        """Jobs matching the filters, newest first, and how many match in all."""
        where, args = [], []
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
        page = "" if limit is None else f"LIMIT {int(limit)} OFFSET {int(offset)}"
        total = self._read(f"SELECT COUNT(*) FROM jobs {clause}", args)[0][0]
        rows = self._read(
            f"SELECT * FROM jobs {clause} ORDER BY created_at DESC, rowid DESC {page}", args
        )
        return [_from_row(r) for r in rows], total
