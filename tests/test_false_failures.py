"""Never a false final state: a job that runs fine is never left marked failed.

Jobs come from other processes (the Python API, the `jupyter jobs` CLI) and
from another host (a runner in a UTS and PID namespace of its own, sharing the
jobs root and the database), while a real server watches the same store.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import stdout_text, wait_until
from server_process import ServerProcess

from jupyter_jobs import api
from jupyter_jobs.backends.local import LocalBackend
from jupyter_jobs.configuration import DB_PATH_ENV, JOBS_ROOT_ENV
from jupyter_jobs.events import JOB_EVENT_SCHEMA_ID
from jupyter_jobs.jobdir import JobDirectory, JobSpec, utc_now
from jupyter_jobs.processes import kill_job_processes
from jupyter_jobs.reconcile import RUNNER_VANISHED
from jupyter_jobs.store import JobRecord, JobStore

# Loaded by every Python started with its folder first on PYTHONPATH: a job's runner
# (it has the job's marker, not yet its job directory) stops itself before it writes
# anything, as a runner does that its machine stalls.
STOP_RUNNER_AT_START = """\
import os, signal
if (os.environ.get("JJ_TEST_STOP_RUNNER") and os.environ.get("JUPYTER_JOBS_JOB_ID")
        and not os.environ.get("JUPYTER_JOBS_JOB_DIR")):
    os.kill(os.getpid(), signal.SIGSTOP)
"""

# Run as the first process of "another host": it submits the files it is given, then
# stays until their jobs end (as PID 1 of its namespace, its end would end the runners).
OTHER_HOST_SUBMITTER = """\
import sys, jupyter_jobs
jupyter_jobs.configure({"LocalBackend": {"max_concurrent_jobs": 4}})
jobs = [jupyter_jobs.submit(path) for path in sys.argv[1:]]
print(*[job.id for job in jobs], flush=True)
for job in jobs:
    try:
        job.wait(timeout=300)
    except (jupyter_jobs.JobFailed, jupyter_jobs.JobCancelled):
        pass
print(*[job.status for job in jobs], flush=True)
"""


@pytest.fixture
def jp_server_config(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The shared server config, watching often and polling its backend at every look."""
    local = {"max_concurrent_jobs": 4, "cancel_grace_seconds": 2.0, "poll_interval": 0.0}
    local.update(getattr(request, "param", {}))
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_jobs": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "JobsConfig": {
            "jobs_root": str(tmp_path / "jobs-root"),
            "db_path": str(tmp_path / "jobs.sqlite"),
        },
        "LocalBackend": local,
        "JobsApp": {"watch_interval": 0.05},
    }


def store_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a process of this test that uses the server's job store."""
    return dict(
        os.environ,
        **{JOBS_ROOT_ENV: str(tmp_path / "jobs-root"), DB_PATH_ENV: str(tmp_path / "jobs.sqlite")},
        **extra,
    )


# -- many jobs from other processes ---------------------------------------------------------


API_SUBMITTER = """\
import sys, jupyter_jobs
for _ in range(int(sys.argv[2])):
    print(jupyter_jobs.submit(sys.argv[1]).id, flush=True)
"""


