"""Sweeps through the REST API of one real server: real runs, their table, cancel, re-run,
remove, and every refused input (nothing created)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import wait_until, write_notebook
from server_process import TOKEN, ServerProcess
from test_openapi import schema
from tornado.websocket import websocket_connect

import jupyter_jobs
from jupyter_jobs import api as jobs_api
from jupyter_jobs.cli import main
from jupyter_jobs.configuration import DB_PATH_ENV, JOBS_ROOT_ENV
from jupyter_jobs.errors import Conflict, InvalidRequest, NotFound
from jupyter_jobs.events import JOB_EVENT_SCHEMA_ID
from jupyter_jobs.processes import job_processes, kill_job_processes

MAX_RUNS = 20  # the server's SweepManager.max_runs


class Sweeps:
    """The REST API of the module's server, as the tests use it."""

    def __init__(self, server: ServerProcess, state: Path):
        self.server = server
        self.root = server.root
        self.jobs_root = state / "jobs-root"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        query = urllib.parse.urlencode(params, doseq=True)
        url = f"http://127.0.0.1:{self.server.port}/jupyter-jobs/{path}" + (
            f"?{query}" if query else ""
        )
        data = (body if isinstance(body, bytes) else json.dumps(body).encode()) if body else None
        if data is None and method == "POST":
            data = b"{}"
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode() or "null")

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        code, answer = self.call(method, path, body, **params)
        assert code < 300, (code, answer)
        return answer

    def submit(self, **fields: Any) -> dict[str, Any]:
        code, sweep = self.call("POST", "sweeps", fields)
        assert code == 201, sweep
        jsonschema.validate(sweep, schema("Sweep"))
        return sweep

    def refused(
        self, expected: int, method: str, path: str, body: Any = None, **params: Any
    ) -> str:
        code, answer = self.call(method, path, body, **params)
        assert code == expected, (code, answer)
        assert isinstance(answer, dict) and answer["message"], answer
        return answer["message"]

    def wait_for(self, sweep_id: str, *statuses: str, timeout: float = 120) -> dict[str, Any]:
        wanted = statuses or ("completed", "failed", "cancelled")
        return wait_until(
            lambda: (s := self.ok("GET", f"sweeps/{sweep_id}"))["status"] in wanted and s,
            timeout=timeout,
            what=f"sweep {sweep_id} {wanted}",
        )

    def job(self, job_id: str) -> dict[str, Any]:
        return self.ok("GET", f"jobs/{job_id}")

    def counts(self) -> tuple[int, int, int]:
        """Sweeps, jobs and job directories there are."""
        dirs = [p for p in self.jobs_root.iterdir() if not p.name.startswith(".")]
        return (
            self.ok("GET", "sweeps")["total"],
            self.ok("GET", "jobs")["total"],
            len(dirs),
        )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sweeps]:
    base = tmp_path_factory.mktemp("sweeps")
    root = base / "root"
    root.mkdir()
    server = ServerProcess(
        root,
        base / "state",
        {
            "LocalBackend": {"max_concurrent_jobs": 2, "cancel_grace_seconds": 2.0},
            "JobsApp": {"watch_interval": 0.2},
            "SweepManager": {"max_runs": MAX_RUNS},
        },
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(flaky_kernel(base / "data", base / "died")))
        server.start()  # its runners and their kernels see the flaky kernel too
    write_notebook(
        root / "train.ipynb",
        "import jupyter_jobs\n"
        "jupyter_jobs.record('score', lr * hidden)\n"
        "jupyter_jobs.record('tag', f'h{hidden}')\n"
        "jupyter_jobs.record('history', [lr, hidden])  # not a scalar: not in the table",
        parameters="lr = 0.1\nhidden = 8\nepochs = 1",
    )
    try:
        yield Sweeps(server, base / "state")
    finally:
        server.kill()
        for spec in (base / "state").glob("jobs-root/*/spec.json"):
            kill_job_processes(spec.parent.name)


