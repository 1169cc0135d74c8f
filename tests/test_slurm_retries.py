"""On SLURM, a node failure is a failed attempt: retried while the job has retries left,
and a job chained to it waits for its final outcome, across attempts.

A real node failure on the real cluster of scripts/slurm-local.sh (`up --nodes 2`): the
jobs are pinned to node2, which the test sets DOWN while they run there (SLURM ends them
NODE_FAIL, their runners get no chance to retry), then lets come back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_until
from server_process import ServerProcess

from jupyter_jobs.processes import kill_job_processes

# Counts its runs in a file beside it; the first run stays until the node fails under it.
RUNS_ONCE_LONG = """\
from pathlib import Path
import time
runs = Path({name!r} + '.runs')
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
print('run', count, flush=True)
if count == 1:
    time.sleep(300)
"""
# Like RUNS_ONCE_LONG, but its second run waits for a gate file before it ends.
RUNS_ONCE_LONG_THEN_GATED = (
    RUNS_ONCE_LONG
    + """\
else:
    while not Path({name!r} + '.gate').exists():
        time.sleep(0.05)
"""
)


def squeue(backend_id: str) -> dict[str, Any] | None:
    data = json.loads(subprocess.run(["squeue", "--json"], capture_output=True).stdout)
    return next((j for j in data["jobs"] if str(j["job_id"]) == backend_id), None)


class Server:
    """One real server for the module; requests answer (code, body)."""

    def __init__(self, server: ServerProcess):
        self.server = server
        self.root = server.root

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        try:
            return 200, self.server.request(method, path, body)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode() or "null")

    def submit(self, name: str, script: str = RUNS_ONCE_LONG, **fields: Any) -> dict[str, Any]:
        (self.root / f"{name}.py").write_text(script.format(name=name))
        code, job = self.call("POST", "jobs", {"path": f"{name}.py", **fields})
        assert code == 200, job
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        return self.server.request("GET", f"jobs/{job_id}")

    def until(self, job_id: str, check: Any, what: str) -> dict[str, Any]:
        return wait_until(lambda: check(job := self.get(job_id)) and job, what=what)

    def final(self, job_id: str) -> dict[str, Any]:
        return self.until(
            job_id, lambda j: j["status"] in ("completed", "failed", "cancelled"), f"{job_id} ends"
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if shutil.which("sbatch") is None:
        pytest.fail("SLURM is not installed: run `bash scripts/slurm-local.sh up`", pytrace=False)
    nodes = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True)
    if "node2" not in nodes.stdout.split():
        pytest.fail("The cluster has no node2: run `slurm-local.sh up --nodes 2`", pytrace=False)
    base = tmp_path_factory.mktemp("slurm-retries")
    root = base / "root"
    root.mkdir()
    process = ServerProcess(
        root,
        base / "state",
        {"SlurmBackend": {"poll_interval": 0.5, "extra_sbatch_args": ["--nodelist=node2"]}},
    )
    config_file = process.config_dir / "jupyter_server_config.json"
    config = json.loads(config_file.read_text())
    config["JobsConfig"]["default_backend"] = "slurm"
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
        for job in process.request("GET", "jobs?status=queued&status=running")["jobs"]:
            subprocess.run(["scancel", job["backend_id"]], capture_output=True)
        process.kill()
        for spec in (base / "state").glob("jobs-root/*/spec.json"):
            kill_job_processes(spec.parent.name)


@pytest.fixture
def node2_fails() -> Iterator[Any]:
    """Set node2 DOWN (SLURM ends its jobs NODE_FAIL); it is resumed afterwards in any case."""

    def fail() -> None:
        subprocess.run(
            ["scontrol", "update", "nodename=node2", "state=down", "reason=jupyter-jobs test"],
            check=True,
        )
        # ReturnToService=2 takes it back at its slurmd's next registration; say so at once.
        subprocess.run(
            ["scontrol", "update", "nodename=node2", "state=resume"], capture_output=True
        )

    try:
        yield fail
    finally:
        subprocess.run(
            ["scontrol", "update", "nodename=node2", "state=resume"], capture_output=True
        )


def test_a_node_failure_is_retried_while_retries_are_left(server, node2_fails):
    # Given three jobs running on node2: two with a retry left (one after a long delay), one
    # with none
    retried = server.submit("retried", max_retries=1)
    delayed = server.submit("delayed", max_retries=1, retry_delay_seconds=600)
    single = server.submit("single")
    for job in (retried, delayed, single):
        wait_until(lambda job=job: (server.root / f"{job['name']}.runs").exists(), what="run 1")
        assert server.get(job["id"])["status"] == "running"

    # When node2 fails under them
    node2_fails()

    # Then the job with a retry left ran again, as attempt 2 in a new SLURM job, and completed
    done = server.final(retried["id"])
    assert (done["status"], done["attempt"]) == ("completed", 2), done
    assert done["backend_id"] != retried["backend_id"]
    first, second = done["attempts"]
    assert (first["attempt"], first["status"], second["status"]) == (1, "failed", "completed")
    assert first["error"]["slurm_state"] == "NODE_FAIL"
    assert first["error"]["reason"] == "node failure"
    assert "node running the job failed" in first["error"]["message"]
    # And each attempt kept its own output
    output = (Path(done["output_path"]).parent / "attempts" / "1" / "output.txt").read_text()
    assert output == "run 1\n"
    assert (server.root / "retried.runs").read_text() == "2"

    # And the one with a delay waits for it, held by SLURM (not by a sleeping process)
    waiting = server.until(
        delayed["id"],
        lambda j: j["status_reason"] == "node failure: retrying in 600 s (attempt 2 of 2)",
        "the delayed retry",
    )
    assert (waiting["status"], waiting["attempt"]) == ("queued", 2)
    held = squeue(waiting["backend_id"])
    assert held is not None and held["job_state"] == "PENDING"
    assert held["state_reason"] == "BeginTime"
    # And cancelling it then ends it, with no further attempt
    assert server.call("POST", f"jobs/{delayed['id']}/cancel")[0] == 200
    cancelled = server.final(delayed["id"])
    assert (cancelled["status"], cancelled["attempt"]) == ("cancelled", 2)
    assert (server.root / "delayed.runs").read_text() == "1"

    # And the job with no retry left failed, saying why
    failed = server.final(single["id"])
    assert (failed["status"], failed["status_reason"], failed["attempt"]) == (
        "failed",
        "node failure",
        1,
    ), failed
    assert failed["error"]["slurm_state"] == "NODE_FAIL"


def test_a_chain_waits_for_its_first_job_across_a_node_failure_and_its_retry(server, node2_fails):
    # Given a job with a retry left, running on node2, and a job chained to it; and a job
    # with no retry left, with a job chained to it too
    upstream = server.submit("upstream", RUNS_ONCE_LONG_THEN_GATED, max_retries=1)
    chained = server.submit("chained", "print('chained ran')\n", after=[upstream["id"]])
    lost = server.submit("lost")
    chained_to_lost = server.submit("chained-to-lost", "print('ran')\n", after=[lost["id"]])
    for job in (upstream, lost):
        wait_until(lambda job=job: (server.root / f"{job['name']}.runs").exists(), what="run 1")
    server.until(
        chained["id"], lambda j: j["status_reason"] == "waiting for upstream", "the chain waits"
    )

    # When node2 fails under the first two
    node2_fails()

    # Then the first job runs again, as attempt 2 in a new SLURM job
    second = server.until(
        upstream["id"],
        lambda j: (j["status"], j["attempt"]) == ("running", 2),
        "attempt 2 of the first job to run",
    )
    assert second["backend_id"] != upstream["backend_id"]
    # And the job chained to it still waits, held by SLURM for that new SLURM job: not
    # cancelled for the failed attempt, not submitted again
    new_dependency = f"afterok:{second['backend_id']}(unfulfilled)"
    held = wait_until(
        lambda: (
            (entry := squeue(chained["backend_id"]))
            and entry["dependency"] == new_dependency
            and entry["state_reason"] == "Dependency"  # once SLURM has looked at it again
            and entry
        ),
        what="the chained job held for attempt 2",
    )
    assert held["job_state"] == "PENDING"
    waiting = server.get(chained["id"])
    assert (waiting["status"], waiting["status_reason"]) == ("queued", "waiting for upstream")

    # When that attempt completes
    (server.root / "upstream.gate").touch()

    # Then the chained job runs, in the SLURM job it was submitted as, and completes
    done = server.final(chained["id"])
    assert done["status"] == "completed", done
    assert done["backend_id"] == chained["backend_id"]
    assert Path(done["output_path"]).read_text() == "chained ran\n"
    assert server.get(upstream["id"])["status"] == "completed"

    # And the job chained to the one with no retry left is cancelled, naming it, once that
    # one ended failed; it never ran
    cancelled = server.final(chained_to_lost["id"])
    assert server.get(lost["id"])["status"] == "failed"
    reason = f"job {lost['id']} (lost) failed"
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", reason), cancelled
    assert cancelled["error"]["dependency"] == lost["id"]
    output = Path(cancelled["output_path"])
    assert not output.exists() or not output.read_text()