def test_200_jobs_from_code_and_the_cli_all_complete(tmp_path: Path):
    # Given a real server watching its store every 50 ms, and a tiny script
    root = tmp_path / "root"
    root.mkdir()
    (root / "tiny.py").write_text("print(1)\n")
    server = ServerProcess(
        root,
        tmp_path / "state",
        {"JobsApp": {"watch_interval": 0.05}, "LocalBackend": {"max_concurrent_jobs": 50}},
    )
    server.start()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(server.config_dir))
    env.pop(JOBS_ROOT_ENV, None)
    env.pop(DB_PATH_ENV, None)
    try:
        # When other processes submit 200 jobs at once: four through the Python API
        # (45 each) and four shells through the CLI (5 each)
        submitters = [
            subprocess.Popen(
                [sys.executable, "-c", API_SUBMITTER, "tiny.py", "45"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
            )
            for _ in range(4)
        ] + [
            subprocess.Popen(
                ["sh", "-c", "for i in 1 2 3 4 5; do jupyter jobs submit tiny.py; done"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(4)
        ]
        ids = []
        for proc in submitters:
            out, _ = proc.communicate(timeout=280)
            assert proc.returncode == 0
            ids += out.decode().split()
        assert len(set(ids)) == 200

        # Then every one of them ends completed, as the REST API tells
        active = "jobs?limit=1&status=queued&status=running&status=cancelling"
        wait_until(
            lambda: server.request("GET", active)["total"] == 0,
            timeout=240,
            what="all 200 jobs finished",
        )
        listed = server.request("GET", "jobs?limit=1000")
        not_completed = [job for job in listed["jobs"] if job["status"] != "completed"]
        assert not_completed == []
        assert {job["id"] for job in listed["jobs"]} == set(ids)
        # And as the store and every job's own directory tell
        store = JobStore(tmp_path / "state" / "jobs.sqlite")
        records, total = store.find(limit=None)
        store.close()
        assert total == 200
        assert {r.status for r in records} == {"completed"}
        assert all(r.error is None for r in records)
        runners = [JobDirectory(r.job_dir).read_status() or {} for r in records]
        assert {runner.get("status") for runner in runners} == {"completed"}
    finally:
        server.kill()
        for spec in (tmp_path / "state").glob("jobs-root/*/spec.json"):
            kill_job_processes(spec.parent.name)


# -- a presumed failure is revisited ---------------------------------------------------------


@pytest.mark.parametrize("jp_server_config", [{"start_grace_seconds": 2.0}], indirect=True)
async def test_a_presumed_failure_whose_runner_completes_after_all_becomes_completed(
    jobs, root, tmp_path, jp_serverapp
):
    # Given a listener on the server's event bus
    received: list[dict] = []

    async def listen(logger: Any, schema_id: str, data: dict) -> None:
        received.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=JOB_EVENT_SCHEMA_ID, listener=listen)
    # And a job submitted from code whose runner is stopped (SIGSTOP) before it writes anything
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(STOP_RUNNER_AT_START)
    (root / "late.py").write_text("print('late but fine')\n")
    pythonpath = os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])
    env = store_env(tmp_path, JJ_TEST_STOP_RUNNER="1", PYTHONPATH=pythonpath)
    submitter = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import jupyter_jobs; print(jupyter_jobs.submit('late.py').id)",
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
    )
    out, _ = await submitter.communicate()
    job_id = out.decode().strip()
    try:
        # When it stays silent past the start grace, the server presumes it gone
        job = await jobs.wait_for(job_id, "failed", timeout=60)
        assert job["error"] == {"message": RUNNER_VANISHED, "presumed": True}
        runner = psutil.Process(int(job["backend_id"]))
        await wait_async(lambda: runner.status() == psutil.STATUS_STOPPED)

        # And then its runner goes on and records that the job completed
        runner.send_signal(signal.SIGCONT)
        job = await wait_for_status(jobs, job_id, "completed")

        # Then the job is completed, with no error left, and its output is there
        assert job["error"] is None
        assert job["progress"] == {"done": 1, "total": 1}
        assert "late but fine" in stdout_text((await jobs.log(job_id))["events"])
        # And the change went out on the event bus like any update
        await wait_async(lambda: pushed_statuses(received, job_id)[-2:] == ["failed", "completed"])
    finally:
        kill_job_processes(job_id)


def pushed_statuses(messages: list[dict], job_id: str) -> list[str]:
    """The statuses the bus carried for the job, in order, repeats dropped."""
    statuses: list[str] = []
    for message in messages:
        if message["action"] != "updated" or message["job"]["id"] != job_id:
            continue
        if not statuses or statuses[-1] != message["job"]["status"]:
            statuses.append(message["job"]["status"])
    return statuses


async def wait_for_status(jobs: Any, job_id: str, status: str, timeout: float = 60) -> dict:
    """Poll the REST API until the job has status, whatever it is meanwhile (even final)."""
    deadline = time.monotonic() + timeout
    while True:
        job = await jobs.get(job_id)
        if job["status"] == status:
            return job
        assert time.monotonic() < deadline, f"job stayed {job['status']}, not {status}: {job}"
        await asyncio.sleep(0.1)


async def wait_async(predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.05)


# -- the local queue -------------------------------------------------------------------------


def test_a_queue_entry_whose_pid_was_recycled_does_not_stall_the_queue(work: Path):
    # Given, first in this host's local queue, an entry whose pid now belongs to another
    # live process (this one: its start time is not the one the entry holds)
    queue = work.parent / "jobs-root" / ".local-queue" / socket.gethostname() / "waiting"
    queue.mkdir(parents=True)
    me = psutil.Process()
    recycled = queue / f"{0:020d}-recycled"
    recycled.write_text(
        json.dumps(
            {"pid": me.pid, "started": me.create_time() - 3600, "host": socket.gethostname()}
        )
    )
    # And an entry a runner of another host left (a renamed machine): not ours to judge
    elsewhere = queue / f"{1:020d}-elsewhere"
    elsewhere.write_text(json.dumps({"pid": 1, "started": 0.0, "host": "elsewhere"}))
    (work / "quick.py").write_text("print('ran')\n")
    # When a job is submitted
    job = api.submit("quick.py")
    # Then it runs and completes
    assert job.wait(timeout=60).status == "completed"
    # And the recycled entry was dropped, the other host's left alone
    assert not recycled.exists()
    assert elsewhere.exists()


# -- another host -----------------------------------------------------------------------------


