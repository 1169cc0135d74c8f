"""Private job files: 0700/0600 whatever the umask, nothing for another user, no foreign pickle.

Real jobs (a kernel and papermill, scripts, a SLURM batch job) run with a
permissive umask; a second real Unix user (`jj-other`, created here) probes
what it can reach. The store lives in a directory every user can traverse, as
on a cluster's shared filesystem, so only the modes jupyter-jobs sets protect it.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_until, write_notebook
from server_process import TOKEN, ServerProcess, free_port

from jupyter_jobs import api
from jupyter_jobs.configuration import DB_PATH_ENV, JOBS_ROOT_ENV
from jupyter_jobs.private import UnsafeFile, UnsafeRoot
from jupyter_jobs.results import RESULTS_DIR

OTHER = "jj-other"
# The other user's Python: the test's own may sit in root's home, which it cannot enter.
OTHER_PYTHON = "/usr/bin/python3"
PERMISSIVE_UMASK = 0o002


@pytest.fixture(scope="module")
def other_user() -> str:
    """A second real Unix user (tests run as root, as in CI)."""
    if subprocess.run(["id", OTHER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", OTHER], check=True)
    return OTHER


def as_other(code: str) -> subprocess.CompletedProcess[str]:
    """Run Python as the other user."""
    return subprocess.run(
        ["runuser", "-u", OTHER, "--", OTHER_PYTHON, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that leaves files group-writable and world-readable; the server and its
    runners (started in this process) inherit it."""
    old = os.umask(PERMISSIVE_UMASK)
    yield
    os.umask(old)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory every user can enter (0755), like a project space on a shared filesystem."""
    path = Path(tempfile.mkdtemp(prefix="jj-private-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], shared: Path) -> dict[str, Any]:
    config = copy.deepcopy(jp_server_config)
    config["JobsConfig"] = {
        "jobs_root": str(shared / "jobs-root"),
        "db_path": str(shared / "jobs.sqlite"),
    }
    config["SlurmBackend"] = {"poll_interval": 0.5}
    return config


@pytest.fixture
def code_store(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """The Python API pointed at the shared store (and at no config file of the machine)."""
    config_dir = tmp_path / "code-config"
    config_dir.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv(JOBS_ROOT_ENV, raising=False)
    monkeypatch.delenv(DB_PATH_ENV, raising=False)
    config = {
        "JobsConfig": {
            "jobs_root": str(shared / "jobs-root"),
            "db_path": str(shared / "jobs.sqlite"),
        }
    }
    api.configure(config=config)
    yield config
    api.configure()


def modes_under(root: Path) -> dict[str, int]:
    """Every directory and file under root (root included), by relative path, with its mode."""
    found = {".": stat.S_IMODE(root.lstat().st_mode)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


async def test_every_file_of_real_jobs_is_private_and_hidden_from_other_users(
    permissive_umask: None,
    other_user: str,
    jobs: Any,
    root: Path,
    shared: Path,
    code_store: dict[str, Any],
) -> None:
    # Given a notebook that records a plain value and a pickled one, and scripts
    write_notebook(
        root / "train.ipynb",
        "import jupyter_jobs\njupyter_jobs.record('accuracy', 0.9)\n"
        "jupyter_jobs.record('classes', {'cat', 'dog'})\nprint('trained')",
    )
    (root / "hello.py").write_text(
        "import jupyter_jobs\njupyter_jobs.record('greeting', 'hi')\nprint('hello')\n"
    )
    (root / "sleeps.py").write_text("import time\ntime.sleep(120)\n")
    # (the inputs are as the umask made them: readable by all, writable by the group)
    assert stat.S_IMODE((root / "hello.py").stat().st_mode) == 0o664
    # When they run as jobs: locally and on SLURM from the server, from code, one cancelled
    notebook = await jobs.submit("train.ipynb")
    script = await jobs.submit("hello.py")
    on_slurm = await jobs.submit("hello.py", backend="slurm")
    from_code = api.submit(str(root / "hello.py"))
    cancelled = await jobs.submit("sleeps.py")
    await jobs.wait_for(cancelled["id"], "running")
    await jobs.request("POST", "jobs", cancelled["id"], "cancel")
    for job in (notebook, script, on_slurm):
        finished = await jobs.wait_for(job["id"])
        assert finished["status"] == "completed", finished
    assert (await jobs.wait_for(cancelled["id"]))["status"] == "cancelled"
    assert from_code.wait(timeout=120).status == "completed"
    assert from_code.result() == {"greeting": "hi"}
    # Then every directory under the jobs root is 0700 and every file 0600 (the batch
    # script 0700): job directories, inputs, spec, status, events, outputs, runner logs,
    # results, SLURM files, the local queue
    modes = modes_under(shared / "jobs-root")
    for job in (notebook, script, on_slurm, cancelled):
        assert f"{job['id']}/spec.json" in modes
    expected_files = {
        notebook["id"]: {"input/train.ipynb", "output.ipynb", "runner.log"},
        script["id"]: {"input/hello.py", "output.txt", "results/greeting.json"},
        on_slurm["id"]: {"slurm-job.sh", "slurm.out", "slurm.err", "status.json"},
        cancelled["id"]: {"cancel-requested", "events.jsonl", "status.json"},
    }
    for job_id, names in expected_files.items():
        assert names <= {p.removeprefix(f"{job_id}/") for p in modes}, (job_id, sorted(modes))
    assert {"results/classes.pickle", "results/index.json"} <= {
        p.removeprefix(f"{notebook['id']}/") for p in modes
    }
    assert f".local-queue/{socket.gethostname()}/waiting" in modes  # one queue per host
    wrong = {
        path: f"{mode:04o}"
        for path, mode in modes.items()
        if mode != (0o700 if (shared / "jobs-root" / path).is_dir() else 0o600)
        and not (path.endswith("/slurm-job.sh") and mode == 0o700)
    }
    assert wrong == {}
    # And the database, its WAL files and the API's last-job note are 0600
    store_files = {
        p.name: f"{stat.S_IMODE(p.stat().st_mode):04o}"
        for p in shared.iterdir()
        if p.name.startswith("jobs.sqlite") or p.name == "last_job"
    }
    assert {"jobs.sqlite", "jobs.sqlite-wal", "last_job"} <= set(store_files)
    assert set(store_files.values()) == {"0600"}, store_files
    # And another user can list nothing, read no job file and open no database
    job_dir = shared / "jobs-root" / script["id"]
    probes = {
        "list the jobs root": f"os.listdir({str(shared / 'jobs-root')!r})",
        "list a job directory": f"os.listdir({str(job_dir)!r})",
        "read a spec": f"open({str(job_dir / 'spec.json')!r}).read()",
        "read the database": f"open({str(shared / 'jobs.sqlite')!r}, 'rb').read()",
        "read the last job": f"open({str(shared / 'last_job')!r}).read()",
    }
    for what, probe in probes.items():
        done = as_other(f"import os\n{probe}")
        assert done.returncode != 0 and "PermissionError" in done.stderr, (what, done)
    done = as_other(
        "import sqlite3\n"
        f"db = sqlite3.connect({str(shared / 'jobs.sqlite')!r})\n"
        "print(db.execute('SELECT id FROM jobs').fetchall())"
    )
    assert done.returncode != 0 and "unable to open database file" in done.stderr, done
    assert as_other("import os\nprint(os.listdir('/tmp'))").returncode == 0  # the probe works


# -- unpickling only what is the user's alone ---------------------------------------------------

MARKER_CODE = """
import os, pickle, sys

