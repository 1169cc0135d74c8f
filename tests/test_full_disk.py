"""A full disk is a reason, not a mystery: jobs filling a small filesystem end saying so.

The jobs root is a 25 MB tmpfs the test mounts (root only); the job store lies
elsewhere, as a cluster's scratch filesystem would be apart from the home.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FINAL, write_notebook
from server_process import ServerProcess

from jupyter_jobs.processes import job_processes, kill_job_processes
from jupyter_jobs.runner.recorder import RESERVE_NAME

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

PRINT_LINES = "for i in range(3_000_000):\n    print(f'line {i} of three million')"


@pytest.fixture
def small_disk_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose jobs root is a 25 MB filesystem."""
    jobs_root = tmp_path / "state" / "jobs-root"
    jobs_root.mkdir(parents=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=25m,mode=0700", "tmpfs", str(jobs_root)], check=True
    )
    root = tmp_path / "root"
    root.mkdir()
    server = ServerProcess(root, tmp_path / "state", {"LocalBackend": {"cancel_grace_seconds": 2}})
    try:
        server.start()
        yield server
    finally:
        server.kill()
        for spec in jobs_root.glob("*/spec.json"):
            kill_job_processes(spec.parent.name)
        subprocess.run(["umount", "-l", str(jobs_root)], check=False)


def wait_final(server: ServerProcess, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while (job := server.request("GET", f"jobs/{job_id}"))["status"] not in FINAL:
        assert time.monotonic() < deadline, f"{job_id} never finished: {job}"
        time.sleep(0.2)
    deadline = time.monotonic() + 60
    while job_processes(job_id):  # the runner records its end, then exits
        assert time.monotonic() < deadline, f"processes of {job_id} still run"
        time.sleep(0.1)
    return job


def files_of(job_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(job_dir)): path.read_bytes()
        for path in sorted(job_dir.rglob("*"))
        if path.is_file()
    }


def test_jobs_filling_the_disk_fail_saying_no_space_left(small_disk_server: ServerProcess):
    server = small_disk_server
    jobs_root = server.config_dir.parent / "jobs-root"
    # Given a finished job on a 25 MB filesystem
    (server.root / "small.py").write_text("print('small')\n")
    kept = server.request("POST", "jobs", {"path": "small.py"})
    assert wait_final(server, kept["id"])["status"] == "completed"
    kept_files = files_of(jobs_root / kept["id"])
    write_notebook(server.root / "flood.ipynb", PRINT_LINES)
    (server.root / "flood.py").write_text(PRINT_LINES + "\n")

    for name in ("flood.py", "flood.ipynb"):
        # When a job prints three million lines there
        job = server.request("POST", "jobs", {"path": name})
        job = wait_final(server, job["id"])
        # Then it failed, and says the disk is full
        assert job["status"] == "failed", job
        assert "no space left on device" in job["error"]["message"].lower(), job["error"]
        # And it recorded its end where readers look: its status and the end of its log
        job_dir = jobs_root / job["id"]
        assert not (job_dir / RESERVE_NAME).exists()
        last = server.request("GET", f"jobs/{job['id']}/log?tail=1")["events"][-1]
        assert last["type"] == "status" and last["status"] == "failed"
        assert "no space left" in last["error"]["message"]
        # And the server serves on, every other job's files untouched
        listed = {j["id"] for j in server.request("GET", "jobs")["jobs"]}
        assert {kept["id"], job["id"]} <= listed
        assert files_of(jobs_root / kept["id"]) == kept_files
        assert server.request("GET", f"jobs/{kept['id']}/log")["events"]
        # And removing the job frees its room for the next one
        with contextlib.suppress(Exception):
            server.request("GET", f"jobs/{job['id']}/output")
        server.request("DELETE", f"jobs/{job['id']}?force=true")
        assert not job_dir.exists()
