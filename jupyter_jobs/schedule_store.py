"""ScheduleStore: schedules and their claimed firings, in the job store's SQLite database.

The tables come with the store's migrations (store.py, version 2). A firing is
claimed by inserting its (schedule, due time) row inside a transaction: the
primary key lets one inserter through, so the server, a second server and cron's
`jupyter jobs run-due` sharing the store never fire the same run twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from typing import Any

from .store import JobStore

_JSON_FIELDS = ("parameters", "resources", "last_error")
# Claims older than this are dropped: nobody fires a run that far back (catch-up fires
# the latest missed run), and a schedule that fires every minute would pile them up.
FIRINGS_KEPT_DAYS = 7


@dataclass
class ScheduleRecord:
    """One row of the schedules table."""

    id: str
    name: str
    path: str  # the input as given, absolute
    input_copy: str  # the frozen copy every firing runs
    kind: str
    cron: str
    timezone: str
    catch_up: str
    created_at: str
    updated_at: str
    backend: str
    parameters: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    paused: bool = False
    next_run_at: str | None = None
    last_job_id: str | None = None
    last_error: dict[str, Any] | None = None


_COLUMNS = [f.name for f in fields(ScheduleRecord)]


def _to_row(values: dict[str, Any]) -> dict[str, Any]:
    row = {
        k: json.dumps(v) if k in _JSON_FIELDS and v is not None else v for k, v in values.items()
    }
    if "paused" in row:
        row["paused"] = int(bool(row["paused"]))
    return row


def _from_row(row: sqlite3.Row) -> ScheduleRecord:
    values = {k: row[k] for k in _COLUMNS}
    for k in _JSON_FIELDS:
        if values[k] is not None:
            values[k] = json.loads(values[k])
    values["paused"] = bool(values["paused"])
    return ScheduleRecord(**values)


class ScheduleStore:
    """Schedules on the job store's connection (safe across threads and processes)."""

    def __init__(self, store: JobStore):
        self.store = store

    def _read(self, sql: str, args: Any = ()) -> list[sqlite3.Row]:
        with self.store.connection() as db:
            cursor = db.execute(sql, args)
            try:
                return cursor.fetchall()
            finally:
                cursor.close()

    def add(self, record: ScheduleRecord) -> None:
        row = _to_row({c: getattr(record, c) for c in _COLUMNS})
        names = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        with self.store.connection() as db:
            db.execute(f"INSERT INTO schedules ({names}) VALUES ({marks})", row)

    def get(self, schedule_id: str) -> ScheduleRecord | None:
        rows = self._read("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return _from_row(rows[0]) if rows else None

    def all(self) -> list[ScheduleRecord]:
        rows = self._read("SELECT * FROM schedules ORDER BY created_at DESC, rowid DESC")
        return [_from_row(r) for r in rows]

    def due(self, now: str) -> list[ScheduleRecord]:
        rows = self._read(
            "SELECT * FROM schedules WHERE paused = 0 AND next_run_at <= ? ORDER BY next_run_at",
            (now,),
        )
        return [_from_row(r) for r in rows]

    def update(
        self, schedule_id: str, expected: dict[str, Any] | None = None, **values: Any
    ) -> bool:
        """Change a schedule; with expected, only if those columns still hold those values.

        True if it changed (False: no such schedule, or another process changed it first).
        """
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown schedule fields: {sorted(unknown)}")
        row = _to_row(values)
        assignments = ", ".join(f"{c} = :{c}" for c in row)
        where = ["id = :_id"]
        args = {**row, "_id": schedule_id}
        for i, (column, value) in enumerate(_to_row(expected or {}).items()):
            where.append(f"{column} IS :_expected{i}")
            args[f"_expected{i}"] = value
        with self.store.connection() as db:
            cursor = db.execute(
                f"UPDATE schedules SET {assignments} WHERE {' AND '.join(where)}", args
            )
            return cursor.rowcount > 0

    def remove(self, schedule_id: str) -> bool:
        with self.store.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                removed = db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,)).rowcount
                db.execute("DELETE FROM schedule_firings WHERE schedule_id = ?", (schedule_id,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return removed > 0

    def claim(
        self, seen: ScheduleRecord, due_at: str, fired_at: str, fired_by: str, next_run_at: str
    ) -> bool:
        """Claim the run of a schedule due at due_at, and move its next run on: all or nothing.

        True for the one caller that inserted the claim (it submits the job); False when
        the run was claimed already, or the schedule was paused, retimed or removed since
        it was `seen` (the next look reads it again).
        """
        schedule_id = seen.id
        with self.store.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT paused, cron, timezone FROM schedules WHERE id = ?", (schedule_id,)
                ).fetchone()
                if (
                    row is None
                    or row["paused"]
                    or (row["cron"], row["timezone"]) != (seen.cron, seen.timezone)
                ):
                    db.execute("ROLLBACK")
                    return False
                try:
                    db.execute(
                        "INSERT INTO schedule_firings (schedule_id, due_at, fired_at, fired_by) "
                        "VALUES (?, ?, ?, ?)",
                        (schedule_id, due_at, fired_at, fired_by),
                    )
                except sqlite3.IntegrityError:
                    db.execute("ROLLBACK")
                    return False
                # Never back: a slower process must not undo a later claim's next run.
                db.execute(
                    "UPDATE schedules SET next_run_at = ? WHERE id = ? AND next_run_at < ?",
                    (next_run_at, schedule_id, next_run_at),
                )
                db.execute(
                    "DELETE FROM schedule_firings WHERE schedule_id = ? "
                    "AND due_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?, ?)",
                    (schedule_id, due_at, f"-{FIRINGS_KEPT_DAYS} days"),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return True

    def fired(self, schedule_id: str, due_at: str | None, job_id: str | None, error: Any) -> None:
        """Record what a claimed firing (due_at) or a run-now (None) gave: a job or an error."""
        with self.store.connection() as db:
            if due_at is not None:
                db.execute(
                    "UPDATE schedule_firings SET job_id = ?, error = ? "
                    "WHERE schedule_id = ? AND due_at = ?",
                    (job_id, json.dumps(error) if error else None, schedule_id, due_at),
                )
            if job_id is not None:
                db.execute(
                    "UPDATE schedules SET last_job_id = ?, last_error = NULL WHERE id = ?",
                    (job_id, schedule_id),
                )
            else:
                db.execute(
                    "UPDATE schedules SET last_error = ? WHERE id = ?",
                    (json.dumps(error), schedule_id),
                )

    def claims(self, schedule_id: str) -> list[dict[str, Any]]:
        """The schedule's claimed firings, newest first (what fired which run, when)."""
        rows = self._read(
            "SELECT * FROM schedule_firings WHERE schedule_id = ? ORDER BY due_at DESC",
            (schedule_id,),
        )
        return [dict(r) for r in rows]

    def job_ids(self, schedule_id: str, limit: int | None = None) -> list[str]:
        """Ids of the schedule's jobs still in the store, newest first."""
        page = "" if limit is None else f"LIMIT {int(limit)}"
        rows = self._read(
            "SELECT id FROM jobs WHERE schedule_id = ? ORDER BY created_at DESC, rowid DESC "
            + page,
            (schedule_id,),
        )
        return [r["id"] for r in rows]
