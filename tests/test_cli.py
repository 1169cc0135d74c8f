"""`jupyter jobs` against real jobs: commands, output for people and scripts, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import gated_notebook, wait_until, write_notebook, write_user_config

from jupyter_jobs import api
from jupyter_jobs.cli import main

JOB_SETTINGS = ("JobsConfig", "LocalBackend")


def cli(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `jupyter jobs ARGS` as a user would, in cwd, with this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def cli_here(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `jupyter jobs ARGS` in this process: the same code, without a Python start-up."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["jupyter", "jobs", *args], code, out, err)


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], jp_config_dir: Path, tmp_path: Path):
    """The test server, with the job settings in the config file instead of in memory."""
    write_user_config(jp_config_dir, tmp_path)
    return {k: v for k, v in jp_server_config.items() if k not in JOB_SETTINGS}


# -- submit ----------------------------------------------------------------------------------------


def test_submit_types_parameters_as_papermill_does(work: Path) -> None:
    # Given a notebook that shows the type of each parameter it gets
    write_notebook(
        work / "params.ipynb",
        "print(repr(n), repr(rate), repr(label), repr(flag), repr(nothing), repr(raw), "
        "repr(seeds))",
        parameters="n = 0\nrate = 0.0\nlabel = ''\nflag = False\nnothing = 1\nraw = ''\nseeds = []",
    )
    (work / "more.yaml").write_text("seeds: [1, 2]\nn: 99\n")
    # When it is submitted with -p, -r and a parameters file, waiting for it
    done = cli(
        "submit",
        "params.ipynb",
        "-f",
        "more.yaml",
        "-p",
        "n",
        "3",
        "-p",
        "rate",
        "0.5",
        "-p",
        "label",
        "hello world",
        "-p",
        "flag",
        "True",
        "-p",
        "nothing",
        "None",
        "-r",
        "raw",
        "7",
        "--wait",
        cwd=work,
    )
    # Then it completed (exit 0), stdout is just the job's id, and numbers stayed numbers
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()
    assert "completed" in done.stderr
    logs = cli("logs", job_id, cwd=work)
    assert logs.returncode == 0
    assert logs.stdout == "3 0.5 'hello world' True None '7' [1, 2]\n"
    assert api.get(job_id).parameters == {
        "seeds": [1, 2],
        "n": 3,
        "rate": 0.5,
        "label": "hello world",
        "flag": True,
        "nothing": None,
        "raw": "7",
    }


def test_submit_wait_and_follow_exit_codes(work: Path) -> None:
    write_notebook(work / "ok.ipynb", "print('all good')")
    (work / "ok.py").write_text("print('fine')\n")
    (work / "bad.py").write_text("print('trying', flush=True)\nraise ValueError('boom')\n")
    # A job that completes: 0, with its output as it came when following
    done = cli("submit", "ok.ipynb", "--follow", "--name", "good one", cwd=work)
    assert done.returncode == 0, done.stderr
    job_id, output = done.stdout.split("\n", 1)
    assert output == "all good\n"
    assert f"Job {job_id} (good one) completed" in done.stderr
    # A job that fails: 1, with its error, whether waited for or followed
    done = cli("submit", "bad.py", "--wait", cwd=work)
    assert done.returncode == 1
    assert "failed" in done.stderr and "ValueError: boom" in done.stderr
    done = cli("submit", "bad.py", "--follow", cwd=work)
    assert done.returncode == 1
    assert "trying\n" in done.stdout and "ValueError: boom" in done.stdout  # the traceback
    # --json gives the final job to scripts
    done = cli("submit", "ok.py", "--wait", "--json", cwd=work)
    assert done.returncode == 0
    job = json.loads(done.stdout)
    assert job["status"] == "completed" and job["name"] == "ok"
    # Without waiting: 0 at once, the id on stdout
    done = cli("submit", "ok.py", cwd=work)
    assert done.returncode == 0
    assert api.get(done.stdout.strip()).wait().status == "completed"


def test_a_cancelled_job_makes_the_waiting_submit_fail(work: Path) -> None:
    gated_notebook(work / "gated.ipynb", work / "gate")
    waiter = subprocess.Popen(
        [sys.executable, "-m", "jupyter_jobs.cli", "submit", "gated.ipynb", "--wait"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert waiter.stdout is not None
        job_id = waiter.stdout.readline().strip()
        wait_until(lambda: api.get(job_id).status == "running", what="running")
        cancel = cli("cancel", job_id, cwd=work)
        assert cancel.returncode == 0, cancel.stderr
        assert "cancelling" in cancel.stderr
        _, err = waiter.communicate(timeout=120)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    assert waiter.returncode == 1
    assert f"Job {job_id} (gated) cancelled" in err
    # And cancelling it again is refused: it has finished
    again = cli("cancel", job_id, cwd=work)
    assert again.returncode == 4
    assert "already finished (cancelled)" in again.stderr


def test_ctrl_c_during_submit_wait_leaves_the_job_running(work: Path) -> None:
    # Given `jupyter jobs submit --wait` in a terminal (its own process group)
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    waiter = subprocess.Popen(
        [sys.executable, "-m", "jupyter_jobs.cli", "submit", "gated.ipynb", "--wait"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert waiter.stdout is not None
        job_id = waiter.stdout.readline().strip()
        wait_until(lambda: api.get(job_id).status == "running", what="running")
        # When Ctrl-C reaches it
        os.killpg(waiter.pid, signal.SIGINT)
        _, err = waiter.communicate(timeout=60)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    # Then it stops waiting with 130 and says the job keeps running, which it does
    assert waiter.returncode == 130, err
    assert f"Stopped waiting; job {job_id} (gated) keeps running" in err
    assert "Traceback" not in err
    job = api.get(job_id)
    assert job.status == "running"
    gate.touch()
    assert job.wait().status == "completed"


# -- reading and removing ------------------------------------------------------------------------


def test_list_show_logs_output_results_and_rm(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a completed job that recorded results, and a failed one
    write_notebook(
        work / "train.ipynb",
        "import jupyter_jobs, numpy as np\nprint('training')\n"
        "jupyter_jobs.record('accuracy', 0.93)\njupyter_jobs.record('weights', np.zeros(3))",
    )
    (work / "broken.py").write_text("raise SystemExit(2)\n")
    broken = cli("submit", "broken.py", "--wait", cwd=work)
    assert broken.returncode == 1
    broken_id = broken.stdout.strip()
    done = cli("submit", "train.ipynb", "--wait", cwd=work)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()

    # list: a table for people, JSON and bare ids for scripts, filters by status and time
    table = cli_here(capsys, "list").stdout.splitlines()
    assert table[0].split() == [
        "ID",
        "NAME",
        "STATUS",
        "BACKEND",
        "CREATED",
        "DURATION",
        "PROGRESS",
    ]
    assert table[1].split()[:4] == [job_id, "train", "completed", "local"]
    assert table[2].split()[:4] == [broken_id, "broken", "failed", "local"]
    listed = json.loads(cli_here(capsys, "list", "--json").stdout)
    assert [j["id"] for j in listed] == [job_id, broken_id]
    assert cli_here(capsys, "ls", "--status", "failed", "-q").stdout.split() == [broken_id]
    assert cli_here(capsys, "list", "--status", "finished", "-q").stdout.split() == [
        job_id,
        broken_id,
    ]
    assert cli_here(capsys, "list", "--since", "1h", "-q").stdout.split() == [job_id, broken_id]
    empty = cli_here(capsys, "list", "--until", "1h")
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "No jobs.\n")
    created = datetime.fromisoformat(listed[0]["created_at"].replace("Z", "+00:00"))
    just_before = (created - timedelta(milliseconds=1)).isoformat()
    assert cli_here(capsys, "list", "--since", just_before, "-q").stdout.split() == [job_id]
    assert cli_here(capsys, "list", "--until", just_before, "-q").stdout.split() == [broken_id]

    # show: the details, with the results' names, without marking them read
    shown = cli_here(capsys, "show", job_id).stdout
    assert "status:       completed" in shown
    assert "results:      accuracy, weights" in shown
    assert "results read: no" in shown
    assert json.loads(cli_here(capsys, "show", job_id, "--json").stdout)["id"] == job_id
    assert "The script exited with code 2" in cli_here(capsys, "show", broken_id).stdout

    # logs: the job's output
    assert cli_here(capsys, "logs", job_id).stdout == "training\n"

    # rm refuses a job whose results nobody read, and says what to do
    refused = cli_here(capsys, "rm", job_id)
    assert refused.returncode == 4
    assert "Nothing was removed" in refused.stderr and job_id in refused.stderr
    assert "force" in refused.stderr

    # results: plain values shown, pickled ones described; reading them counts
    results = cli_here(capsys, "results", job_id)
    assert results.returncode == 0, results.stderr
    lines = results.stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "SIZE", "VALUE"]
    assert lines[1].split() == ["accuracy", "float", "4", "bytes", "0.93"]
    assert lines[2].startswith("weights") and "numpy.ndarray" in lines[2]
    as_json = json.loads(cli_here(capsys, "results", job_id, "--json").stdout)
    assert as_json["results"][0] == {
        "name": "accuracy",
        "format": "json",
        "size": 4,
        "type": "float",
        "value": 0.93,
    }
    assert "value" not in as_json["results"][1]
    failed = cli_here(capsys, "results", broken_id)
    assert failed.returncode == 1
    assert f"Job {broken_id} (broken) failed: The script exited with code 2" in failed.stderr

    # output: the notebook, to a file or to stdout
    assert cli_here(capsys, "output", job_id, "-o", "out.ipynb").returncode == 0
    nb = nbformat.read(str(work / "out.ipynb"), as_version=4)
    assert nb.cells[0].outputs[0]["text"] == "training\n"
    assert json.loads(cli_here(capsys, "output", job_id).stdout)["nbformat"] == 4

    # rm: now without force; the unread failed job needs --force; gone is gone
    removed = cli_here(capsys, "rm", job_id)
    assert (removed.returncode, removed.stdout) == (0, f"{job_id}\n")
    assert cli_here(capsys, "rm", broken_id).returncode == 4
    assert cli_here(capsys, "rm", broken_id, "--force").returncode == 0
    gone = cli_here(capsys, "rm", job_id)
    assert gone.returncode == 3
    assert f"No job with id '{job_id}'" in gone.stderr
    assert cli_here(capsys, "list", "-q").stdout == ""


def test_logs_follow_streams_until_the_job_ends(work: Path) -> None:
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    job_id = cli("submit", "gated.ipynb", cwd=work).stdout.strip()
    follower = subprocess.Popen(
        [sys.executable, "-m", "jupyter_jobs.cli", "logs", "-f", job_id],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline() == "first\n"  # while the job waits for the gate
        assert api.get(job_id).status == "running"
        gate.touch()
        out, err = follower.communicate(timeout=120)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert out == "second\n"
    assert follower.returncode == 0
    assert f"Job {job_id} (gated) completed" in err


def test_clear_messages_and_exit_codes_for_mistakes(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(work / "nb.ipynb", "1")
    (work / "notes.txt").write_text("")

    def check(args: list[str], code: int, message: str, process: bool = False) -> None:
        """Run the command in a process of its own, or (faster) in this one."""
        if process:
            done = cli(*args, cwd=work)
            returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
        else:
            try:
                returncode = main(args)
            except SystemExit as e:
                returncode = int(e.code or 0)
            stdout, stderr = capsys.readouterr()
        assert returncode == code, (args, stdout, stderr)
        assert message in stderr, (args, stderr)
        assert "Traceback" not in stderr

    check(["submit", "missing.ipynb"], 3, "No such file", process=True)
    check(["show", "nope"], 3, "No job with id 'nope'", process=True)
    check(["frobnicate"], 2, "invalid choice: 'frobnicate'", process=True)
    check(["--config", "missing.py", "list"], 3, "No such config file", process=True)
    check(["submit", "notes.txt"], 2, "neither a notebook (.ipynb) nor a Python script")
    check(["submit", "nb.ipynb", "-p", "1x", "3"], 2, "not a valid Python identifier")
    check(["submit", "nb.ipynb", "--backend", "nowhere"], 2, "Unknown backend 'nowhere'")
    check(["submit", "nb.ipynb", "--resource", "cpus"], 2, "--resource takes KEY=VALUE")
    check(["submit", "nb.ipynb", "--resource", "cpus=2"], 2, "does not take the resource(s) cpus")
    check(["submit", "nb.ipynb", "--wait", "--follow"], 2, "not allowed with argument")
    check(["submit", "nb.ipynb", "--follow", "--json"], 2, "--json goes with --wait")
    check(["submit", "nb.ipynb", "-f", "nope.yaml"], 3, "No such parameters file")
    check(["submit", "nb.ipynb", "-p", "n"], 2, "expected 2 arguments")
    for command in ("logs", "cancel", "rm", "output", "results"):
        check([command, "nope"], 3, "No job with id 'nope'")
    check(["list", "--status", "done"], 2, "invalid choice: 'done'")
    check(["list", "--since", "yesterday"], 2, "'since' is not an ISO 8601 time")
    # nothing was created by any of it
    assert api.jobs() == []
    # no command: the usage, and 2
    bare = cli(cwd=work)
    assert bare.returncode == 2 and "usage: jupyter jobs" in bare.stdout


def test_config_file_option_chooses_another_store(work: Path, tmp_path: Path) -> None:
    # Given a config file (Python, as `jupyter server --config` takes) naming another store
    other = tmp_path / "other"
    (work / "other_config.py").write_text(
        f"c.JobsConfig.jobs_root = {str(other / 'jobs')!r}\n"
        f"c.JobsConfig.db_path = {str(other / 'jobs.sqlite')!r}\n"
    )
    (work / "quick.py").write_text("print(1)\n")
    # When a job is submitted with it
    done = cli("--config", "other_config.py", "submit", "quick.py", "--wait", cwd=work)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()
    # Then it is in that store, and not in the usual one
    assert (other / "jobs" / job_id).is_dir()
    assert cli("--config", "other_config.py", "list", "-q", cwd=work).stdout.split() == [job_id]
    assert cli("list", "-q", cwd=work).stdout == ""


def test_the_jupyter_command_runs_it() -> None:
    jupyter = shutil.which("jupyter")
    assert jupyter is not None
    done = subprocess.run(
        [jupyter, "jobs", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "usage: jupyter jobs" in done.stdout
    for command in ("submit", "list", "show", "logs", "cancel", "rm", "output", "results"):
        assert command in done.stdout


# -- one store with the server -------------------------------------------------------------------


async def test_a_cli_job_is_visible_through_the_servers_rest_api(
    jobs: Any, root: Path, tmp_path: Path
) -> None:
    # Given a server and the CLI that read the same config file (none of it is in memory)
    write_notebook(root / "from_cli.ipynb", "import jupyter_jobs\njupyter_jobs.record('n', 5)")
    write_notebook(root / "from_panel.ipynb", "print('panel')")
    # When the CLI submits a job, from the server's root directory
    done = cli("submit", "from_cli.ipynb", "--name", "cli job", cwd=root)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()
    # Then the server lists it and follows it to the end
    listed = await jobs.request("GET", "jobs")
    assert [j["id"] for j in listed["jobs"]] == [job_id]
    job = await jobs.wait_for(job_id)
    assert (job["name"], job["status"], job["path"]) == ("cli job", "completed", "from_cli.ipynb")
    answer = await jobs.request("GET", "jobs", job_id, "results")
    assert [r["name"] for r in answer["results"]] == ["n"]
    # And a job of the server's shows in the CLI, which can read and remove it
    panel = await jobs.submit("from_panel.ipynb")
    await jobs.wait_for(panel["id"])
    shown = json.loads(cli("list", "--json", cwd=tmp_path).stdout)
    assert [j["id"] for j in shown] == [panel["id"], job_id]
    assert cli("logs", panel["id"], cwd=tmp_path).stdout == "panel\n"
    assert cli("rm", "--force", panel["id"], job_id, cwd=tmp_path).returncode == 0
    assert (await jobs.request("GET", "jobs"))["jobs"] == []
    # (the job store is where the config file said)
    assert (tmp_path / "jobs.sqlite").is_file()