def test_the_local_backend_leaves_a_job_of_another_host_to_that_host(tmp_path: Path):
    # Given a local backend, and a live process of this machine whose pid a runner of
    # another host happens to have there too
    backend = LocalBackend(jobs_root=str(tmp_path), warm_runner=False, start_grace_seconds=30)
    bystander = subprocess.Popen(["sleep", "120"])
    pid, started = bystander.pid, psutil.Process(bystander.pid).create_time()

    def job(name: str, submitted_at: float, status: dict | None = None) -> Any:
        jobdir = JobDirectory(tmp_path / name)
        jobdir.path.mkdir()
        spec = JobSpec(id=name, kind="script", input_name="x.py", cwd=str(tmp_path))
        spec.submit_host, spec.submitted_at = "elsewhere", submitted_at
        jobdir.write_spec(spec)
        if status is not None:
            jobdir.write_status(status)
        record = JobRecord(
            id=name,
            name=name,
            path="x.py",
            kind="script",
            backend="local",
            status="queued",
            created_at=utc_now(),
            job_dir=str(jobdir.path),
            backend_id=str(pid),
        )
        return record, jobdir

    here = socket.gethostname()
    long_ago = time.time() - 3600
    starting = job("starting", time.time())
    running = job("running", long_ago, {"status": "running", "pid": pid, "host": "elsewhere"})
    never = job("never", long_ago)
    recycled = job(
        "recycled",
        long_ago,
        {"status": "running", "pid": pid, "process_started": started - 100, "host": here},
    )
    try:
        # When it polls them
        states = backend.poll([starting, running, never, recycled])
        # Then it judges none by a pid of this machine but a runner of this host
        assert set(states) == {"never", "recycled"}
        assert not states["recycled"].alive  # that pid started at another time here
        # And one that wrote nothing long past the start grace never started anywhere
        assert not states["never"].alive
        # And a cancel sends no signal across hosts
        backend.cancel(*running)
        backend.cancel(*starting)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
        backend.close()


def _unshare_available() -> bool:
    probe = subprocess.run(
        ["unshare", "--uts", "--pid", "--fork", "--mount-proc", "true"], capture_output=True
    )
    return probe.returncode == 0


OTHER_HOST = "otherhost"


async def other_host_submits(tmp_path: Path, root: Path, *paths: str) -> tuple[Any, list[str]]:
    """Submit paths from "another host": UTS, PID and mount namespaces of its own."""
    proc = await asyncio.create_subprocess_exec(
        "unshare",
        "--uts",
        "--pid",
        "--fork",
        "--mount-proc",
        "sh",
        "-c",
        f'hostname {OTHER_HOST} && exec "$0" "$@"',
        sys.executable,
        "-c",
        OTHER_HOST_SUBMITTER,
        *paths,
        cwd=root,
        env=store_env(tmp_path),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    ids = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().split()
    assert len(ids) == len(paths), "the other host could not submit"
    return proc, ids


@pytest.mark.skipif(not _unshare_available(), reason="needs unshare (root, namespaces)")
async def test_a_runner_on_another_host_is_judged_by_its_host_and_cancelled_through_its_files(
    jobs, root, tmp_path
):
    # Given two script jobs submitted on another host, running there until a gate file exists
    gate = root / "gate"
    (root / "gated.py").write_text(
        f"import os, time\nprint('started', flush=True)\n"
        f"while not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\nprint('done')\n"
    )
    other_host, ids = await other_host_submits(tmp_path, root, "gated.py", "gated.py")
    try:
        for job_id in ids:
            await jobs.wait_for_log(job_id, lambda events: "started" in stdout_text(events))
            job_dir = Path((await jobs.get(job_id))["output_path"]).parent
            status = json.loads((job_dir / "status.json").read_text())
            assert status["host"] == OTHER_HOST
        # When this server looks at them again and again, polling its backend every time
        for _ in range(5):
            for job_id in ids:
                # Then it never marks them failed: their pids mean nothing here
                assert (await jobs.get(job_id))["status"] == "running"
        # When one is cancelled from this host, which cannot signal its runner
        await jobs.request("POST", "jobs", ids[0], "cancel")
        # Then its runner sees the request in its job directory and the job is cancelled
        cancelled = await jobs.wait_for(ids[0], timeout=60)
        assert cancelled["status"] == "cancelled", cancelled
        # And the other one, released, completes
        gate.touch()
        done = await jobs.wait_for(ids[1], timeout=60)
        assert done["status"] == "completed", done
        assert "done" in stdout_text((await jobs.log(ids[1]))["events"])
        # And the other host saw the same ends
        ends = (await other_host.communicate())[0].decode().split()
        assert ends == ["cancelled", "completed"]
    finally:
        gate.touch()
        if other_host.returncode is None:
            other_host.kill()
            await other_host.wait()
