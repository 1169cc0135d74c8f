"""Many threads reading and refreshing one manager at once (as the server's workers do)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_until
from traitlets.config import Config

from jupyter_jobs.configuration import JobsConfig
from jupyter_jobs.manager import JobManager

# A job's status only ever moves forward through these ranks.
RANK = {"queued": 0, "running": 1, "cancelling": 2, "completed": 3, "failed": 3, "cancelled": 3}


@pytest.fixture
def manager(tmp_path: Path) -> Any:
    config = Config(
        {
            "JobsConfig": {
                "jobs_root": str(tmp_path / "jobs-root"),
                "db_path": str(tmp_path / "jobs.sqlite"),
            },
            "LocalBackend": {"max_concurrent_jobs": 4, "cancel_grace_seconds": 2.0},
        }
    )
    manager = JobsConfig(config=config).create_manager(str(tmp_path), confine_to_root=False)
    yield manager
    manager.close()


def test_threads_refreshing_at_once_never_move_a_job_backwards(
    manager: JobManager, tmp_path: Path
) -> None:
    # Given a manager whose every change is recorded, in order, per job
    seen: dict[str, list[str]] = {}
    seen_lock = threading.Lock()

    def record(message: dict[str, Any]) -> None:
        if message["action"] == "updated":
            with seen_lock:
                seen.setdefault(message["job"]["id"], []).append(message["job"]["status"])

    manager.subscribe(record)
    quick = tmp_path / "quick.py"
    quick.write_text("print('done')\n")
    gate = tmp_path / "gate"
    slow = tmp_path / "slow.py"
    slow.write_text(
        f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n"
    )
    quick_ids = [manager.submit(str(quick))["id"] for _ in range(6)]
    slow_ids = [manager.submit(str(slow))["id"] for _ in range(2)]

    # When eight threads get, list and refresh all the while, and one slow job is cancelled
    stop = threading.Event()
    errors: list[BaseException] = []

    def hammer(index: int) -> None:
        try:
            while not stop.is_set():
                if index % 3 == 0:
                    manager.refresh()
                elif index % 3 == 1:
                    manager.list_jobs()
                else:
                    for job_id in quick_ids + slow_ids:
                        manager.get(job_id)
        except BaseException as e:  # any error in a thread fails the test
            errors.append(e)

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: manager.get(slow_ids[0])["status"] == "running", what="slow job runs")
        manager.cancel(slow_ids[0])
        wait_until(
            lambda: all(manager.get(i)["status"] == "completed" for i in quick_ids),
            what="quick jobs complete",
        )
        gate.touch()
        wait_until(
            lambda: manager.get(slow_ids[1])["status"] == "completed", what="slow job completes"
        )
        wait_until(lambda: manager.get(slow_ids[0])["status"] == "cancelled", what="cancel lands")
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    # Then no thread failed, and no job's status ever went back (running after cancelling,
    # or anything after a final state)
    assert errors == []
    for job_id, statuses in seen.items():
        ranks = [RANK[s] for s in statuses]
        assert ranks == sorted(ranks), (job_id, statuses)
        assert sum(1 for s in statuses if RANK[s] == 3) == 1, (job_id, statuses)
