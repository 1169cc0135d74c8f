"""The SLURM backend against the real cluster of scripts/slurm-local.sh (`up --nodes 2`).

node1 is this machine; node2 is a second "host" in network and UTS namespaces of its
own, seeing the same files, as a compute node on a shared filesystem does. Jobs land on
either; TestOnNode2 pins them to node2.

Every job here is a real batch job: sbatch, squeue --json, scancel, slurmstepd,
a real kernel and papermill. The jobs root has quotes, `$(...)`, backquotes, a
semicolon and `%` in its name, so every test also checks that no path is ever
pasted into a shell line unquoted (or into an sbatch filename pattern).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import no_process_left, stdout_text, write_notebook
from server_process import ServerProcess
from traitlets.config import Config

from jupyter_jobs.backends.slurm import STATE_NAME
from jupyter_jobs.configuration import JobsConfig
from jupyter_jobs.processes import job_processes

# A shell that ever ran one of these names would create the file $JJ_PWNED (or LITERAL).
LITERAL = f"/tmp/jupyter-jobs-pwned-{os.getpid()}"
HOSTILE = (
    f"'; touch {LITERAL}; ' $(touch $JJ_PWNED) `touch $JJ_PWNED` \" & | > 100%j %x "
    "'; touch $JJ_PWNED; '"
)
JOBS_ROOT_NAME = "jobs root's $(touch $JJ_PWNED) `touch $JJ_PWNED`; 100%j"
GATED = "import os, time\nwhile not os.path.exists({gate!r}):\n    time.sleep(0.05)"


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    """The real cluster must be up: a missing one fails every test here, it never skips."""
    missing = [c for c in ("sbatch", "squeue", "scancel", "sinfo") if shutil.which(c) is None]
    if missing:
        pytest.fail(
            f"SLURM commands not found: {', '.join(missing)}. These tests need the real "
            "cluster: run `bash scripts/slurm-local.sh up` first.",
            pytrace=False,
        )
    result = subprocess.run(["sinfo", "-h", "-o", "%P %t"], capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout.strip():
        pytest.fail(
            f"The SLURM cluster does not answer ({result.stderr.strip()}): run "
            "`bash scripts/slurm-local.sh up` first.",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def pwned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The file any shell injection would create; the test fails if it exists afterwards."""
    marker = tmp_path / "PWNED"
    monkeypatch.setenv("JJ_PWNED", str(marker))  # sbatch passes the environment to the job
    yield marker
    assert not marker.exists(), "a value was run as shell code"
    assert not os.path.exists(LITERAL), "a value was run as shell code"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    config = copy.deepcopy(jp_server_config)
    config["JobsConfig"]["jobs_root"] = str(tmp_path / JOBS_ROOT_NAME)
    config["JobsConfig"]["default_backend"] = "slurm"
    config["SlurmBackend"] = {"poll_interval": 0.5}
    return config


def slurm_job(backend_id: str) -> dict[str, Any] | None:
    """The job as `squeue --json` lists it (None once SLURM forgot it)."""
    data = json.loads(subprocess.run(["squeue", "--json"], capture_output=True).stdout)
    return next((j for j in data["jobs"] if str(j["job_id"]) == backend_id), None)


def node_names() -> set[str]:
    """The nodes of the default partition."""
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True)
    return set(out.stdout.split())


def job_dir(job: dict[str, Any]) -> Path:
    return Path(job["output_path"]).parent


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_backends_list_slurm_with_its_partitions(jobs):
    answer = await jobs.request("GET", "backends")
    assert answer["default"] == "slurm"
    slurm = next(b for b in answer["backends"] if b["name"] == "slurm")
    options = {r["name"]: r for r in slurm["resources"]}
    assert list(options) == ["cpus", "memory", "gpus", "time_limit", "partition"]
    assert options["partition"]["choices"] == ["debug", "short"]
    assert options["partition"]["default"] == "debug"
    assert options["cpus"]["type"] == "integer"