class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[1],))

with open(sys.argv[2], "wb") as f:
    pickle.dump(Evil(), f)
"""


def run_load_code(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The inserted "load results" code, run as a kernel would run it."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def test_a_pickle_that_is_not_the_users_alone_is_refused(
    other_user: str, code_store: dict[str, Any], shared: Path, tmp_path: Path
) -> None:
    # Given a script job that kept a plain value and a pickled one
    work = tmp_path / "work"
    work.mkdir()
    (work / "fit.py").write_text(
        "import jupyter_jobs\njupyter_jobs.record('n', 3)\n"
        "jupyter_jobs.record('labels', {'a', 'b'})\n"
    )
    job = api.submit(str(work / "fit.py"))
    assert job.wait(timeout=120).status == "completed"
    assert job.result() == {"n": 3, "labels": {"a", "b"}}
    manager = api._manager()
    code = manager.results(job.id)["load_code"]
    assert (
        "import pickle" in code and "# These need pickle (they are not plain data): labels" in code
    )
    loaded = run_load_code(code + "print(n, sorted(labels))", work)
    assert loaded.stdout == "3 ['a', 'b']\n", loaded.stderr
    results = shared / "jobs-root" / job.id / RESULTS_DIR
    target = results / "labels.pickle"
    marker = shared / "PWNED"  # what the planted pickle creates if it is ever loaded

    def refused_everywhere(why: str, why_in_code: str) -> None:
        with pytest.raises(UnsafeFile, match=why) as info:
            job.result()
        assert str(info.value).startswith("Refusing to unpickle")
        assert isinstance(info.value, PermissionError)
        done = run_load_code(code, work)
        assert done.returncode != 0
        assert "PermissionError: Refusing to unpickle" in done.stderr, done.stderr
        assert re.search(why_in_code, done.stderr), done.stderr
        assert not marker.exists(), "a planted pickle ran"

    # When the other user plants a pickle of its own in the results (its drop folder is on
    # the same filesystem, so the move keeps the file the other user's)
    drop = shared / "drop"
    drop.mkdir()
    drop.chmod(0o777)
    planted = drop / "planted.pickle"
    done = as_other(
        MARKER_CODE.replace("sys.argv[1]", repr(str(marker))).replace(
            "sys.argv[2]", repr(str(planted))
        )
    )
    assert done.returncode == 0, done.stderr
    os.replace(planted, target)
    other_uid = target.stat().st_uid
    assert other_uid != os.geteuid()
    # Then job.result() and the load code refuse it, naming its owner
    refused_everywhere(
        rf"labels.pickle: the file belongs to uid {other_uid} \({OTHER}\), not to you",
        rf"its file belongs to uid {other_uid} \(you are uid {os.geteuid()}\)",
    )
    # When a pickle of the user's own can be written by others
    target.unlink()
    with open(target, "wb") as f:
        pickle.dump({"a"}, f)
    target.chmod(0o666)
    # Then it is refused too, with its mode
    refused_everywhere(
        r"the file can be written by its group and other users \(mode 0666\)",
        r"its file belongs to uid \d+ \(you are uid \d+\) with mode 0666",
    )
    # And so is one in a results folder others can write into
    target.chmod(0o600)
    results.chmod(0o777)
    refused_everywhere(
        r"the directory can be written by its group and other users \(mode 0777\)",
        r"its folder belongs to uid \d+ \(you are uid \d+\) with mode 0777",
    )
    results.chmod(0o700)
    # And JSON values never need that trust: once safe again, everything loads
    assert job.result() == {"n": 3, "labels": {"a"}}


def test_load_code_of_plain_values_never_imports_pickle(
    code_store: dict[str, Any], tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "plain.py").write_text(
        "import jupyter_jobs\njupyter_jobs.record('scores', [1, 2])\n"
        "jupyter_jobs.record('model.v2', {'depth': 3})\n"
    )
    job = api.submit(str(work / "plain.py"))
    assert job.wait(timeout=120).status == "completed"
    code = api._manager().results(job.id)["load_code"]
    assert "pickle" not in code and "jupyter_jobs" not in code
    # It runs with the standard library only: no jupyter_jobs, no pickle loaded
    done = run_load_code(
        "import sys\nsys.modules['jupyter_jobs'] = None\n"
        + code
        + "print(scores, results['model.v2'], 'pickle' in sys.modules)",
        work,
    )
    assert done.stdout == "[1, 2] {'depth': 3} False\n", done.stderr


# -- refusing an unsafe jobs root at start -------------------------------------------------------


def test_an_unsafe_jobs_root_is_refused_by_the_api_and_the_cli(
    code_store: dict[str, Any], shared: Path, tmp_path: Path
) -> None:
    jobs_root = shared / "jobs-root"
    # Given a jobs root its group can write
    jobs_root.mkdir()
    jobs_root.chmod(0o770)
    # When the API starts, then it refuses with the path, the mode and the fix
    api.configure(config=code_store)
    with pytest.raises(UnsafeRoot) as info:
        api.jobs()
    message = str(info.value)
    assert f"The jobs root {jobs_root} can be written by its group (mode 0770)" in message
    assert f"chmod 700 {jobs_root}" in message
    # And the CLI says the same and fails
    config_file = tmp_path / "jupyter_server_config.json"
    config_file.write_text(json.dumps(code_store))
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", "--config", str(config_file), "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in (JOBS_ROOT_ENV, DB_PATH_ENV)},
    )
    assert done.returncode != 0
    assert "can be written by its group (mode 0770)" in done.stderr
    assert f"chmod 700 {jobs_root}" in done.stderr
    assert "Traceback" not in done.stderr
    # And nothing was changed
    assert stat.S_IMODE(jobs_root.stat().st_mode) == 0o770
    # When others can only read it, then it is tightened to 0700 and used
    jobs_root.chmod(0o755)
    api.configure(config=code_store)
    assert api.jobs() == []
    assert stat.S_IMODE(jobs_root.stat().st_mode) == 0o700
    # And a database in a directory others can write is refused, naming that directory
    open_dir = shared / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    api.configure(
        config={"JobsConfig": {**code_store["JobsConfig"], "db_path": str(open_dir / "j.sqlite")}}
    )
    with pytest.raises(
        UnsafeRoot,
        match=rf"directory {open_dir} can be written by its group "
        r"and other users \(mode 0777\)",
    ):
        api.jobs()
    assert not (open_dir / "j.sqlite").exists()


def test_a_server_with_an_unsafe_jobs_root_does_not_start_jobs_and_says_why(
    shared: Path, tmp_path: Path
) -> None:
    # Given a jobs root everyone can write
    jobs_root = shared / "jobs-root"
    jobs_root.mkdir()
    jobs_root.chmod(0o777)
    root = tmp_path / "root"
    root.mkdir()
    store = {"jobs_root": str(jobs_root), "db_path": str(tmp_path / "jobs.sqlite")}
    server = ServerProcess(root, tmp_path / "state", {"JobsConfig": store})
    # When a real server starts (by hand: ServerProcess.start waits for the jobs API)
    server.port = port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in (JOBS_ROOT_ENV, DB_PATH_ENV)}
    env["JUPYTER_CONFIG_DIR"] = str(server.config_dir)
    with open(server.log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--port={port}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    server.proc = proc
    try:
        # Then the server serves, without the jobs feature
        wait_until(lambda: _status(port) == 200, timeout=60, what="the server answering")
        assert _status(port, "/jupyter-jobs/jobs") == 404
        # And its log says why, with the path, the mode and the fix
        text = server.log_path.read_text()
        assert f"The jobs root {jobs_root} can be written by its group and other users" in text
        assert "(mode 0777)" in text and f"chmod 700 {jobs_root}" in text
    finally:
        server.kill()


def _status(port: int, path: str = "/api/status") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    request.add_header("Authorization", f"token {TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.2)
        return 0


def test_a_jobs_root_of_another_user_is_refused_even_if_private(
    other_user: str, code_store: dict[str, Any], shared: Path
) -> None:
    # Given a jobs root that is 0700 but the other user's: its owner could read and change it
    jobs_root = shared / "jobs-root"
    jobs_root.mkdir(mode=0o700)
    shutil.chown(jobs_root, user=OTHER)
    # Then the API refuses it, naming the owner
    api.configure(config=code_store)
    with pytest.raises(
        UnsafeRoot, match=rf"The jobs root {jobs_root} belongs to uid \d+ \({OTHER}\)"
    ):
        api.jobs()
