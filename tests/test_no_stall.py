"""The server never stalls on SLURM: it answers while `squeue` or `sbatch` hangs.

A busy cluster answers in seconds; a stalled event loop makes every request and every
kernel's websocket of the user wait that long. Here `squeue` and `sbatch` are wrappers
that hold until the test releases them, so "answers while SLURM holds" is a fact the
test observes, not a timing: each request must complete while the wrapper is still
holding, checked after the answer.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from server_process import TOKEN, ServerProcess
from test_slurm import cluster  # noqa: F401  (the real cluster must be up)

CLIENT_TIMEOUT = 30.0  # generous: a server that answers at all answers in far less
HELD = ("squeue", "sbatch")
WRAPPER = """#!/bin/sh
# Hold until the test releases this command, then run the real one.
touch "{folder}/holding-{name}-$$"
while [ ! -e "{folder}/release-{name}" ]; do sleep 0.05; done
rm -f "{folder}/holding-{name}-$$"
exec {real} "$@"
"""


class HeldSlurm:
    """A bin_dir whose squeue and sbatch hold until released; sinfo and scancel run at once."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir()
        for name in (*HELD, "sinfo", "scancel"):
            real = shutil.which(name)
            assert real is not None, f"{name} is not installed"
            wrapper = folder / name
            if name in HELD:
                wrapper.write_text(WRAPPER.format(folder=folder, name=name, real=real))
            else:
                wrapper.write_text(f'#!/bin/sh\nexec {real} "$@"\n')
            wrapper.chmod(0o755)
        for name in HELD:
            self.release(name)

    def hold(self, name: str) -> None:
        (self.folder / f"release-{name}").unlink()

    def release(self, name: str) -> None:
        (self.folder / f"release-{name}").touch()

    def holding(self, name: str) -> bool:
        """Whether a call of the command is under way and held."""
        return any(self.folder.glob(f"holding-{name}-*"))

    def wait_until_holding(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.holding(name):
            assert time.monotonic() < deadline, f"the server never called {name}"
            time.sleep(0.05)


@pytest.fixture
def slurm(tmp_path: Path) -> Any:
    held = HeldSlurm(tmp_path / "bin")
    yield held
    for name in HELD:  # whatever the test left held runs on and ends
        held.release(name)


@pytest.fixture
def server(tmp_path: Path, slurm: HeldSlurm) -> Any:
    root = tmp_path / "root"
    root.mkdir()
    (root / "quick.py").write_text("print('done')\n")
    gate = tmp_path / "gate"
    (root / "gated.py").write_text(
        f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n"
    )
    server = ServerProcess(
        root,
        tmp_path / "state",
        {
            "SlurmBackend": {"bin_dir": str(slurm.folder), "poll_interval": 0.2},
            "JobsApp": {"watch_interval": 0.2},
        },
    )
    server.start()
    yield server
    gate.touch()
    server.kill()


def get(server: ServerProcess, path: str) -> Any:
    """GET a path of the server (not only of the jobs API) within the client timeout."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/{path}")
    request.add_header("Authorization", f"token {TOKEN}")
    with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
        return json.loads(response.read())


def finished_job(server: ServerProcess) -> dict[str, Any]:
    job = server.request("POST", "jobs", {"path": "quick.py"})
    job = server.wait_for(job["id"], "completed")
    return job


def test_the_server_answers_while_squeue_hangs(server: ServerProcess, slurm: HeldSlurm):
    # Given a finished local job, and a SLURM job running
    done = finished_job(server)
    running = server.request("POST", "jobs", {"path": "gated.py", "backend": "slurm"})
    server.wait_for(running["id"], "running")
    # When squeue hangs in the server's next poll of the cluster
    slurm.hold("squeue")
    slurm.wait_until_holding("squeue")
    # Then the server's status and the finished job are answered while it still hangs
    assert "started" in get(server, "api/status")
    assert get(server, f"jupyter-jobs/jobs/{done['id']}")["status"] == "completed"
    assert slurm.holding("squeue")
    # And once squeue answers, the SLURM job is followed to its end
    slurm.release("squeue")
    (server.root.parent / "gate").touch()
    assert server.wait_for(running["id"], "completed")["backend"] == "slurm"


def test_the_server_answers_while_sbatch_hangs(server: ServerProcess, slurm: HeldSlurm):
    # Given a finished local job
    done = finished_job(server)
    # When one SLURM job is submitted and sbatch hangs
    slurm.hold("sbatch")
    with ThreadPoolExecutor(1) as pool:
        submit = pool.submit(
            server.request, "POST", "jobs", {"path": "quick.py", "backend": "slurm"}
        )
        slurm.wait_until_holding("sbatch")
        # Then the server's status and the finished job are answered while it still hangs
        assert "started" in get(server, "api/status")
        assert get(server, f"jupyter-jobs/jobs/{done['id']}")["status"] == "completed"
        assert slurm.holding("sbatch") and not submit.done()
        # And once sbatch answers, the submit completes and the job runs
        slurm.release("sbatch")
        job = submit.result(timeout=CLIENT_TIMEOUT)
    assert server.wait_for(job["id"], "completed")["backend"] == "slurm"