async def test_parameterised_notebook_runs_with_its_resources(jobs, root):
    # Given a notebook with a parameters cell
    write_notebook(
        root / "params.ipynb",
        "import os\nprint(n * 2, label, os.environ['SLURM_JOB_ID'], os.getcwd())",
        parameters="n = 1\nlabel = 'default'",
    )
    # When it is submitted to SLURM with parameters and resources
    job = await jobs.submit(
        "params.ipynb",
        parameters={"n": 21, "label": "from the test"},
        resources={"cpus": 2, "memory": "300M", "time_limit": "00:03:00", "partition": "short"},
    )
    assert job["backend"] == "slurm" and job["backend_id"].isdigit()
    # Then SLURM got the resources as sbatch options
    listed = slurm_job(job["backend_id"])
    assert (listed["cpus"], listed["memory_per_node"], listed["time_limit"]) == (2, 300, 3)
    assert listed["partition"] == "short"
    assert listed["standard_output"] == str(job_dir(job) / "slurm.out").replace("%", "%%")
    # And the job ran to completed on the cluster, with its parameters, in the input's directory
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "completed", job
    assert job["progress"] == {"done": 3, "total": 3}
    text = stdout_text((await jobs.log(job["id"]))["events"])
    assert text == f"42 from the test {job['backend_id']} {root}\n"
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    assert "injected-parameters" in nb["cells"][1]["metadata"]["tags"]
    # And the batch script holds no parameter, only the quoted runner line
    script = (job_dir(job) / "slurm-job.sh").read_text()
    assert "from the test" not in script
    assert script.splitlines()[-1].startswith("exec ")


async def test_a_script_runs_with_its_arguments_and_its_usage_is_sampled_on_its_node(jobs, root):
    # (It holds 64 MiB past the runner's second sample, 2 s in.)
    (root / "args.py").write_text(
        "import sys, time\nblock = b'x' * (64 * 2**20)\ntime.sleep(2.5)\nprint(sys.argv[1:])\n"
    )
    job = await jobs.submit("args.py", parameters={"rows": 3, "mode": "fast"})
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "completed", job
    assert "['--rows', '3', '--mode', 'fast']" in stdout_text((await jobs.log(job["id"]))["events"])
    # The runner sampled the script on the node SLURM gave it, as a local job is sampled
    usage = job["usage"]
    assert usage["peak_rss_bytes"] >= 64 * 2**20 and usage["cpu_seconds"] > 0, usage
    assert usage["rss_bytes"] is None and usage["gpu_memory_bytes"] is None  # ended; no GPU
    series = await jobs.request("GET", "jobs", job["id"], "usage")
    assert max(s["rss_bytes"] for s in series["samples"]) >= 64 * 2**20


async def test_output_is_live_while_the_job_runs(jobs, root):
    write_notebook(
        root / "live.ipynb",
        "print('first line', flush=True)",
        GATED.format(gate="gate"),
        "print('last line')",
    )
    job = await jobs.submit("live.ipynb")
    # When the first cell has run on the node but the job is still blocked in the second
    await jobs.wait_for_log(job["id"], lambda events: "first line" in stdout_text(events))
    # Then the job is running there, and its output and progress are already visible
    job = await jobs.get(job["id"])
    assert job["status"] == "running"
    assert slurm_job(job["backend_id"])["job_state"] == "RUNNING"
    assert job["progress"] == {"done": 1, "total": 3}
    partial = await jobs.request("GET", "jobs", job["id"], "output")
    assert "".join(partial["cells"][0]["outputs"][0]["text"]) == "first line\n"
    (root / "gate").touch()
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "completed"
    assert stdout_text((await jobs.log(job["id"]))["events"]) == "first line\nlast line\n"


async def test_cancel_stops_every_process_and_keeps_the_partial_output(jobs, root):
    # Given a running job whose notebook started a child process
    write_notebook(
        root / "busy.ipynb",
        "print('started', flush=True)",
        "import subprocess, time\nchild = subprocess.Popen(['sleep', '300'])\n"
        "print('child', child.pid, flush=True)\ntime.sleep(300)",
    )
    job = await jobs.submit("busy.ipynb")
    await jobs.wait_for_log(job["id"], lambda events: "child" in stdout_text(events))
    status = json.loads((job_dir(job) / "status.json").read_text())
    printed = stdout_text((await jobs.log(job["id"]))["events"]).split()
    pids = [status["pid"], status["kernel_pid"], int(printed[printed.index("child") + 1])]
    assert all(alive(pid) for pid in pids)
    # When it is cancelled
    assert (await jobs.request("POST", "jobs", job["id"], "cancel"))["status"] == "cancelling"
    job = await jobs.wait_for(job["id"], "cancelled")
    # Then SLURM cancelled it, no process of it remains, and the output so far is kept
    assert slurm_job(job["backend_id"])["job_state"] in ("CANCELLED", "COMPLETING")
    deadline = time.monotonic() + 10
    while [pid for pid in pids if alive(pid)] or job_processes(job["id"]):
        assert time.monotonic() < deadline, [pid for pid in pids if alive(pid)]
        await asyncio.sleep(0.2)
    assert job["error"] is None
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "started\n"


