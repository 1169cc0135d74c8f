"""The job store records its schema version and migrates an older store when it opens it.

tests/data/store-v0.sqlite is a real store of the first release (commit ef30bfd,
unversioned: version 0), written by real jobs (tests/data/make_store_v0.py).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
from dataclasses import fields
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_jobs import store as store_module
from jupyter_jobs.configuration import JobsConfig
from jupyter_jobs.store import SCHEMA_VERSION, JobRecord, JobStore, StoreTooNew

STORE_V0 = Path(__file__).parent / "data" / "store-v0.sqlite"
# What the first release's jobs were, as it stored them.
JOBS_V0 = {
    "b06963bd58a5": ("answer", "notebook", "completed", True),
    "5e844316bcac": ("hello", "script", "completed", False),
    "4cedb73ecf2a": ("fails", "script", "failed", False),
}


JOB_COLUMNS_V0 = [
    "id",
    "name",
    "path",
    "kind",
    "backend",
    "backend_id",
    "status",
    "status_reason",
    "parameters",
    "kernel_name",
    "resources",
    "created_at",
    "started_at",
    "finished_at",
    "progress_done",
    "progress_total",
    "error",
    "job_dir",
    "output_fetched",
]


def rows(path: Path) -> dict[str, dict[str, object]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return {row["id"]: dict(row) for row in db.execute("SELECT * FROM jobs")}
    finally:
        db.close()


def schema(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        db.close()


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "jobs.sqlite"
    path.parent.mkdir(mode=0o700)
    shutil.copyfile(STORE_V0, path)
    assert user_version(path) == 0
    return path


def test_a_store_of_the_first_release_is_migrated_and_its_jobs_stay_listable(
    old_store: Path, tmp_path: Path
) -> None:
    before = rows(old_store)
    assert set(before) == set(JOBS_V0)
    # When this release opens it through the manager, as the server and the CLI do
    config = Config(
        {"JobsConfig": {"jobs_root": str(tmp_path / "jobs"), "db_path": str(old_store)}}
    )
    manager = JobsConfig(config=config).create_manager(root_dir=str(tmp_path))
    try:
        # Then it is at the current version, with the index on backend, the schedules and sweeps
        assert manager.store.version == SCHEMA_VERSION
        names = set(name for name, _ in schema(old_store))
        assert {"jobs_backend", "schedules", "schedule_firings", "jobs_schedule"} <= names
        assert {"sweeps", "jobs_sweep"} <= names
        # And every job is listed as it was
        listed, total = manager.list_jobs()
        assert total == 3
        assert {
            job["id"]: (job["name"], job["kind"], job["status"], job["output_fetched"])
            for job in listed
        } == JOBS_V0
        assert manager.list_jobs(backend="local")[1] == 3
        failed = manager.get("4cedb73ecf2a")
        assert failed["error"]["message"] == "The script exited with code 3"
        assert manager.get("5e844316bcac")["parameters"] == {"n": 2}
        # And the old jobs are runs of no sweep
        assert {(job["sweep_id"], job["sweep_index"]) for job in listed} == {(None, None)}
    finally:
        manager.close()
    # And the rows themselves are untouched (columns added since are empty), and the
    # file is now the owner's alone
    after = rows(old_store)
    assert {job_id: {k: row[k] for k in before[job_id]} for job_id, row in after.items()} == before
    defaults = {f.name: f.default for f in fields(JobRecord)}
    added = set(next(iter(after.values()))) - set(JOB_COLUMNS_V0)
    assert {k: {row[k] for row in after.values()} for k in added} == {
        k: {defaults[k]} for k in added
    }
    assert user_version(old_store) == SCHEMA_VERSION
    assert stat.S_IMODE(old_store.stat().st_mode) == 0o600


def test_a_new_store_and_a_migrated_one_have_the_same_schema(
    old_store: Path, tmp_path: Path
) -> None:
    JobStore(old_store).close()
    new = tmp_path / "new" / "jobs.sqlite"
    JobStore(new).close()
    assert user_version(new) == user_version(old_store) == SCHEMA_VERSION
    assert schema(new) == schema(old_store)
    # And opening a current store again changes nothing
    digest = hashlib.sha256(new.read_bytes()).hexdigest()
    JobStore(new).close()
    assert hashlib.sha256(new.read_bytes()).hexdigest() == digest


def test_a_store_from_a_newer_release_is_refused_and_left_as_it_is(old_store: Path) -> None:
    db = sqlite3.connect(old_store)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    digest = hashlib.sha256(old_store.read_bytes()).hexdigest()
    with pytest.raises(StoreTooNew) as info:
        JobStore(old_store)
    message = str(info.value)
    assert f"{old_store} has version {SCHEMA_VERSION + 1}, from a newer jupyter-jobs" in message
    assert f"knows versions up to {SCHEMA_VERSION}" in message
    assert hashlib.sha256(old_store.read_bytes()).hexdigest() == digest
    assert user_version(old_store) == SCHEMA_VERSION + 1


def test_a_migration_that_fails_leaves_the_store_at_its_old_version(
    old_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a next version whose step fails half-way (after creating a table)
    def broken_step(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, broken_step))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    before = schema(old_store)
    # When the store is opened, then the error shows and nothing of any step stays
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        JobStore(old_store)
    assert user_version(old_store) == 0
    assert schema(old_store) == before
    # And a later open with working steps migrates it
    monkeypatch.undo()
    JobStore(old_store).close()
    assert user_version(old_store) == SCHEMA_VERSION
