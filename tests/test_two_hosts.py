"""Two login nodes sharing one job store: each runs its own local jobs, neither harms the other's.

login1 has this machine's network and hostname; login2 has a network (reached over a veth
pair this test makes), a hostname and a process table of its own (tests/hosts.py). Each
host has its own process table, so neither sees, or could signal, the other's pids: as on
two real machines sharing $HOME. Both Jupyter servers use the same jobs root and the same
`jobs.sqlite`, and both watch every job in it, often.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import urllib.error
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import FINAL, stdout_text, wait_until, write_notebook
from hosts import Network, host_command
from server_process import ServerProcess

from jupyter_jobs.processes import job_processes

# How many times each server lists every job (each list refreshes them all) while all
# run: a server that misjudges the other's jobs does so on its first look.
WATCH_ROUNDS = 20


def gated_script(path: Path, gate: Path) -> None:
    """A script job that says where it runs, then waits until `gate` exists."""
    path.write_text(
        "import os, socket, time\n"
        "print('up on', socket.gethostname(), flush=True)\n"
        f"while not os.path.exists({str(gate)!r}):\n"
        "    time.sleep(0.05)\n"
        "print('done', flush=True)\n"
    )


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """login1 and login2, started, sharing tmp_path's jobs root and database."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.fail(
            "Two hosts on one machine need root and `ip` (iproute2) for their namespaces.",
            pytrace=False,
        )
    root = tmp_path / "root"
    root.mkdir()
    shared = {
        "JobsConfig": {
            "jobs_root": str(tmp_path / "shared" / "jobs-root"),
            "db_path": str(tmp_path / "shared" / "jobs.sqlite"),
        },
        "JobsApp": {"watch_interval": 0.2},
        "LocalBackend": {
            "poll_interval": 0.1,
            "max_concurrent_jobs": 8,  # room for every job, on either host
            "cancel_grace_seconds": 2.0,
        },
    }
    network = Network()
    login1 = ServerProcess(root, tmp_path / "login1", shared, launcher=host_command())
    login2: ServerProcess | None = None
    try:
        network.create()
        login2 = ServerProcess(
            root,
            tmp_path / "login2",
            shared,
            launcher=host_command("login2", network),
            address=network.address,
        )
        with ThreadPoolExecutor() as pool:  # both start at once: a server takes seconds
            list(pool.map(ServerProcess.start, (login1, login2)))
        yield login1, login2
    finally:
        for server in (login1, login2):
            if server is not None:
                server.kill()  # the host goes down with its server: every process on it
        network.remove()


def host_of(server: ServerProcess, job: dict[str, Any]) -> str:
    """The host the job's runner recorded (in its status.json, on the shared filesystem)."""
    job = server.request("GET", f"jobs/{job['id']}")
    status = Path(job["output_path"]).parent / "status.json"
    return json.loads(status.read_text())["host"]


def wait_status(
    servers: tuple[ServerProcess, ...], job_id: str, status: str
) -> list[dict[str, Any]]:
    """Wait until every server shows the job in `status`; fail at once on another final one."""

    def seen() -> list[dict[str, Any]] | None:
        views = [server.request("GET", f"jobs/{job_id}") for server in servers]
        for view in views:
            assert view["status"] == status or view["status"] not in FINAL, view
        return views if all(view["status"] == status for view in views) else None

    return wait_until(seen, what=f"{job_id} {status} on every host")