async def test_a_job_waiting_in_the_queue_shows_why_and_can_be_cancelled(jobs, root):
    # Given a cluster whose CPUs are all taken by another user's job, on every node
    blocker = subprocess.run(
        [
            "sbatch",
            "--parsable",
            f"--nodes={len(node_names())}",
            "--exclusive",
            "--job-name=blocker",
            "--output=/dev/null",
            "--wrap=sleep 120",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        # (It may have to wait for the jobs of an earlier test to leave the nodes.)
        deadline = time.monotonic() + 60
        while slurm_job(blocker)["job_state"] != "RUNNING":
            assert time.monotonic() < deadline, slurm_job(blocker)
            await asyncio.sleep(0.2)
        write_notebook(root / "waits.ipynb", "print('ran')")
        # When a job is submitted
        job = await jobs.submit("waits.ipynb")
        # Then it is queued, with SLURM's reason
        deadline = time.monotonic() + 30
        while (job := await jobs.get(job["id"]))["status_reason"] != "Resources":
            assert job["status"] == "queued", job
            assert time.monotonic() < deadline, job
            await asyncio.sleep(0.2)
        # And cancelling it while it waits gives cancelled; it never started
        await jobs.request("POST", "jobs", job["id"], "cancel")
        job = await jobs.wait_for(job["id"], "cancelled")
        assert job["started_at"] is None
        assert job["error"] is None
    finally:
        subprocess.run(["scancel", blocker], check=True)


async def test_a_failing_notebook_fails_with_its_error(jobs, root):
    write_notebook(root / "err.ipynb", "x = 1", "raise ValueError('bad input')", "print('never')")
    job = await jobs.wait_for((await jobs.submit("err.ipynb"))["id"])
    assert job["status"] == "failed"
    assert job["error"]["ename"] == "ValueError"
    assert job["error"]["message"] == "ValueError: bad input (in cell 1)"
    assert job["progress"]["done"] == 1
    assert job["status_reason"] is None


async def test_hostile_names_paths_and_parameters_stay_data(jobs, root, pwned):
    # Given a notebook in a directory, and under a name, made to break shell lines
    folder = root / "dir $(touch $JJ_PWNED) `touch $JJ_PWNED`; '\"' 100%j"
    write_notebook(
        folder / "nb '; touch $JJ_PWNED; '.ipynb",
        "import json, os\nprint(json.dumps([text, other, os.getcwd()]))",
        parameters="text = ''\nother = ''",
    )
    values = {"text": HOSTILE, "other": 'it\'s "quoted"\\n; $(echo) `echo` ${HOME}'}
    # When it is submitted with a hostile name and hostile parameters
    path = str((folder / "nb '; touch $JJ_PWNED; '.ipynb").relative_to(root))
    job = await jobs.submit(path, name=HOSTILE, parameters=values)
    job = await jobs.wait_for(job["id"])
    # Then it ran, the values arrived verbatim, and nothing ran them (see the pwned fixture)
    assert job["status"] == "completed", job
    printed = json.loads(stdout_text((await jobs.log(job["id"]))["events"]))
    assert printed == [values["text"], values["other"], str(folder)]
    assert job["name"] == HOSTILE
    assert slurm_job(job["backend_id"])["name"] == HOSTILE
    assert not pwned.exists()
    # And a name over several lines is refused
    code, message = await jobs.error(
        "POST", "jobs", body={"path": path, "name": "a\ntouch $JJ_PWNED"}
    )
    assert code == 400 and "single line" in message


async def test_a_cancel_from_outside_fails_the_job_and_says_so(jobs, root):
    # Given a running job
    write_notebook(root / "long.ipynb", "print('up', flush=True)", "import time; time.sleep(300)")
    job = await jobs.submit("long.ipynb")
    await jobs.wait_for_log(job["id"], lambda events: "up" in stdout_text(events))
    # When someone cancels it with scancel, not through jupyter-jobs
    subprocess.run(["scancel", job["backend_id"]], check=True)
    # Then it failed (nobody asked jupyter-jobs to cancel it), and the error says what happened
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "failed"
    assert job["error"].get("slurm_state") == "CANCELLED", job
    assert "cancelled in SLURM, not through jupyter-jobs" in job["error"]["message"]
    assert job["error"]["runner"]["signal"] == "SIGTERM"


async def test_a_job_over_its_memory_fails_and_says_so(jobs, root):
    # Given a job that asks for 400 MB and then takes more (this cluster has no cgroups:
    # SLURM's accounting polls memory every 2 s and SIGKILLs the job, state FAILED)
    write_notebook(
        root / "hungry.ipynb",
        "print('before', flush=True)",
        "import time\nblocks = []\nfor _ in range(40):\n"
        "    blocks.append(bytearray(50 * 2**20))\n    time.sleep(0.1)\ntime.sleep(60)",
    )
    job = await jobs.submit("hungry.ipynb", resources={"memory": "400M"})
    # When SLURM kills it
    job = await jobs.wait_for(job["id"], timeout=60)
    # Then it failed, and the error says it was memory, with SLURM's own line
    assert job["status"] == "failed"
    assert "used more memory than it asked for" in job["error"]["message"], job
    assert any("exceeded memory limit" in line for line in job["error"]["slurm_messages"])
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "before\n"


def test_a_runner_that_cannot_start_fails_with_what_it_printed(tmp_path: Path):
    # Given a SLURM backend pointed at a Python the nodes do not have
    config = Config()
    config.JobsConfig.jobs_root = str(tmp_path / JOBS_ROOT_NAME)
    config.JobsConfig.db_path = str(tmp_path / "jobs.sqlite")
    config.SlurmBackend.python = str(tmp_path / "no such python")
    config.SlurmBackend.poll_interval = 0.2
    write_notebook(tmp_path / "nb.ipynb", "print(1)")
    manager = JobsConfig(config=config).create_manager(root_dir=str(tmp_path))
    try:
        # When a job is submitted
        job = manager.submit("nb.ipynb", backend="slurm")
        deadline = time.monotonic() + 60
        while (job := manager.get(job["id"]))["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
    finally:
        manager.close()
    # Then it failed with the batch script's own error, from slurm.err
    assert job["status"] == "failed"
    assert job["error"]["exit_code"] == 127
    assert "No such file or directory" in "\n".join(job["error"]["stderr"])


def test_an_unreachable_controller_is_not_taken_for_vanished_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Given a running SLURM job, followed by a job manager
    config = Config()
    config.JobsConfig.jobs_root = str(tmp_path / JOBS_ROOT_NAME)
    config.JobsConfig.db_path = str(tmp_path / "jobs.sqlite")
    config.SlurmBackend.poll_interval = 0
    write_notebook(tmp_path / "gated.ipynb", GATED.format(gate="gate"), "print('done')")
    manager = JobsConfig(config=config).create_manager(root_dir=str(tmp_path))
    try:
        job = manager.submit("gated.ipynb", backend="slurm")
        deadline = time.monotonic() + 60
        while manager.get(job["id"])["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # When squeue cannot reach the controller (a real squeue, pointed at a dead port:
        # it exits 0 with no jobs and an entry in "errors", as 22.05 does when it is down)
        conf = Path("/etc/slurm/slurm.conf").read_text()
        bad = tmp_path / "unreachable.conf"
        bad.write_text(conf.replace("SlurmctldHost=", "SlurmctldPort=6999\nSlurmctldHost=", 1))
        bad.write_text(bad.read_text() + "MessageTimeout=1\n")
        monkeypatch.setenv("SLURM_CONF", str(bad))
        for _ in range(3):
            job = manager.get(job["id"])
        # Then the job is still running, not failed for having vanished
        assert job["status"] == "running", job
        assert job["error"] is None
        # And once the controller answers again, it is followed to its end
        monkeypatch.delenv("SLURM_CONF")
        (tmp_path / "gate").touch()
        while (job := manager.get(job["id"]))["status"] == "running":
            assert time.monotonic() < deadline + 60
            time.sleep(0.2)
        assert job["status"] == "completed", job
    finally:
        manager.close()


BAD_RESOURCES = [
    ({"cpus": "two"}, "'cpus' must be a whole number"),
    ({"cpus": 0}, "'cpus' must be a whole number"),
    ({"memory": "4 gigs"}, "'memory' must be a size like 4G"),
    ({"time_limit": "1:99:00"}, "'time_limit' must be HH:MM:SS"),
    ({"time_limit": "00:10:00", "partition": "short"}, "over the maximum of partition 'short'"),
    ({"partition": "nosuch"}, "Unknown partition 'nosuch'; this cluster has: debug, short"),
    ({"sbatch": "--wrap=id"}, "does not take the resource(s) sbatch"),
    ({"gpus": 1}, "SLURM refused the job: "),  # no GPUs here: sbatch itself says no
]


async def test_bad_resources_are_refused_with_a_reason(jobs, root):
    write_notebook(root / "r.ipynb", "print(1)")
    for resources, expected in BAD_RESOURCES:
        code, message = await jobs.error(
            "POST", "jobs", body={"path": "r.ipynb", "resources": resources}
        )
        assert (code, expected in message) == (400, True), (resources, message)
    # Nothing was created for any of them
    assert (await jobs.request("GET", "jobs"))["jobs"] == []


async def test_a_job_over_its_time_limit_fails_with_timeout(jobs, root):
    # Given a job that runs longer than its time limit (SLURM rounds it up to a minute
    # and checks limits every 30 s: this takes 60 to 90 s)
    write_notebook(
        root / "slow.ipynb", "print('working', flush=True)", "import time\ntime.sleep(600)"
    )
    job = await jobs.submit("slow.ipynb", resources={"time_limit": "0:00:05"})
    # When SLURM stops it
    job = await jobs.wait_for(job["id"], timeout=150)
    # Then it failed, saying why
    assert job["status"] == "failed"
    assert job["status_reason"] == "TIMEOUT"
    error = job["error"]
    assert error["slurm_state"] == "TIMEOUT"
    assert error["message"] == "The job ran past its time limit and SLURM stopped it (TIMEOUT)"
    assert error["runner"]["signal"] == "SIGTERM"
    # And its output up to then is kept
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "working\n"
    await no_process_left(job["id"])


def test_slurm_jobs_are_followed_across_a_server_restart(tmp_path: Path):
    # Given a real jupyter server running two SLURM jobs, each waiting for a gate file
    root = tmp_path / "root"
    root.mkdir()
    server = ServerProcess(
        root,
        tmp_path / "state",
        {
            "JobsConfig": {
                "jobs_root": str(tmp_path / "state" / JOBS_ROOT_NAME),
                "db_path": str(tmp_path / "state" / "jobs.sqlite"),
                "default_backend": "slurm",
            },
            "SlurmBackend": {"poll_interval": 0.5},
        },
    )
    submitted: list[dict[str, Any]] = []
    try:
        write_notebook(root / "one.ipynb", GATED.format(gate="gate-1"), "print('one done')")
        write_notebook(root / "two.ipynb", GATED.format(gate="gate-2"), "print('two done')")
        server.start()
        one = server.request("POST", "jobs", {"path": "one.ipynb"})
        two = server.request("POST", "jobs", {"path": "two.ipynb"})
        submitted += [one, two]
        server.wait_for(one["id"], "running")
        server.wait_for(two["id"], "running")
        one_dir = job_dir(server.request("GET", f"jobs/{one['id']}"))

        # When the server stops, and one job finishes while no server runs
        server.stop()
        (root / "gate-1").touch()
        deadline = time.monotonic() + 60
        while slurm_job(one["backend_id"])["job_state"] != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert slurm_job(two["backend_id"])["job_state"] == "RUNNING"

        # Then a new server shows the finished one completed, and still follows the other
        server.start()
        done = server.request("GET", f"jobs/{one['id']}")
        assert done["status"] == "completed", done
        assert server.request("GET", f"jobs/{two['id']}")["status"] == "running"
        # (the new server's backend saw it COMPLETED in squeue and kept that in its job dir)
        assert json.loads((one_dir / STATE_NAME).read_text())["job_state"] == "COMPLETED"
        # And it can cancel it: everything it needs is in the store, the job dir and squeue
        server.request("POST", f"jobs/{two['id']}/cancel")
        cancelled = server.wait_for(two["id"], "cancelled")
        assert cancelled["error"] is None
        assert slurm_job(two["backend_id"])["job_state"] in ("CANCELLED", "COMPLETING")
        server.stop()
    finally:
        server.kill()
        for job in submitted:
            subprocess.run(["scancel", job["backend_id"]], check=False)


class TestOnNode2:
    """Jobs pinned to node2, the other host (`--nodelist` set by configuration, as an
    administrator would): what a user sees is the same as on node1."""

    @pytest.fixture(autouse=True)
    def node2(self) -> None:
        if "node2" not in node_names():
            pytest.fail(
                f"The cluster has no node2 (nodes: {sorted(node_names())}): run "
                "`bash scripts/slurm-local.sh up --nodes 2` first.",
                pytrace=False,
            )

    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        config = copy.deepcopy(jp_server_config)
        config["SlurmBackend"]["extra_sbatch_args"] = ["--nodelist=node2"]
        return config

    async def test_live_output_completion_cancel_and_failures(self, jobs, root):
        # Given four notebooks: one waiting for a gate, two running until cancelled, one failing
        write_notebook(
            root / "gated.ipynb",
            "import socket\nprint('first line on', socket.gethostname(), flush=True)",
            GATED.format(gate="gate"),
            "print('last line')",
        )
        write_notebook(
            root / "long.ipynb", "print('up', flush=True)", "import time\ntime.sleep(300)"
        )
        write_notebook(root / "err.ipynb", "x = 1", "raise ValueError('bad input')")
        # When they are submitted
        gated = await jobs.submit("gated.ipynb")
        long = await jobs.submit("long.ipynb")
        outside = await jobs.submit("long.ipynb")
        failing = await jobs.submit("err.ipynb")
        # Then the first one's output is live here, through the shared filesystem, from node2
        await jobs.wait_for_log(gated["id"], lambda events: "first line" in stdout_text(events))
        gated = await jobs.get(gated["id"])
        assert gated["status"] == "running"
        assert slurm_job(gated["backend_id"])["nodes"] == "node2"
        assert stdout_text((await jobs.log(gated["id"]))["events"]) == "first line on node2\n"
        assert json.loads((job_dir(gated) / "status.json").read_text())["host"] == "node2"
        assert gated["progress"] == {"done": 1, "total": 3}
        # And it completes once its gate file exists
        (root / "gate").touch()
        gated = await jobs.wait_for(gated["id"])
        assert gated["status"] == "completed", gated
        assert stdout_text((await jobs.log(gated["id"]))["events"]).endswith("last line\n")
        # And the failing one failed with its error
        failing = await jobs.wait_for(failing["id"])
        assert slurm_job(failing["backend_id"])["nodes"] == "node2"
        assert failing["status"] == "failed"
        assert failing["error"]["message"] == "ValueError: bad input (in cell 1)"
        # And a running one is cancelled, with every process of it
        await jobs.wait_for_log(long["id"], lambda events: "up" in stdout_text(events))
        assert slurm_job(long["backend_id"])["nodes"] == "node2"
        assert job_processes(long["id"])  # node2 shares this machine's processes
        await jobs.request("POST", "jobs", long["id"], "cancel")
        long = await jobs.wait_for(long["id"], "cancelled")
        assert long["error"] is None
        assert slurm_job(long["backend_id"])["job_state"] in ("CANCELLED", "COMPLETING")
        await no_process_left(long["id"])
        nb = await jobs.request("GET", "jobs", long["id"], "output")
        assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "up\n"
        # And one cancelled from outside (scancel) failed with SLURM's reason
        await jobs.wait_for_log(outside["id"], lambda events: "up" in stdout_text(events))
        subprocess.run(["scancel", outside["backend_id"]], check=True)
        outside = await jobs.wait_for(outside["id"])
        assert slurm_job(outside["backend_id"])["nodes"] == "node2"
        assert outside["status"] == "failed"
        assert outside["error"].get("slurm_state") == "CANCELLED", outside
        assert "cancelled in SLURM, not through jupyter-jobs" in outside["error"]["message"]