def flaky_kernel(data_dir: Path, marks: Path) -> Path:
    """A kernelspec `flaky`: a Python kernel that dies at its first start in each job (as a
    kernel does that lost the race for its ports); data_dir goes on JUPYTER_PATH."""
    marks.mkdir()
    spec_dir = data_dir / "kernels" / "flaky"
    spec_dir.mkdir(parents=True)
    (spec_dir / "launch.py").write_text(
        "import os, runpy, sys\n"
        f"mark = os.path.join({str(marks)!r}, os.environ['JUPYTER_JOBS_JOB_ID'])\n"
        "if not os.path.exists(mark):\n"
        "    open(mark, 'w').close()\n"
        "    sys.exit(1)\n"
        "sys.argv[0] = 'ipykernel_launcher'\n"
        "runpy.run_module('ipykernel_launcher', run_name='__main__')\n"
    )
    spec = {
        "argv": [sys.executable, str(spec_dir / "launch.py"), "-f", "{connection_file}"],
        "display_name": "Flaky Python",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return data_dir


@contextmanager
def stopped_at_the_end(api: Sweeps, sweep_id: str) -> Iterator[None]:
    """Whatever happens in the test, the sweep's runs end and the sweep goes."""
    try:
        yield
    finally:
        api.call("POST", f"sweeps/{sweep_id}/cancel")
        with suppress(AssertionError):
            api.wait_for(sweep_id, timeout=60)
        api.call("DELETE", f"sweeps/{sweep_id}", force="true")


def gated(root: Path, name: str, gate: Path, fail_on: str = "False") -> str:
    """A notebook with parameters x and gate_open that waits for `gate`, then fails if
    `fail_on` holds (an expression of x)."""
    write_notebook(
        root / name,
        "import os, time\n"
        f"while not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n"
        f"if {fail_on}:\n    raise ValueError(f'bad x={{x}}')",
        parameters="x = 0",
    )
    return name


# -- a sweep, its runs and its table -------------------------------------------------------


def test_a_2x2_sweep_runs_every_combination_and_tabulates_what_they_recorded(api: Sweeps):
    # When a 2 x 2 grid is submitted with a fixed parameter
    sweep = api.submit(
        path="train.ipynb",
        grid={"lr": [0.5, 0.25], "hidden": [2, 4]},
        parameters={"epochs": 3},
        name="lr search",
    )
    # Then it is one sweep of 4 runs in grid order, each an ordinary job marked with it
    assert sweep["name"] == "lr search" and sweep["path"] == "train.ipynb"
    assert sweep["grid"] == {"lr": [0.5, 0.25], "hidden": [2, 4]}
    assert sweep["parameters"] == {"epochs": 3}
    assert sweep["backend"] == "local" and sweep["kernel_name"] == "python3"
    assert sweep["max_concurrent"] is None
    assert sweep["progress"] == {"done": 0, "failed": 0, "total": 4}
    assert sweep["status"] in ("queued", "running")
    runs = [api.job(job_id) for job_id in sweep["jobs"]]
    assert [(r["sweep_id"], r["sweep_index"]) for r in runs] == [(sweep["id"], i) for i in range(4)]
    assert [r["parameters"] for r in runs] == [
        {"epochs": 3, "lr": 0.5, "hidden": 2},
        {"epochs": 3, "lr": 0.5, "hidden": 4},
        {"epochs": 3, "lr": 0.25, "hidden": 2},
        {"epochs": 3, "lr": 0.25, "hidden": 4},
    ]
    listed = api.ok("GET", "jobs", sweep_id=sweep["id"])
    assert listed["total"] == 4 and {j["id"] for j in listed["jobs"]} == set(sweep["jobs"])
    # When every run has finished
    done = api.wait_for(sweep["id"])
    jsonschema.validate(done, schema("Sweep"))
    # Then the sweep completed, and its table has a row per run with what each recorded
    assert done["status"] == "completed", done
    assert done["progress"] == {"done": 4, "failed": 0, "total": 4}
    table = done["table"]
    assert table["columns"] == [
        *("index", "job_id", "lr", "hidden", "status", "duration_seconds"),
        *("score", "tag"),
    ]
    assert [(r["index"], r["job_id"], r["lr"], r["hidden"]) for r in table["rows"]] == [
        (i, run["id"], run["parameters"]["lr"], run["parameters"]["hidden"])
        for i, run in enumerate(runs)
    ]
    assert [r["score"] for r in table["rows"]] == [1.0, 2.0, 0.5, 1.0]
    assert [r["tag"] for r in table["rows"]] == ["h2", "h4", "h2", "h4"]
    assert all(r["status"] == "completed" and r["duration_seconds"] >= 0 for r in table["rows"])
    # And it is listed, newest first, and by status
    listing = api.ok("GET", "sweeps", status="completed")
    assert sweep["id"] in [s["id"] for s in listing["sweeps"]]
    for item in listing["sweeps"]:
        jsonschema.validate(item, schema("SweepSummary"))
    # And re-running only its failed runs is refused: none failed
    assert "failed" in api.refused(
        409, "POST", f"sweeps/{sweep['id']}/rerun", {"only_failed": True}
    )
    # And removing it needs force while nobody read its results
    assert "force" in api.refused(409, "DELETE", f"sweeps/{sweep['id']}")
    api.ok("DELETE", f"sweeps/{sweep['id']}", force="true")
    api.refused(404, "GET", f"sweeps/{sweep['id']}")
    for job_id in sweep["jobs"]:
        api.refused(404, "GET", f"jobs/{job_id}")
        assert not (api.jobs_root / job_id).exists()


def test_a_sweep_with_max_concurrent_holds_its_runs_and_lets_other_jobs_pass(api: Sweeps):
    # Given a sweep of 2 runs, at most 1 at once, whose runs wait for a gate
    gate = api.root / "gate-limit"
    name = gated(api.root, "limited.ipynb", gate)
    sweep = api.submit(path=name, grid={"x": [1, 2]}, max_concurrent=1)
    assert sweep["max_concurrent"] == 1
    first, second = sweep["jobs"]
    with stopped_at_the_end(api, sweep["id"]):
        wait_until(lambda: api.job(first)["status"] == "running", what="the first run runs")
        # When an ordinary job is submitted after it (the local queue takes 2 at once)
        write_notebook(api.root / "quick.ipynb", "print('quick')")
        code, other = api.call("POST", "jobs", {"path": "quick.ipynb"})
        assert code == 201 and other["sweep_id"] is None and other["sweep_index"] is None
        # Then the job passes the held second run and completes, while that run still waits
        wait_until(lambda: api.job(other["id"])["status"] == "completed", what="the other job")
        assert api.job(second)["status"] == "queued"
        assert api.ok("GET", f"sweeps/{sweep['id']}")["status"] == "running"
        # And once the first run ends, the second runs
        gate.touch()
        done = api.wait_for(sweep["id"])
        assert done["status"] == "completed", done
        first_end = api.job(first)["finished_at"]
        assert api.job(second)["started_at"] >= first_end


def test_cancelling_a_running_sweep_stops_every_run(api: Sweeps):
    # Given a sweep of 3 runs that never end, 2 of them running
    name = gated(api.root, "forever.ipynb", api.root / "never")
    sweep = api.submit(path=name, grid={"x": [1, 2, 3]})
    with stopped_at_the_end(api, sweep["id"]):
        wait_until(
            lambda: [api.job(j)["status"] for j in sweep["jobs"]].count("running") == 2,
            what="two runs running",
        )
        # When it is removed while active, that is refused
        assert "cancel" in api.refused(409, "DELETE", f"sweeps/{sweep['id']}", force="true")
        # When it is cancelled
        cancelled = api.ok("POST", f"sweeps/{sweep['id']}/cancel")
        jsonschema.validate(cancelled, schema("Sweep"))
        assert {api.job(j)["status"] for j in sweep["jobs"]} <= {"cancelling", "cancelled"}
        # Then every run ends cancelled and no process of any run is left
        done = api.wait_for(sweep["id"], timeout=60)
        assert done["status"] == "cancelled", done
        assert [r["status"] for r in done["table"]["rows"]] == ["cancelled"] * 3
        for job_id in sweep["jobs"]:
            wait_until(lambda j=job_id: not job_processes(j), timeout=20, what=f"{job_id} gone")
        # And cancelling it again is a conflict, as for a finished job
        assert "finished" in api.refused(409, "POST", f"sweeps/{sweep['id']}/cancel")


def test_rerunning_the_failed_runs_makes_a_sweep_of_those_only(api: Sweeps):
    # Given a finished sweep whose run with x=2 failed
    gate = api.root / "gate-open"
    gate.touch()
    name = gated(api.root, "flaky.ipynb", gate, fail_on="x == 2")
    sweep = api.submit(path=name, grid={"x": [1, 2]}, max_concurrent=2)
    done = api.wait_for(sweep["id"])
    assert done["status"] == "failed"
    assert done["progress"] == {"done": 2, "failed": 1, "total": 2}
    # When only its failed runs are re-run
    code, again = api.call("POST", f"sweeps/{sweep['id']}/rerun", {"only_failed": True})
    # Then the new sweep keeps the grid and settings, with the failed parameter set only
    assert code == 201, again
    assert again["id"] != sweep["id"] and again["rerun_of"] == sweep["id"]
    assert again["grid"] == {"x": [1, 2]} and again["max_concurrent"] == 2
    assert again["progress"]["total"] == 1
    run = api.job(again["jobs"][0])
    assert (run["sweep_id"], run["sweep_index"], run["parameters"]) == (again["id"], 0, {"x": 2})
    assert api.wait_for(again["id"])["status"] == "failed"
    # And a plain re-run (an empty body) runs all of a sweep's parameter sets again
    code, whole = api.call("POST", f"sweeps/{again['id']}/rerun", b" ")
    assert code == 201 and whole["progress"]["total"] == 1, whole
    assert whole["grid"] == {"x": [1, 2]} and whole["rerun_of"] == again["id"]
    assert api.job(whole["jobs"][0])["parameters"] == {"x": 2}
    api.wait_for(whole["id"])
    for sweep_id in (sweep["id"], again["id"], whole["id"]):
        api.ok("DELETE", f"sweeps/{sweep_id}", force="true")


def test_a_script_sweep_takes_any_grid_name(api: Sweeps):
    (api.root / "echo.py").write_text("import sys\nprint(sys.argv[1:])\n")
    sweep = api.submit(path="echo.py", grid={"anything": ["a", "b"]})
    done = api.wait_for(sweep["id"])
    assert done["status"] == "completed"
    assert done["kind"] == "script" and done["kernel_name"] is None
    assert [r["anything"] for r in done["table"]["rows"]] == ["a", "b"]
    api.ok("DELETE", f"sweeps/{sweep['id']}", force="true")


# -- refused -----------------------------------------------------------------------------------


REFUSED = [
    ({"path": "train.ipynb"}, 400, "'grid'"),
    ({"path": "train.ipynb", "grid": {}}, 400, "'grid'"),
    ({"path": "train.ipynb", "grid": [1, 2]}, 400, "'grid'"),
    ({"path": "train.ipynb", "grid": {"lr": []}}, 400, "empty list"),
    ({"path": "train.ipynb", "grid": {"lr": 0.1}}, 400, "must be a list"),
    ({"path": "train.ipynb", "grid": {"lr": [1], "hidden": "2"}}, 400, "must be a list"),
    ({"path": "train.ipynb", "grid": {"not a name": [1]}}, 400, "identifier"),
    (
        {"path": "train.ipynb", "grid": {"lr": [1, 2]}, "parameters": {"lr": 3}},
        400,
        "both in the grid and a fixed parameter",
    ),
    (
        {"path": "train.ipynb", "grid": {"lr": list(range(5)), "hidden": list(range(5))}},
        400,
        f"5 x 5 = 25 runs; a sweep may have at most {MAX_RUNS}",
    ),
    ({"path": "train.ipynb", "grid": {"seed": [1, 2]}}, 400, "not a parameter of 'train.ipynb'"),
    ({"path": "plain.ipynb", "grid": {"lr": [1, 2]}}, 400, "no cell tagged `parameters`"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "max_concurrent": 0}, 400, "max_concurrent"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "max_concurrent": -1}, 400, "max_concurrent"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "max_concurrent": "2"}, 400, "max_concurrent"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "max_concurrent": True}, 400, "max_concurrent"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "max_concurrent": 1.5}, 400, "max_concurrent"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "seeds": [1]}, 400, "Unknown field"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "backend": "nowhere"}, 400, "Unknown backend"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "name": ""}, 400, "'name'"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "parameters": [1]}, 400, "'parameters'"),
    ({"path": "train.ipynb", "grid": {"lr": [1]}, "kernel_name": "nope"}, 400, "kernel"),
    ({"path": "../outside.ipynb", "grid": {"lr": [1]}}, 400, "outside the server root"),
    ({"path": "missing.ipynb", "grid": {"lr": [1]}}, 404, "No such file"),
    ({"grid": {"lr": [1]}}, 400, "'path'"),
]


