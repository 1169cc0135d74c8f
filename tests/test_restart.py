"""Jobs outlive the server: stopping it neither waits for nor kills them; a new one catches up."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil
import pytest
from conftest import write_notebook
from server_process import ServerProcess

GATED = (
    "import os, time\nwhile not os.path.exists({gate!r}):\n    time.sleep(0.05)\nprint({word!r})"
)


@pytest.fixture
def server(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    server = ServerProcess(root, tmp_path / "state", {"LocalBackend": {"max_concurrent_jobs": 2}})
    yield server
    server.kill()


def runner_pid(server: ServerProcess, job: dict) -> int:
    job_dir = Path(server.request("GET", f"jobs/{job['id']}")["output_path"]).parent
    return json.loads((job_dir / "status.json").read_text())["pid"]


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_jobs_survive_a_server_restart(server: ServerProcess, how: str):
    # Given a server running two jobs, each waiting for its own gate file
    root = server.root
    write_notebook(root / "first.ipynb", GATED.format(gate="gate-1", word="first done"))
    write_notebook(root / "second.ipynb", GATED.format(gate="gate-2", word="second done"))
    server.start()
    first = server.request("POST", "jobs", {"path": "first.ipynb"})
    second = server.request("POST", "jobs", {"path": "second.ipynb"})
    server.wait_for(first["id"], "running")
    server.wait_for(second["id"], "running")
    pids = [runner_pid(server, first), runner_pid(server, second)]
    first_dir = Path(server.request("GET", f"jobs/{first['id']}")["output_path"]).parent

    # When the server is stopped (SIGTERM, or Ctrl-C to its whole process group)
    server.stop(how)

    # Then it did not take its jobs with it
    assert all(psutil.pid_exists(pid) for pid in pids)
    # And a job that finishes while no server runs records its result all the same
    (root / "gate-1").touch()
    deadline = time.monotonic() + 120  # a kernel starts slowly on a busy machine
    while json.loads((first_dir / "status.json").read_text())["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)

    # When a new server starts on the same store
    server.start()
    # Then it shows what finished meanwhile, with its output
    done = server.request("GET", f"jobs/{first['id']}")
    assert done["status"] == "completed"
    assert done["finished_at"] is not None
    listed = server.request("GET", "jobs")
    assert [j["id"] for j in listed["jobs"]] == [second["id"], first["id"]]
    # And follows what still runs, to its end
    assert server.request("GET", f"jobs/{second['id']}")["status"] == "running"
    (root / "gate-2").touch()
    finished = server.wait_for(second["id"], "completed")
    log = server.request("GET", f"jobs/{second['id']}/log")
    assert "second done" in "".join(
        e["output"]["text"] for e in log["events"] if e["type"] == "output"
    )
    assert finished["progress"] == {"done": 1, "total": 1}
    server.stop()


def test_a_job_killed_while_no_server_runs_is_failed_on_the_next_start(server: ServerProcess):
    root = server.root
    write_notebook(root / "held.ipynb", GATED.format(gate="never", word="-"))
    server.start()
    job = server.request("POST", "jobs", {"path": "held.ipynb"})
    server.wait_for(job["id"], "running")
    pid = runner_pid(server, job)
    server.stop()
    runner = psutil.Process(pid)
    runner.kill()
    runner.wait(timeout=10)

    server.start()
    failed = server.wait_for(job["id"], "failed")
    assert "runner ended without recording a result" in failed["error"]["message"]
    server.stop()
