"""The Python API against real jobs: submit, wait, result, follow, list, clean up."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import gated_notebook, wait_until, write_notebook

import jupyter_jobs
from jupyter_jobs import api
from jupyter_jobs.errors import Conflict, InvalidRequest, JobsError, NotFound

# -- submit, wait, result ------------------------------------------------------------------------


def test_submit_wait_and_results(work: Path) -> None:
    # Given a notebook in a sub-directory, with a parameters cell, that records its metrics
    write_notebook(
        work / "project" / "train.ipynb",
        "import jupyter_jobs\n"
        "print(f'epochs={epochs} lr={lr}')\n"
        "jupyter_jobs.record('loss', lr / epochs)\n"
        "jupyter_jobs.record('history', [{'epoch': e} for e in range(epochs)])",
        parameters="epochs = 1\nlr = 0.1",
    )
    # When it is submitted from code with a path relative to the current directory, waiting
    job = jupyter_jobs.submit(
        Path("project/train.ipynb"), parameters={"epochs": 4}, name="training", wait=True
    )
    # Then the handle knows the job, and the job completed with the parameters given
    assert isinstance(job, jupyter_jobs.Job)
    assert job.status == "completed"
    assert (job.name, job.kind, job.backend) == ("training", "notebook", "local")
    assert job.parameters == {"epochs": 4}
    assert job.error is None
    assert "epochs=4 lr=0.1" in job.log()
    # And its results come back as values
    assert job.result() == {"loss": 0.025, "history": [{"epoch": e} for e in range(4)]}
    assert job.refresh().info["output_fetched"] is True
    # And the executed notebook is there to read
    nb = job.output_notebook()
    assert nb.cells[-1].outputs[0]["text"] == "epochs=4 lr=0.1\n"
    assert jupyter_jobs.get(job.id) == job
    assert repr(job) == f"<Job {job.id} 'training' completed>"


def test_a_failed_job_raises_its_error_from_result(work: Path) -> None:
    write_notebook(work / "bad.ipynb", "raise ValueError('bad data in row 7')")
    job = jupyter_jobs.submit("bad.ipynb").wait()
    assert job.status == "failed"
    with pytest.raises(jupyter_jobs.JobFailed) as info:
        job.result()
    assert isinstance(info.value, JobsError)
    assert "ValueError: bad data in row 7" in str(info.value)
    assert job.id in str(info.value)
    assert info.value.error["ename"] == "ValueError"
    assert info.value.job == job
    # A failed job's results were not read: it may not go without force
    assert job.info["output_fetched"] is False


def test_a_script_gets_its_parameters_and_records_results(work: Path) -> None:
    (work / "fit.py").write_text(
        "import argparse, jupyter_jobs\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('--alpha', type=float)\n"
        "p.add_argument('--label')\n"
        "args = p.parse_args()\n"
        "print('fitting', args.alpha, args.label)\n"
        "jupyter_jobs.record('alpha', args.alpha)\n"
    )
    job = jupyter_jobs.submit(work / "fit.py", parameters={"alpha": 0.5, "label": "x y"})
    assert job.wait().status == "completed", job.error
    assert job.log() == "fitting 0.5 x y\n"
    assert job.result() == {"alpha": 0.5}
    with pytest.raises(InvalidRequest, match="script"):
        job.output_notebook()


def test_follow_yields_output_as_it_arrives(work: Path) -> None:
    # Given a job that prints, then waits for a file before it prints again
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    job = jupyter_jobs.submit("gated.ipynb")
    texts = []
    status_at_first = None
    # When its output is followed
    for text in job.follow():
        texts.append(text)
        if "first" in text and status_at_first is None:
            status_at_first = job.status
            # Then the first output came while the job still ran; it has no results yet
            with pytest.raises(Conflict, match="wait for it first"):
                job.result()
            gate.touch()
    # And the rest came too, and following ended with the job
    assert status_at_first == "running"
    assert "".join(texts) == "first\nsecond\n"
    assert job.status == "completed"


def test_wait_with_a_timeout_leaves_the_job_running(work: Path) -> None:
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    job = jupyter_jobs.submit("gated.ipynb")
    with pytest.raises(TimeoutError, match=f"Job {job.id} is still"):
        job.wait(timeout=0.5)
    assert job.status in ("queued", "running")
    gate.touch()
    assert job.wait().status == "completed"


def test_interrupting_wait_stops_the_waiting_not_the_job(work: Path) -> None:
    # Given a Python process waiting for a job it submitted (as in a terminal: own group)
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    waiter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import jupyter_jobs\n"
            "job = jupyter_jobs.submit('gated.ipynb', wait=True)\n"
            "print('RETURNED', job.id, job.info['status'], job.status, flush=True)\n",
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        job = wait_until(jupyter_jobs.last_job, what="the waiter's submit")
        wait_until(lambda: job.status == "running", what="the job running")
        # When Ctrl-C reaches the waiter's whole process group, as a terminal sends it
        os.killpg(waiter.pid, signal.SIGINT)
        out, err = waiter.communicate(timeout=60)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    # Then the waiting stopped: wait() returned the job, still running, and said so
    assert waiter.returncode == 0, err
    assert f"RETURNED {job.id} running running" in out
    assert f"Stopped waiting for job {job.id}" in err
    assert "keeps running" in err
    # And the job itself did not notice: it runs on and completes
    assert job.status == "running"
    gate.touch()
    assert job.wait().status == "completed"
    assert job.log() == "first\nsecond\n"


def test_interrupting_a_kernel_that_waits_keeps_the_job_and_its_handle(work: Path) -> None:
    # Given a notebook kernel (as in JupyterLab) waiting for a job it submitted
    from jupyter_client.manager import start_new_kernel

    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(work))
    try:
        kc.execute("import jupyter_jobs\njob = jupyter_jobs.submit('gated.ipynb', wait=True)")
        job = wait_until(jupyter_jobs.last_job, what="the kernel's submit")
        wait_until(lambda: job.status == "running", what="the job running")
        # When the user presses the interrupt button
        km.interrupt_kernel()
        # Then the cell ends without an error, and the handle is there, the job running
        reply = kc.get_shell_msg(timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        texts: list[str] = []

        def collect(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])

        kc.execute_interactive("print(job.id, job.status)", timeout=60, output_hook=collect)
        assert "".join(texts) == f"{job.id} running\n"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    gate.touch()
    assert job.wait().status == "completed"


def test_cancel_and_a_cancelled_jobs_result(work: Path) -> None:
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    job = jupyter_jobs.submit("gated.ipynb")
    wait_until(lambda: "first" in job.log(), what="first output")
    assert job.cancel().info["status"] == "cancelling"
    assert job.wait().status == "cancelled"
    with pytest.raises(jupyter_jobs.JobCancelled, match="cancelled"):
        job.result()
    # the partial output notebook is kept
    nb = job.output_notebook()
    texts = [o.get("text") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert "first\n" in texts


# -- last job, listing, cleanup ---------------------------------------------------------------


def test_last_job_is_the_last_submitted_from_code_by_any_process(work: Path) -> None:
    # Given a fresh store: no last job
    assert jupyter_jobs.last_job() is None
    (work / "quick.py").write_text("print('hi')\n")
    # When this process submits a job, it is the last one
    first = jupyter_jobs.submit("quick.py")
    assert jupyter_jobs.last_job() == first
    # And when another process (the CLI) submits one, that one is
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", "submit", "quick.py", "--wait"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    second_id = done.stdout.strip()
    assert second_id != first.id
    last = jupyter_jobs.last_job()
    assert last is not None and last.id == second_id
    # And once that job is removed there is no last job any more
    first.wait()
    last.remove(force=True)
    assert jupyter_jobs.last_job() is None


def test_jobs_by_time_window_status_and_backend(work: Path) -> None:
    # Given a job that failed, then (a moment later) one that completed
    (work / "ok.py").write_text("print('ok')\n")
    (work / "bad.py").write_text("raise SystemExit(3)\n")
    older = jupyter_jobs.submit("bad.py").wait()
    time.sleep(0.01)  # so that `between` is a different millisecond than either job's time
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    newer = jupyter_jobs.submit("ok.py").wait()
    assert (older.status, newer.status) == ("failed", "completed")
    # Then listing is newest first, and filters by creation time in every form
    assert jupyter_jobs.jobs() == [newer, older]
    assert jupyter_jobs.jobs(since=between) == [newer]
    assert jupyter_jobs.jobs(until=between) == [older]
    assert jupyter_jobs.jobs(since=between.isoformat()) == [newer]
    assert jupyter_jobs.jobs(since=between.astimezone().replace(tzinfo=None)) == [newer]
    assert jupyter_jobs.jobs(since=timedelta(hours=1)) == [newer, older]
    assert jupyter_jobs.jobs(until=timedelta(hours=1)) == []
    assert jupyter_jobs.jobs(since=between, until=datetime.now(timezone.utc)) == [newer]
    # And by status, single, several or grouped
    assert jupyter_jobs.jobs(status="failed") == [older]
    assert jupyter_jobs.jobs(status=["completed", "failed"]) == [newer, older]
    assert jupyter_jobs.jobs(status="finished") == [newer, older]
    assert jupyter_jobs.jobs(status="active") == []
    # And by backend
    assert jupyter_jobs.jobs(backend="local") == [newer, older]
    assert jupyter_jobs.jobs(backend="slurm") == []
    with pytest.raises(InvalidRequest, match="Unknown status 'done'"):
        jupyter_jobs.jobs(status="done")
    with pytest.raises(InvalidRequest, match="not an ISO 8601 time"):
        jupyter_jobs.jobs(since="yesterday")


def test_cleanup_refuses_unread_results_unless_forced(work: Path) -> None:
    # Given three finished jobs of which only the first had its results read
    (work / "quick.py").write_text("import jupyter_jobs\njupyter_jobs.record('n', 1)\n")
    read, unread1, unread2 = (jupyter_jobs.submit("quick.py") for _ in range(3))
    for job in (read, unread1, unread2):
        assert job.wait().status == "completed"
    assert read.result() == {"n": 1}
    # When all three are cleaned up without force
    with pytest.raises(jupyter_jobs.CleanupRefused) as info:
        jupyter_jobs.cleanup([read, unread1, unread2])
    # Then nothing is removed, and the error says which jobs hold unread results
    message = str(info.value)
    assert message.startswith("Nothing was removed")
    assert unread1.id in message and unread2.id in message and read.id not in message
    assert info.value.unseen == [unread1, unread2]
    assert len(jupyter_jobs.jobs()) == 3
    # And the read one alone goes without force (ids work as well as handles)
    assert jupyter_jobs.cleanup(read.id) == [read.id]
    with pytest.raises(NotFound):
        jupyter_jobs.get(read.id)
    # And with force the unread ones go too; jobs already gone are passed over
    assert jupyter_jobs.cleanup([read, unread1, unread2], force=True) == [unread1.id, unread2.id]
    assert jupyter_jobs.jobs() == []


def test_cleanup_never_removes_a_running_job(work: Path) -> None:
    gate = work / "gate"
    gated_notebook(work / "gated.ipynb", gate)
    job = jupyter_jobs.submit("gated.ipynb")
    with pytest.raises(jupyter_jobs.CleanupRefused, match="still active") as info:
        jupyter_jobs.cleanup(jupyter_jobs.jobs(), force=True)
    assert info.value.active == [job]
    with pytest.raises(Conflict, match="cancel it before removing it"):
        job.remove(force=True)
    gate.touch()
    job.wait()
    assert jupyter_jobs.cleanup(jupyter_jobs.jobs(status="finished"), force=True) == [job.id]


def test_clear_errors_for_bad_input(work: Path) -> None:
    write_notebook(work / "nb.ipynb", "1")
    (work / "notes.txt").write_text("")
    with pytest.raises(NotFound, match="No job with id 'nope'"):
        jupyter_jobs.get("nope")
    with pytest.raises(NotFound, match="No such file"):
        jupyter_jobs.submit("missing.ipynb")
    with pytest.raises(InvalidRequest, match="neither a notebook"):
        jupyter_jobs.submit("notes.txt")
    with pytest.raises(InvalidRequest, match="not a valid Python identifier"):
        jupyter_jobs.submit("nb.ipynb", parameters={"1st": 1})
    with pytest.raises(InvalidRequest, match="Unknown backend 'nowhere'"):
        jupyter_jobs.submit("nb.ipynb", backend="nowhere")
    assert jupyter_jobs.jobs() == []
    assert jupyter_jobs.last_job() is None


# -- one store for code, CLI and server ----------------------------------------------------------


async def test_code_and_the_server_share_one_store(jobs: Any, root: Path, work: Path) -> None:
    # Given a job submitted through the REST API (the Jobs panel's way)
    write_notebook(root / "panel.ipynb", "import jupyter_jobs\njupyter_jobs.record('x', 42)")
    from_panel = await jobs.submit("panel.ipynb")
    # Then code finds it, waits for it and reads its results
    job = jupyter_jobs.get(from_panel["id"])
    await asyncio.to_thread(job.wait)
    assert job.status == "completed"
    assert job.result() == {"x": 42}
    assert (await jobs.get(job.id))["output_fetched"] is True
    # And a job submitted from code, of a file outside the server's root, shows in the server
    write_notebook(work / "code.ipynb", "print('from code')")
    from_code = jupyter_jobs.submit("code.ipynb")
    listed = await jobs.request("GET", "jobs")
    assert [j["id"] for j in listed["jobs"]] == [from_code.id, job.id]
    seen = await jobs.wait_for(from_code.id)
    assert seen["status"] == "completed"
    assert seen["path"] == str(work / "code.ipynb")
    # And the server can remove what code submitted (its output was fetched there)
    await jobs.request("GET", "jobs", from_code.id, "output")
    await jobs.request("DELETE", "jobs", from_code.id)
    with pytest.raises(NotFound):
        jupyter_jobs.get(from_code.id)


def test_the_store_comes_from_every_config_file_the_server_reads(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the extension's own config file (as jupyter_server names it) naming a store
    config_dir = Path(os.environ["JUPYTER_CONFIG_DIR"])
    (config_dir / "jupyter_jupyter_jobs_config.py").write_text(
        f"c.JobsConfig.db_path = {str(tmp_path / 'from-extension-config.sqlite')!r}\n"
        f"c.JobsConfig.default_backend = 'local'\n"
    )
    server_config = json.loads((config_dir / "jupyter_server_config.json").read_text())
    del server_config["JobsConfig"]["db_path"]
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server_config))
    api.configure()
    # Then the API uses it, with jupyter_server_config's jobs_root
    assert jupyter_jobs.jobs() == []
    assert (tmp_path / "from-extension-config.sqlite").is_file()
    # And jupyter_server_config wins where both say something, as in the server
    server_config["JobsConfig"]["db_path"] = str(tmp_path / "from-server-config.sqlite")
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server_config))
    api.configure()
    assert jupyter_jobs.jobs() == []
    assert (tmp_path / "from-server-config.sqlite").is_file()
    # And configure() can put settings on top, for the rest of the process
    api.configure(config={"JobsConfig": {"db_path": str(tmp_path / "configured.sqlite")}})
    (work / "quick.py").write_text("print(1)\n")
    job = jupyter_jobs.submit("quick.py").wait()
    assert (tmp_path / "configured.sqlite").is_file()
    assert (tmp_path / "jobs-root" / job.id).is_dir()
    assert jupyter_jobs.jobs() == [job]
    # And the environment overrides both
    monkeypatch.setenv(api.DB_PATH_ENV, str(tmp_path / "from-env.sqlite"))
    api.configure()
    assert jupyter_jobs.jobs() == []
    assert (tmp_path / "from-env.sqlite").is_file()


def test_the_package_imports_the_api_only_when_used() -> None:
    code = (
        "import sys, jupyter_jobs\n"
        "assert 'jupyter_jobs.api' not in sys.modules\n"
        "assert 'jupyter_jobs.results' not in sys.modules\n"
        "assert 'submit' in dir(jupyter_jobs)\n"
        "record = jupyter_jobs.record\n"
        "assert 'jupyter_jobs.api' not in sys.modules and 'nbformat' not in sys.modules\n"
        "assert jupyter_jobs.submit is jupyter_jobs.api.submit\n"
        "try:\n"
        "    jupyter_jobs.nothing\n"
        "except AttributeError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "has no attribute 'nothing'" in done.stdout
