"""Chains: a job runs `after` others, once they completed (or finished), locally and on SLURM."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_until
from server_process import ServerProcess

from jupyter_jobs import api
from jupyter_jobs.processes import kill_job_processes

GATED = (
    "import os, time\nwhile not os.path.exists({gate!r}):\n    time.sleep(0.05)\nprint('done')\n"
)


class Server:
    """One real server for the module, with its root; requests answer (code, body)."""

    def __init__(self, server: ServerProcess):
        self.server = server
        self.root = server.root

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        try:
            return 200, self.server.request(method, path, body)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode() or "null")

    def submit(self, path: str, **fields: Any) -> dict[str, Any]:
        code, job = self.call("POST", "jobs", {"path": path, **fields})
        assert code == 200, job
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        return self.server.request("GET", f"jobs/{job_id}")

    def final(self, job_id: str) -> dict[str, Any]:
        return wait_until(
            lambda: (
                (job := self.get(job_id))["status"] in ("completed", "failed", "cancelled") and job
            ),
            what=f"job {job_id} to end",
        )

    def waiting(self, job_id: str, reason: str) -> dict[str, Any]:
        return wait_until(
            lambda: (job := self.get(job_id))["status_reason"] == reason and job,
            what=f"job {job_id} to show {reason!r}",
        )

    def gated(self, name: str) -> tuple[str, Path]:
        gate = self.root / f"{name}.gate"
        (self.root / f"{name}.py").write_text(GATED.format(gate=str(gate)))
        return f"{name}.py", gate


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("chains")
    root = base / "root"
    root.mkdir()
    (root / "fails.py").write_text("raise SystemExit(3)\n")
    (root / "ok.py").write_text("print('ok')\n")
    process = ServerProcess(
        root,
        base / "state",
        {"LocalBackend": {"max_concurrent_jobs": 4}, "SlurmBackend": {"poll_interval": 0.5}},
    )
    # Only jupyter-jobs: the server starts in seconds even on a busy machine.
    config_file = process.config_dir / "jupyter_server_config.json"
    config = json.loads(config_file.read_text())
    config["ServerApp"]["jpserver_extensions"].update(
        {
            name: False
            for name in ("jupyterlab", "jupyter_lsp", "jupyter_server_terminals", "notebook_shim")
        }
    )
    config_file.write_text(json.dumps(config))
    process.start()
    try:
        yield Server(process)
    finally:
        process.kill()
        for spec in (base / "state").glob("jobs-root/*/spec.json"):
            kill_job_processes(spec.parent.name)


# -- locally ---------------------------------------------------------------------------------


def test_a_chain_waits_with_its_reason_then_runs_after_the_first_completed(server):
    # Given a first job held at a gate and a second job to run after it
    path, gate = server.gated("prepare")
    first = server.submit(path)
    second = server.submit("ok.py", after=[first["id"]])
    assert (second["after"], second["after_condition"]) == ([first["id"]], "completed")

    # Then the second waits, queued, saying for what
    waiting = server.waiting(second["id"], "waiting for prepare")
    assert waiting["status"] == "queued"
    assert server.get(first["id"])["status"] in ("queued", "running")  # held at its gate

    # When the first completes, the second runs, and only after it ended
    gate.touch()
    done_first, done_second = server.final(first["id"]), server.final(second["id"])
    assert (done_first["status"], done_second["status"]) == ("completed", "completed")
    assert done_second["started_at"] >= done_first["finished_at"]
    assert done_second["status_reason"] is None


def test_a_failed_first_job_cancels_a_chain_on_completed_but_not_one_on_finished(server):
    # Given a first job that fails, held at a gate until the chain is queued behind it
    gate = server.root / "fail.gate"
    (server.root / "failing.py").write_text(GATED.format(gate=str(gate)) + "raise SystemExit(3)\n")
    first = server.submit("failing.py")
    on_completed = server.submit("ok.py", after=[first["id"]])
    on_finished = server.submit("ok.py", after=[first["id"]], after_condition="finished")
    server.waiting(on_completed["id"], "waiting for failing")

    gate.touch()
    assert server.final(first["id"])["status"] == "failed"
    # Then the job that needed it completed is cancelled, saying which job and how it ended
    cancelled = server.final(on_completed["id"])
    reason = f"job {first['id']} (failing) failed"
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", reason)
    assert cancelled["error"]["dependency"] == first["id"]
    assert reason in cancelled["error"]["message"]
    assert cancelled["started_at"] is None  # it never ran
    # And the one that only needed it to end runs
    assert server.final(on_finished["id"])["status"] == "completed"

    # A dependency that already ended is fine: the job is decided at once
    late = server.submit("ok.py", after=[first["id"]])
    assert server.final(late["id"])["status_reason"] == reason
    after_ok = server.submit(
        "ok.py", after=[on_finished["id"], first["id"]], after_condition="finished"
    )
    assert server.final(after_ok["id"])["status"] == "completed"


def test_a_waiting_job_is_cancelled_and_its_dependency_runs_on(server):
    path, gate = server.gated("long")
    first = server.submit(path)
    second = server.submit("ok.py", after=[first["id"]])
    server.waiting(second["id"], "waiting for long")

    assert server.call("POST", f"jobs/{second['id']}/cancel")[0] == 200
    cancelled = server.final(second["id"])
    assert (cancelled["status"], cancelled["error"]) == ("cancelled", None)
    assert server.get(first["id"])["status"] in ("queued", "running")  # held at its gate
    gate.touch()
    assert server.final(first["id"])["status"] == "completed"


def test_a_chain_after_a_job_whose_runner_died_is_cancelled_not_left_waiting(server):
    # Given a job running, and a second one waiting for it
    path, _ = server.gated("doomed")
    first = server.submit(path)
    second = server.submit("ok.py", after=[first["id"]])
    server.waiting(second["id"], "waiting for doomed")
    wait_until(lambda: server.get(first["id"])["status"] == "running", what="doomed runs")

    # When the first one's runner dies without recording an end (killed, as by the OOM killer)
    kill_job_processes(first["id"])

    # Then the manager marks it failed, and the second stops waiting: cancelled, naming it
    assert server.final(first["id"])["error"]["presumed"] is True
    cancelled = server.final(second["id"])
    reason = f"job {first['id']} (doomed) failed"
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", reason), cancelled


def test_bad_chains_are_refused_and_nothing_is_created(server):
    known = server.submit("ok.py")["id"]
    before = server.call("GET", "jobs?limit=1000")[1]["total"]
    for fields, says in (
        ({"after": known}, "list of job ids"),
        ({"after": [1]}, "list of job ids"),
        ({"after": [None]}, "list of job ids"),
        ({"after": {"id": known}}, "list of job ids"),
        ({"after": ["nosuchjob"]}, "no known job: nosuchjob"),
        ({"after": [known, "nosuchjob"]}, "no known job: nosuchjob"),
        ({"after": [known, known]}, "more than once"),
        ({"after": [f"id{n}" for n in range(101)]}, "at most 100"),
        ({"after": [known], "after_condition": "failed"}, "'after_condition' must be one of"),
        ({"after": [known], "after_condition": 1}, "'after_condition' must be one of"),
        ({"after_condition": "sometimes"}, "'after_condition' must be one of"),
    ):
        code, body = server.call("POST", "jobs", {"path": "ok.py", **fields})
        assert code == 400, (fields, body)
        assert says in body["message"], (fields, body)
    assert server.call("GET", "jobs?limit=1000")[1]["total"] == before


# -- the Python API and the CLI (no server) ----------------------------------------------------


def test_the_python_api_and_the_cli_chain_jobs(work: Path):
    (work / "first.py").write_text("print('first')\n")
    (work / "fails.py").write_text("raise SystemExit(2)\n")
    first = api.submit("first.py")
    second = api.submit("first.py", after=[first], name="second")
    assert second.info["after"] == [first.id]
    second.wait(timeout=90)
    assert (first.status, second.status) == ("completed", "completed")

    failing = api.submit("fails.py")
    cli = [sys.executable, "-m", "jupyter_jobs.cli"]
    on_finished = subprocess.run(
        [
            *cli,
            "submit",
            "first.py",
            "--after",
            failing.id,
            "--after",
            first.id,
            "--after-condition",
            "finished",
            "--json",
            "--wait",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    job = json.loads(on_finished.stdout)
    assert (job["status"], job["after"]) == ("completed", [failing.id, first.id])
    assert job["after_condition"] == "finished"

    on_completed = subprocess.run(
        [*cli, "submit", "first.py", "--after", failing.id, "--json", "--wait"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    job = json.loads(on_completed.stdout)
    assert (job["status"], job["status_reason"]) == (
        "cancelled",
        f"job {failing.id} (fails) failed",
    )
    refused = subprocess.run(
        [*cli, "submit", "first.py", "--after", "nosuchjob"], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "no known job: nosuchjob" in refused.stderr


# -- on SLURM ----------------------------------------------------------------------------------


def _squeue(backend_id: str) -> dict[str, Any] | None:
    data = json.loads(subprocess.run(["squeue", "--json"], capture_output=True).stdout)
    return next((j for j in data["jobs"] if str(j["job_id"]) == backend_id), None)


@pytest.fixture
def cluster() -> None:
    """The real cluster must be up: a missing one fails the test, it never skips."""
    if shutil.which("sbatch") is None:
        pytest.fail("SLURM is not installed: run `bash scripts/slurm-local.sh up`", pytrace=False)


def test_a_slurm_chain_is_held_by_slurm_then_runs(server, cluster):
    path, gate = server.gated("slurm-prepare")
    first = server.submit(path, backend="slurm")
    second = server.submit("ok.py", backend="slurm", after=[first["id"]])

    # SLURM itself holds the second job: it takes no allocation while it waits
    held = _squeue(second["backend_id"])
    assert held is not None and held["dependency"] == f"afterok:{first['backend_id']}(unfulfilled)"
    waiting = server.waiting(second["id"], "waiting for slurm-prepare")
    assert waiting["status"] == "queued"

    gate.touch()
    assert server.final(first["id"])["status"] == "completed"
    assert server.final(second["id"])["status"] == "completed"


def test_a_slurm_chain_whose_first_job_fails_is_cancelled_naming_it(server, cluster):
    gate = server.root / "slurm-fail.gate"
    (server.root / "slurm-failing.py").write_text(
        GATED.format(gate=str(gate)) + "raise SystemExit(3)\n"
    )
    first = server.submit("slurm-failing.py", backend="slurm")
    second = server.submit("ok.py", backend="slurm", after=[first["id"]])
    any_end = server.submit(
        "ok.py", backend="slurm", after=[first["id"]], after_condition="finished"
    )
    assert _squeue(any_end["backend_id"])["dependency"].startswith("afterany:")
    server.waiting(second["id"], "waiting for slurm-failing")

    gate.touch()
    assert server.final(first["id"])["status"] == "failed"
    cancelled = server.final(second["id"])
    reason = f"job {first['id']} (slurm-failing) failed"
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", reason), cancelled
    assert cancelled["started_at"] is None  # SLURM dropped it: it never had an allocation
    assert server.final(any_end["id"])["status"] == "completed"
