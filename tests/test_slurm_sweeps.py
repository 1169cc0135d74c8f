"""Sweeps on SLURM: one job array per sweep, against the real cluster of scripts/slurm-local.sh.

The runs are created as the sweep manager creates them (an ordinary job directory and
record each), then handed to `SlurmBackend.submit_group` at once; from there on the job
manager follows them as it follows any job. Every run is a real task of a real array:
sbatch --array, squeue --json, scancel, slurmstepd, a kernel and papermill.

The last tests go through a real server's sweep API (REST), as a user's sweep does.

The jobs root has `$(...)`, a quote and `%` in its name: sbatch's `%a` pattern and the
array's batch script must take it as a literal path.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import stdout_text, wait_until, write_notebook
from server_process import ServerProcess
from traitlets.config import Config

from jupyter_jobs.backends.slurm import ARRAYS_DIR, STATE_NAME
from jupyter_jobs.backends.slurm_states import array_task_covers
from jupyter_jobs.configuration import JobsConfig
from jupyter_jobs.jobdir import JobDirectory, JobSpec, utc_now
from jupyter_jobs.manager import JobManager
from jupyter_jobs.processes import job_processes
from jupyter_jobs.store import JobRecord

JOBS_ROOT_NAME = "jobs root's $(touch $JJ_PWNED) 100%a %j"
FINAL = ("completed", "failed", "cancelled")
# The notebook and the script of the sweeps here: run i prints, waits for its gate file if it
# has one, then fails, takes memory, or ends, as its parameters say. (Most sweeps here run
# the script: a kernel's start would double their time and test nothing more of arrays.)
RUN_CELLS = (
    "import socket\nprint(f'run {i} on {socket.gethostname()}', flush=True)",
    "import os, time\nwhile gate and not os.path.exists(f'{gate}-{i}'):\n    time.sleep(0.05)",
    "if fail:\n    raise ValueError(f'run {i} was told to fail')\n"
    "blocks = []\nfor _ in range(grab_mb // 50):\n"
    "    blocks.append(bytearray(50 * 2**20))\n    time.sleep(0.1)\n"
    "if grab_mb:\n    time.sleep(60)\nprint(f'run {i} done')",
)
PARAMETERS = "i = 0\ngate = ''\nfail = False\ngrab_mb = 0"
RUN_SCRIPT = """\
import argparse, os, socket, time
parser = argparse.ArgumentParser()
parser.add_argument("--i", type=int)
parser.add_argument("--gate", default="")
args = parser.parse_args()
print(f"run {args.i} on {socket.gethostname()}", flush=True)
while args.gate and not os.path.exists(f"{args.gate}-{args.i}"):
    time.sleep(0.05)