def test_bad_sweeps_are_refused_and_nothing_is_created(api: Sweeps):
    write_notebook(api.root / "plain.ipynb", "print(1)")
    before = api.counts()
    for body, status, words in REFUSED:
        message = api.refused(status, "POST", "sweeps", body)
        assert words in message, (body, message)
    for body in (b"[1]", b"not json", b'{"path": NaN}'):
        api.refused(400, "POST", "sweeps", body)
    assert api.counts() == before


def test_unknown_sweeps_and_bad_arguments(api: Sweeps):
    for method, path in [
        ("GET", "sweeps/nope"),
        ("DELETE", "sweeps/nope"),
        ("POST", "sweeps/nope/cancel"),
        ("POST", "sweeps/nope/rerun"),
    ]:
        assert "nope" in api.refused(404, method, path)
    assert "status" in api.refused(400, "GET", "sweeps", status="cancelling")
    assert "limit" in api.refused(400, "GET", "sweeps", limit="0")
    assert "since" in api.refused(400, "GET", "sweeps", since="yesterday")
    before = api.counts()
    (api.root / "echo2.py").write_text("print(1)\n")
    sweep = api.submit(path="echo2.py", grid={"n": [1]})
    for body in ({"only_failed": "yes"}, {"only": True}):
        api.refused(400, "POST", f"sweeps/{sweep['id']}/rerun", body)
    api.wait_for(sweep["id"])
    api.ok("DELETE", f"sweeps/{sweep['id']}", force="true")
    assert api.counts() == before