def wait_output(server: ServerProcess, job_id: str, text: str) -> None:
    def printed() -> bool:
        events = server.request("GET", f"jobs/{job_id}/log?after=0")["events"]
        if text in stdout_text(events):
            return True
        job = server.request("GET", f"jobs/{job_id}")
        assert job["status"] not in FINAL, (server.log_path.parent.name, job)
        return False

    wait_until(printed, what=f"{text!r} in the output of {job_id}")


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_two_login_nodes_share_the_job_store(hosts):
    login1, login2 = hosts
    both = (login1, login2)
    root = login1.root
    # Given jobs on each host: one to complete, one its own host cancels, and on login2
    # a notebook (a kernel inside login2's network) and one that login1 tries to cancel
    gated_script(root / "done1.py", root / "gate1")
    write_notebook(
        root / "done2.ipynb",
        "import socket\nprint('up on', socket.gethostname(), flush=True)",
        f"import os, time\nwhile not os.path.exists({str(root / 'gate2')!r}):\n"
        "    time.sleep(0.05)",
        "print('done')",
    )
    for name in ("cancel1.py", "cancel2.py", "cross2.py"):
        gated_script(root / name, root / "never")
    done1 = login1.request("POST", "jobs", {"path": "done1.py"})
    cancel1 = login1.request("POST", "jobs", {"path": "cancel1.py"})
    done2 = login2.request("POST", "jobs", {"path": "done2.ipynb"})
    cancel2 = login2.request("POST", "jobs", {"path": "cancel2.py"})
    cross2 = login2.request("POST", "jobs", {"path": "cross2.py"})
    jobs = {"done1": done1, "cancel1": cancel1, "done2": done2, "cancel2": cancel2}
    jobs["cross2"] = cross2
    here = socket.gethostname()
    for name, job in jobs.items():
        server = login1 if name.endswith("1") else login2
        wait_output(server, job["id"], "up on")
        assert host_of(server, job) == (here if server is login1 else "login2")

    # When both servers watch all of them for a while (each list refreshes every job)
    for _ in range(WATCH_ROUNDS):
        for server in both:
            listed = {j["id"]: j for j in server.request("GET", "jobs")["jobs"]}
            # Then neither takes the other's running jobs for dead
            for name, job in jobs.items():
                assert listed[job["id"]]["status"] == "running", (name, listed[job["id"]])

    # When login1 cancels one of login2's jobs, which it cannot signal
    on_login1 = psutil.Process(login1.proc.pid).children(recursive=True)
    bystanders = [p for p in on_login1 if "jupyter_server" in p.cmdline()]
    bystanders += job_processes(done1["id"]) + job_processes(cancel1["id"])
    assert len(bystanders) >= 3, bystanders  # login1's server and its two jobs' processes
    try:
        login1.request("POST", f"jobs/{cross2['id']}/cancel")
        refused = None
    except urllib.error.HTTPError as error:
        refused = (error.code, json.loads(error.read())["message"])
    if refused is None:
        # Then either it works through the shared filesystem: login2's runner sees the
        # request and stops, and both hosts see it cancelled
        wait_status(both, cross2["id"], "cancelled")
    else:
        # Or it is refused, clearly, and the job runs on until its own host cancels it
        code, message = refused
        assert 400 <= code < 500 and message, refused
        assert login2.request("GET", f"jobs/{cross2['id']}")["status"] == "running"
        login2.request("POST", f"jobs/{cross2['id']}/cancel")
        wait_status(both, cross2["id"], "cancelled")
    wait_until(lambda: not job_processes(cross2["id"]), what="cross2's processes gone")
    # And nothing on login1 was signalled in its stead
    assert alive(bystanders) == bystanders

    # When each host cancels its own job
    login1.request("POST", f"jobs/{cancel1['id']}/cancel")
    login2.request("POST", f"jobs/{cancel2['id']}/cancel")
    # Then both see both cancelled
    for job in (cancel1, cancel2):
        wait_status(both, job["id"], "cancelled")
        wait_until(lambda job=job: not job_processes(job["id"]), what="processes gone")

    # When the remaining jobs are let finish
    (root / "gate1").touch()
    (root / "gate2").touch()
    # Then both complete normally, as both hosts see
    for job, host in ((done1, here), (done2, "login2")):
        views = wait_status(both, job["id"], "completed")
        assert all(view["error"] is None for view in views)
        events = login1.request("GET", f"jobs/{job['id']}/log?after=0")["events"]
        assert stdout_text(events) == f"up on {host}\ndone\n"
    # And no job was ever failed: every final state is the same from both hosts
    final = [{j["id"]: j["status"] for j in s.request("GET", "jobs")["jobs"]} for s in both]
    assert final[0] == final[1]
    assert sorted(final[0].values()) == ["cancelled"] * 3 + ["completed"] * 2