print(f"run {args.i} done")
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's folder: the notebook, the job store, and the file a shell injection makes."""
    missing = [c for c in ("sbatch", "squeue", "scancel", "sinfo") if shutil.which(c) is None]
    if missing or subprocess.run(["sinfo", "-h"], capture_output=True).returncode != 0:
        pytest.fail(
            "These tests need the real SLURM cluster: run `bash scripts/slurm-local.sh up "
            "--nodes 2` first.",
            pytrace=False,
        )
    path = tmp_path_factory.mktemp("sweeps")
    write_notebook(path / "run.ipynb", *RUN_CELLS, parameters=PARAMETERS)
    (path / "run.py").write_text(RUN_SCRIPT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JJ_PWNED", str(path / "PWNED"))  # sbatch passes it on to the tasks
        yield path
    assert not (path / "PWNED").exists(), "a path was run as shell code"


@pytest.fixture(scope="module")
def manager(folder: Path) -> Iterator[JobManager]:
    config = Config()
    config.JobsConfig.jobs_root = str(folder / JOBS_ROOT_NAME)
    config.JobsConfig.db_path = str(folder / "jobs.sqlite")
    config.SlurmBackend.poll_interval = 0.3
    config.SlurmBackend.cancel_grace_seconds = 1.0
    manager = JobsConfig(config=config).create_manager(root_dir=str(folder))
    yield manager
    active = [manager.store.get(job_id) for job_id in manager.active_job_ids()]
    arrays = {record.backend_id.split("_")[0] for record in active if record and record.backend_id}
    if arrays:
        subprocess.run(["scancel", *arrays], check=False)
    manager.close()


def submit_sweep(
    manager: JobManager,
    runs: list[dict[str, Any]],
    max_concurrent: int | None = None,
    resources: dict[str, Any] | None = None,
    kind: str = "script",
) -> tuple[str, list[dict[str, Any]]]:
    """The runs of one sweep of run.py (or run.ipynb), created as the sweep manager does,
    then submitted as one job array; (the array's id, the runs as jobs)."""
    backend = manager.backends["slurm"]
    source = Path(manager.root_dir) / ("run.py" if kind == "script" else "run.ipynb")
    kernel_name = "python3" if kind == "notebook" else None
    resources = backend.validate_resources(resources or {})
    pairs = []
    for index, parameters in enumerate(runs):
        job_id = manager._new_id()
        spec = JobSpec(
            id=job_id,
            kind=kind,
            input_name=source.name,
            cwd=str(source.parent),
            parameters=parameters,
            kernel_name=kernel_name,
            submitted_at=time.time(),
        )
        backend.prepare(spec)
        manager._create_job_dir(manager.jobs_root / job_id, source, spec)
        record = JobRecord(
            id=job_id,
            name=f"sweep [{index}]",
            path=str(source),
            kind=kind,
            backend="slurm",
            status="queued",
            created_at=utc_now(),
            job_dir=str(manager.jobs_root / job_id),
            parameters=parameters,
            resources=resources,
            kernel_name=kernel_name,
            progress_total=1 if kind == "script" else 0,
        )
        manager.store.add(record)
        pairs.append((record, JobDirectory(record.job_dir)))
    backend_ids = backend.submit_group(pairs, max_concurrent)
    for (record, _), backend_id in zip(pairs, backend_ids, strict=True):
        manager.store.update(record.id, backend_id=backend_id)
    array_id = backend_ids[0].split("_")[0]
    assert backend_ids == [f"{array_id}_{i}" for i in range(len(runs))]
    return array_id, [manager.get(record.id) for record, _ in pairs]


def squeue_entries(array_id: str) -> list[dict[str, Any]]:
    """The array's entries in `squeue --json`: its started tasks, and one for those waiting."""
    data = json.loads(subprocess.run(["squeue", "--json", "-t", "all"], capture_output=True).stdout)
    return [j for j in data["jobs"] if str(j["array_job_id"]) == array_id]


def running_tasks(array_id: str) -> list[int]:
    entries = squeue_entries(array_id)
    return sorted(e["array_task_id"] for e in entries if e["job_state"] == "RUNNING")


def wait_for(manager: JobManager, job_id: str, *statuses: str, timeout: float = 90) -> Any:
    wanted = statuses or FINAL

    def reached() -> Any:
        job = manager.get(job_id)
        assert job["status"] in wanted or job["status"] not in FINAL, job
        return job if job["status"] in wanted else None

    return wait_until(reached, timeout, f"job {job_id} {'/'.join(wanted)}")


def printed(manager: JobManager, job_id: str) -> str:
    return stdout_text(manager.log(job_id)[0])


def job_dir(job: dict[str, Any], manager: JobManager) -> Path:
    return Path(manager.store.get(job["id"]).job_dir)


def test_the_tasks_an_array_entry_holds_are_read_from_its_task_string():
    # SLURM's forms: a range with a limit, single indices, ranges with a step
    assert [i for i in range(8) if array_task_covers("2-3%2", i)] == [2, 3]
    assert [i for i in range(12) if array_task_covers("1,4,6-10:2%3", i)] == [1, 4, 6, 8, 10]
    assert not array_task_covers("", 0)


def test_a_sweep_is_one_array_that_keeps_to_its_limit(manager: JobManager, folder: Path):
    # Given a sweep of 4 runs, at most 2 at a time, each waiting for its own gate file
    array_id, runs = submit_sweep(manager, [{"i": i, "gate": "limit"} for i in range(4)], 2)
    # Then SLURM holds one job array: the first two tasks run, one entry holds the others
    for run in runs[:2]:
        wait_for(manager, run["id"], "running")
    assert running_tasks(array_id) == [0, 1]
    assert {e["name"] for e in squeue_entries(array_id)} == {"sweep"}  # the runs' shared name
    waiting = [e for e in squeue_entries(array_id) if e["array_task_string"]]
    assert [(e["job_id"], e["array_task_string"]) for e in waiting] == [(int(array_id), "2-3%2")]
    # And the runs held back are queued, saying it is the array's limit
    for run in runs[2:]:
        held = wait_until(
            lambda run=run: (job := manager.get(run["id"]))["status_reason"] and job,
            what="a reason",
        )
        assert (held["status"], held["status_reason"]) == ("queued", "JobArrayTaskLimit")
    # And a running run's output is live, from its own job directory
    assert wait_until(lambda: printed(manager, runs[0]["id"])).startswith("run 0 on ")
    # When every gate opens
    for i in range(4):
        (folder / f"limit-{i}").touch()
    # Then never more than 2 tasks run, up to the end of the last
    most = 0

    def all_ended() -> bool:
        nonlocal most
        most = max(most, len(running_tasks(array_id)))
        return all(manager.get(run["id"])["status"] in FINAL for run in runs) and all(
            e["job_state"] == "COMPLETED" for e in squeue_entries(array_id)
        )

    wait_until(all_ended, 120, "every run ended")
    assert most <= 2
    # And each run completed with its own parameters and output
    for i, run in enumerate(runs):
        job = manager.get(run["id"])
        assert job["status"] == "completed", job
        assert job["error"] is None
        assert printed(manager, run["id"]).endswith(f"run {i} done\n")
        # with SLURM's own output files in its job directory, private, as a single job's
        files = job_dir(job, manager)
        for name in ("slurm.out", "slurm.err"):
            assert stat.S_IMODE((files / name).stat().st_mode) == 0o600
    # And the array's entries are one per task
    assert sorted(e["array_task_id"] for e in squeue_entries(array_id)) == [0, 1, 2, 3]


def test_a_failing_run_fails_with_its_reason_while_the_others_complete(
    manager: JobManager, folder: Path
):
    # Given a sweep of 3 runs with 400 MB each: run 1 raises, run 2 takes 2 GB
    runs_parameters = [{"i": 0}, {"i": 1, "fail": True}, {"i": 2, "grab_mb": 2000}]
    array_id, runs = submit_sweep(
        manager, runs_parameters, resources={"memory": "400M"}, kind="notebook"
    )
    # When they end
    ended = [wait_for(manager, run["id"], timeout=120) for run in runs]
    # Then run 0 completed
    assert ended[0]["status"] == "completed", ended[0]
    # And run 1 failed with its own error
    assert ended[1]["status"] == "failed"
    assert ended[1]["error"]["message"] == "ValueError: run 1 was told to fail (in cell 4)"
    # And run 2 failed because SLURM killed it for its memory, with SLURM's line from its
    # own slurm.err, naming its own task
    error = ended[2]["error"]
    assert ended[2]["status"] == "failed"
    assert "used more memory than it asked for" in error["message"], error
    assert any("exceeded memory limit" in line for line in error["slurm_messages"])
    assert (error["slurm_array_job_id"], error["slurm_array_task_id"]) == (int(array_id), 2)
    # And SLURM's final state is kept in that run's job directory (SLURM forgets it later)
    kept = json.loads((job_dir(ended[2], manager) / STATE_NAME).read_text())
    assert (kept["array_job_id"], kept["array_task_id"]) == (int(array_id), 2)
    assert kept["error"]["slurm_messages"] == error["slurm_messages"]
    # And SLURM's line went to run 2's slurm.err only: each task has its own files
    for job in ended[:2]:
        assert "exceeded memory limit" not in (job_dir(job, manager) / "slurm.err").read_text()
    assert printed(manager, runs[2]["id"]).startswith("run 2 on ")


def test_cancelling_the_sweep_is_one_scancel_that_ends_every_run(manager: JobManager):
    # Given a sweep of 4 runs, 2 at a time, all waiting for gates that never open
    array_id, runs = submit_sweep(manager, [{"i": i, "gate": "never"} for i in range(4)], 2)
    for run in runs[:2]:
        wait_until(lambda run=run: printed(manager, run["id"]), what="output")
    pids = {run["id"]: [p.pid for p in job_processes(run["id"])] for run in runs[:2]}
    assert all(pids.values())
    # When the sweep is cancelled as the manager does: the request in each run's job
    # directory, then one cancel of the group
    pairs = []
    for run in runs:
        record = manager.store.get(run["id"])
        JobDirectory(record.job_dir).request_cancel()
        manager.store.update(run["id"], status="cancelling")
        pairs.append((record, JobDirectory(record.job_dir)))
    manager.backends["slurm"].cancel_group(pairs)
    # Then every run is cancelled, the waiting ones without ever starting
    for i, run in enumerate(runs):
        job = wait_for(manager, run["id"])
        assert (job["status"], job["error"]) == ("cancelled", None), job
        assert (job["started_at"] is None) == (i >= 2)
    # And SLURM cancelled the whole array, the waiting entry included
    states = {
        e["array_task_string"] or e["array_task_id"]: e["job_state"]
        for e in squeue_entries(array_id)
    }
    assert states["2-3%2"] == "CANCELLED"
    assert {states[0], states[1]} <= {"CANCELLED", "COMPLETING"}  # (being stopped)
    assert len(states) == 3
    # And no process of any run is left
    wait_until(lambda: not any(job_processes(run["id"]) for run in runs), 15, "every process gone")


def test_a_run_is_cancelled_alone(manager: JobManager, folder: Path):
    # Given a sweep of 3 runs, one at a time: run 0 running, runs 1 and 2 waiting
    array_id, runs = submit_sweep(manager, [{"i": i, "gate": "alone"} for i in range(3)], 1)
    wait_until(lambda: printed(manager, runs[0]["id"]), what="run 0's output")
    # When a waiting run is cancelled, and then the running one
    manager.cancel(runs[2]["id"])
    assert wait_for(manager, runs[2]["id"])["status"] == "cancelled"
    assert manager.get(runs[1]["id"])["status"] == "queued"
    manager.cancel(runs[0]["id"])
    cancelled = wait_for(manager, runs[0]["id"])
    # Then each is cancelled alone, the running one with every process of it
    assert (cancelled["status"], cancelled["error"]) == ("cancelled", None)
    wait_until(lambda: not job_processes(runs[0]["id"]), 15, "run 0's processes gone")
    assert "run 0 on " in printed(manager, runs[0]["id"])  # its output so far is kept
    # And the run left in between still runs, and completes
    (folder / "alone-1").touch()
    assert wait_for(manager, runs[1]["id"])["status"] == "completed"
    assert wait_for(manager, runs[2]["id"])["started_at"] is None
    tasks = {e["array_task_id"]: e["job_state"] for e in squeue_entries(array_id)}
    assert tasks[0] in ("CANCELLED", "COMPLETING")


def test_an_array_leaves_nothing_beside_the_job_directories(manager: JobManager):
    # Given the arrays of the tests before, all ended, and a poll of an active run, later
    _, runs = submit_sweep(manager, [{"i": 0, "gate": "never"}])
    links = manager.jobs_root / ARRAYS_DIR
    # Then the folders that held their scripts and output links are gone
    wait_until(
        lambda: manager.get(runs[0]["id"]) and len(os.listdir(links)) == 1,
        30,
        "only the running array's folder left",
    )
    manager.cancel(runs[0]["id"])
    wait_for(manager, runs[0]["id"])


# -- through the sweep API of a real server ------------------------------------------------


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[ServerProcess]:
    """A real Jupyter server whose jobs and sweeps go to SLURM; its root has train.ipynb."""
    root = folder / "root"
    root.mkdir()
    write_notebook(
        root / "train.ipynb",
        "import os, time\nwhile gate and not os.path.exists(gate):\n    time.sleep(0.05)",
        "import jupyter_jobs\njupyter_jobs.record('score', lr * hidden)",
        parameters="lr = 0.1\nhidden = 8\ngate = ''",
    )
    state = folder / "server"
    server = ServerProcess(
        root,
        state,
        {
            "JobsConfig": {
                "jobs_root": str(state / JOBS_ROOT_NAME),
                "db_path": str(state / "jobs.sqlite"),
            },
            "SlurmBackend": {"poll_interval": 0.5, "cancel_grace_seconds": 1.0},
            "JobsApp": {"watch_interval": 0.2},
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.kill()
        active = server_runs(state)
        if active:
            subprocess.run(["scancel", *active], check=False)


def server_runs(state: Path) -> list[str]:
    """The SLURM arrays of the server's runs (for the clean-up)."""
    arrays = set()
    for run in (state / JOBS_ROOT_NAME).glob("*/slurm-array.json"):
        arrays.add(json.loads(run.read_text()).get("script", ""))
    ids = set()
    for entry in json.loads(subprocess.run(["squeue", "--json"], capture_output=True).stdout)[
        "jobs"
    ]:
        if entry.get("command") in arrays:
            ids.add(str(entry["array_job_id"]))
    return sorted(ids)


def wait_for_sweep(server: ServerProcess, sweep_id: str, timeout: float = 150) -> dict[str, Any]:
    return wait_until(
        lambda: (s := server.request("GET", f"sweeps/{sweep_id}"))["status"] in FINAL and s,
        timeout,
        f"sweep {sweep_id} ended",
    )


def test_a_2x2_sweep_through_the_api_is_one_job_array_with_its_table(server: ServerProcess):
    # When a 2 x 2 sweep is sent to SLURM through the REST API, 2 runs at a time
    gate = server.root / "gate-table"
    sweep = server.request(
        "POST",
        "sweeps",
        {
            "path": "train.ipynb",
            "grid": {"lr": [0.5, 0.25], "hidden": [2, 4]},
            "parameters": {"gate": str(gate)},
            "backend": "slurm",
            "max_concurrent": 2,
            "name": "lr search",
        },
    )
    # Then its runs are the tasks of one job array, in grid order
    runs = [server.request("GET", f"jobs/{job_id}") for job_id in sweep["jobs"]]
    array_id = runs[0]["backend_id"].split("_")[0]
    assert [(r["backend"], r["backend_id"]) for r in runs] == [
        ("slurm", f"{array_id}_{i}") for i in range(4)
    ]
    # And squeue shows that array, named after the sweep: two tasks running, two held back
    wait_until(lambda: running_tasks(array_id) == [0, 1], 60, "tasks 0 and 1 running")
    entries = squeue_entries(array_id)
    assert {e["name"] for e in entries} == {"lr search"}
    assert [e["array_task_string"] for e in entries if e["array_task_string"]] == ["2-3%2"]
    held = server.request("GET", f"jobs/{runs[3]['id']}")
    assert held["status"] == "queued"
    # When the runs may go on
    gate.touch()
    done = wait_for_sweep(server, sweep["id"])
    # Then the sweep completed, and its table has each run's parameters and recorded score
    assert done["status"] == "completed", done
    assert done["progress"] == {"done": 4, "failed": 0, "total": 4}
    rows = done["table"]["rows"]
    assert [(r["lr"], r["hidden"], r["score"]) for r in rows] == [
        (0.5, 2, 1.0),
        (0.5, 4, 2.0),
        (0.25, 2, 0.5),
        (0.25, 4, 1.0),
    ]
    assert {r["status"] for r in rows} == {"completed"}


def test_cancelling_a_slurm_sweep_through_the_api_cancels_its_array(server: ServerProcess):
    # Given a SLURM sweep of 3 runs, 2 at a time, waiting for a gate that never opens
    sweep = server.request(
        "POST",
        "sweeps",
        {
            "path": "train.ipynb",
            "grid": {"lr": [1, 2, 3]},
            "parameters": {"gate": str(server.root / "never")},
            "backend": "slurm",
            "max_concurrent": 2,
        },
    )
    array_id = server.request("GET", f"jobs/{sweep['jobs'][0]}")["backend_id"].split("_")[0]
    for job_id in sweep["jobs"][:2]:
        server.wait_for(job_id, "running", timeout=60)
    # When it is cancelled
    server.request("POST", f"sweeps/{sweep['id']}/cancel")
    # Then every run is cancelled, the one never started too, and no process of them is left
    done = wait_for_sweep(server, sweep["id"])
    assert done["status"] == "cancelled", done
    runs = [server.request("GET", f"jobs/{job_id}") for job_id in sweep["jobs"]]
    assert [r["status"] for r in runs] == ["cancelled"] * 3
    assert runs[2]["started_at"] is None
    wait_until(
        lambda: not any(job_processes(job_id) for job_id in sweep["jobs"]), 15, "processes gone"
    )
    # And SLURM cancelled the whole array
    states = {e["job_state"] for e in squeue_entries(array_id)}
    assert states <= {"CANCELLED", "COMPLETING"} and "CANCELLED" in states