def test_sweeps_are_listed_newest_first_with_the_filters_of_jobs(api: Sweeps):
    (api.root / "list.py").write_text("print(1)\n")
    older = api.submit(path="list.py", grid={"n": [1]})
    time.sleep(0.01)  # created_at has milliseconds: the two must not tie
    newer = api.submit(path="list.py", grid={"n": [1, 2]})
    page = api.ok("GET", "sweeps", limit="1")
    assert page["total"] >= 2 and [s["id"] for s in page["sweeps"]] == [newer["id"]]
    assert api.ok("GET", "sweeps", limit="1", offset="1")["sweeps"][0]["id"] == older["id"]
    assert api.ok("GET", "sweeps", since=newer["created_at"])["total"] == 1
    assert older["id"] in [
        s["id"] for s in api.ok("GET", "sweeps", until=newer["created_at"])["sweeps"]
    ]
    assert api.ok("GET", "sweeps", backend="slurm")["total"] == 0
    for sweep in (older, newer):
        api.wait_for(sweep["id"])
        api.ok("DELETE", f"sweeps/{sweep['id']}", force="true")


# -- the Python API and the CLI, on the same job store ------------------------------------------


@pytest.fixture
def user(api: Sweeps, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Code and the CLI in the server's root, reading the server's config (its job store)."""
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(api.server.config_dir))
    monkeypatch.delenv(JOBS_ROOT_ENV, raising=False)
    monkeypatch.delenv(DB_PATH_ENV, raising=False)
    monkeypatch.chdir(api.root)
    jobs_api.configure()
    yield api.root
    jobs_api.configure()


def test_the_python_api_runs_a_sweep_and_finds_the_best_run(api: Sweeps, user: Path):
    # When a sweep is made from code and waited for
    sweep = jupyter_jobs.sweep(
        "train.ipynb", {"lr": [1, 3], "hidden": [2]}, parameters={"epochs": 2}, wait=True
    )
    # Then it is a Sweep whose runs are Jobs in grid order
    assert isinstance(sweep, jupyter_jobs.Sweep)
    assert sweep.status == "completed" and sweep.progress == {"done": 2, "failed": 0, "total": 2}
    assert [job.parameters for job in sweep.jobs] == [
        {"epochs": 2, "lr": 1, "hidden": 2},
        {"epochs": 2, "lr": 3, "hidden": 2},
    ]
    assert all(isinstance(job, jupyter_jobs.Job) for job in sweep.jobs)
    # And it is found again, by id and in the list, as the REST API sees it
    assert jupyter_jobs.get_sweep(sweep.id) == sweep
    assert sweep in jupyter_jobs.sweeps(status="finished")
    assert api.ok("GET", f"sweeps/{sweep.id}")["jobs"] == [job.id for job in sweep.jobs]
    # And its table is a DataFrame with pandas, the same rows as dicts without it
    frame = sweep.table()
    assert list(frame.columns) == [
        *("index", "job_id", "lr", "hidden", "status", "duration_seconds", "score", "tag")
    ]
    assert list(frame["score"]) == [2, 6]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
        rows = sweep.table()
    assert rows == frame.to_dict("records")
    # And the best run is the one whose metric is biggest, or smallest
    assert sweep.best("score") == sweep.jobs[1]
    assert sweep.best("score", mode="min") == sweep.jobs[0]
    with pytest.raises(NotFound, match="'accuracy'"):
        sweep.best("accuracy")
    with pytest.raises(InvalidRequest):
        sweep.best("score", mode="median")
    # And reading the table counted as reading the results: it is removed without force
    sweep.remove()
    with pytest.raises(NotFound):
        jupyter_jobs.get_sweep(sweep.id)


def test_the_python_api_refuses_a_bad_grid_and_cancels_a_sweep(api: Sweeps, user: Path):
    with pytest.raises(InvalidRequest, match="not a parameter"):
        jupyter_jobs.sweep("train.ipynb", {"seed": [1, 2]})
    name = gated(api.root, "api-forever.ipynb", api.root / "never")
    sweep = jupyter_jobs.sweep(name, {"x": [1, 2]}, max_concurrent=1)
    assert sweep.info["max_concurrent"] == 1
    sweep.cancel()
    assert sweep.wait(timeout=60).status == "cancelled"
    with pytest.raises(Conflict):
        sweep.remove()  # its results were never read
    sweep.remove(force=True)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`jupyter jobs ARGS` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def cli_here(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`jupyter jobs ARGS` in this process: the same code, without a Python start-up."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["jupyter", "jobs", *args], code, out, err)


def test_the_cli_runs_shows_and_removes_a_sweep(
    api: Sweeps, user: Path, capsys: pytest.CaptureFixture[str]
):
    # When a sweep is run from the command line, following it
    done = cli(
        *("sweep", "train.ipynb", "-g", "lr", "0.5", "1", "-g", "hidden", "2"),
        *("-p", "epochs", "2", "--name", "from cli", "--max-concurrent", "2", "--follow"),
        cwd=user,
    )
    # Then it prints its id, each run as it ends, and the table; every run completed
    assert done.returncode == 0, done.stderr
    sweep_id = done.stdout.splitlines()[0]
    assert done.stdout.count("completed") >= 2
    assert "score" in done.stdout and "h2" in done.stdout
    assert "from cli" in done.stderr and "2/2 done, 0 failed" in done.stderr
    # And it is listed, and shown as JSON with its values typed as -p types them
    assert sweep_id in cli_here(capsys, "sweeps", "-q").stdout.split()
    listing = cli_here(capsys, "sweeps", "--status", "finished")
    assert "FAILED" in listing.stdout and "from cli" in listing.stdout
    shown = json.loads(cli_here(capsys, "sweep-show", sweep_id, "--json").stdout)
    assert shown["grid"] == {"lr": [0.5, 1], "hidden": [2]} and shown["max_concurrent"] == 2
    assert [row["score"] for row in shown["table"]["rows"]] == [1.0, 2]
    text = cli_here(capsys, "sweep-show", sweep_id).stdout
    assert "2/2 done" in text and "duration_seconds" in text
    # And a finished sweep cannot be cancelled, nor removed unread without --force
    assert cli_here(capsys, "sweep-cancel", sweep_id).returncode == 4
    refused = cli_here(capsys, "sweep-rm", sweep_id)
    assert refused.returncode == 4 and "force" in refused.stderr
    removed = cli_here(capsys, "sweep-rm", "--force", sweep_id)
    assert removed.returncode == 0 and removed.stdout.split() == [sweep_id]
    assert cli_here(capsys, "sweep-show", sweep_id).returncode == 3


def test_the_cli_refuses_bad_grids(api: Sweeps, user: Path, capsys: pytest.CaptureFixture[str]):
    before = api.counts()
    no_values = cli("sweep", "train.ipynb", "-g", "lr", cwd=user)  # as typed, in a shell
    assert no_values.returncode == 2 and "at least one value" in no_values.stderr
    no_grid = cli_here(capsys, "sweep", "train.ipynb")
    assert no_grid.returncode == 2 and "-g" in no_grid.stderr
    unknown = cli_here(capsys, "sweep", "train.ipynb", "-g", "seed", "1", "2")
    assert unknown.returncode == 2 and "not a parameter" in unknown.stderr
    assert api.counts() == before


def test_the_push_channel_tells_of_a_sweep_and_its_runs(api: Sweeps):
    async def watch() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        url = f"ws://127.0.0.1:{api.server.port}/api/events/subscribe?token={TOKEN}"
        connection = await websocket_connect(url)
        seen: list[dict[str, Any]] = []
        try:
            (api.root / "pushed.py").write_text("print(1)\n")
            sweep = await asyncio.to_thread(api.submit, path="pushed.py", grid={"n": [1]})
            await asyncio.to_thread(api.wait_for, sweep["id"])
            await asyncio.to_thread(api.ok, "DELETE", f"sweeps/{sweep['id']}", force="true")
            while not any(d.get("action") == "sweep-removed" for d in seen):
                message = await asyncio.wait_for(connection.read_message(), timeout=30)
                assert message is not None, "the event stream closed"
                event = json.loads(message)  # the event's data, with its schema_id
                if event.pop("schema_id", None) == JOB_EVENT_SCHEMA_ID:
                    seen.append(event)
            return sweep, seen
        finally:
            connection.close()

    sweep, seen = asyncio.run(watch())
    # Then the sweep came as one event, its run as jobs' events, and its removal as one
    created = [d for d in seen if d["action"] == "sweep-updated"]
    assert created and created[0]["sweep"]["id"] == sweep["id"]
    assert created[0]["sweep"]["jobs"] == sweep["jobs"]
    runs = [d["job"] for d in seen if d["action"] == "updated"]
    assert {(j["id"], j["sweep_id"], j["sweep_index"]) for j in runs} == {
        (sweep["jobs"][0], sweep["id"], 0)
    }
    assert {"action": "sweep-removed", "sweep_id": sweep["id"]} in seen


def test_a_run_whose_kernel_dies_as_it_starts_gets_another_kernel(api: Sweeps):
    # Given a notebook on a kernel that dies at its first start in each run
    write_notebook(api.root / "flaky.ipynb", "print(n)", parameters="n = 0")
    # When a sweep of it runs, both runs starting at once
    sweep = api.submit(path="flaky.ipynb", grid={"n": [1, 2]}, kernel_name="flaky")
    done = api.wait_for(sweep["id"])
    # Then each run lost its first kernel, started another, and completed
    assert done["status"] == "completed", [api.job(j)["error"] for j in sweep["jobs"]]
    assert sorted(p.name for p in (api.root.parent / "died").iterdir()) == sorted(sweep["jobs"])
    api.ok("DELETE", f"sweeps/{sweep['id']}", force="true")
