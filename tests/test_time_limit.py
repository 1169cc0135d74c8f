"""time_limit on the local backend: the runner stops a job that runs past it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import JobsClient, no_process_left, stdout_text, write_notebook

import jupyter_jobs


async def test_a_notebook_past_its_time_limit_is_stopped_and_keeps_its_partial_output(
    jobs: JobsClient, root: Path
) -> None:
    write_notebook(
        root / "slow.ipynb",
        "print('before the limit', flush=True)",
        "import time\nfor _ in range(600):\n    time.sleep(0.1)",
        "print('never')",
    )
    # MM:SS; the limit counts from the start, kernel start-up included (as on SLURM)
    job = await jobs.submit("slow.ipynb", resources={"time_limit": "0:30"})
    assert job["resources"] == {"time_limit": "0:30"}

    done = await jobs.wait_for(job["id"])

    assert done["status"] == "failed"
    assert done["status_reason"] == "time limit"
    assert done["error"]["ename"] == "TimeLimit"
    assert "time limit of 00:00:30" in done["error"]["message"]
    await no_process_left(job["id"])
    output = await jobs.request("GET", "jobs", job["id"], "output")
    printed = ["".join(o.get("text", "")) for c in output["cells"] for o in c.get("outputs", [])]
    assert "before the limit\n" in printed
    assert not any("never" in text for text in printed)


async def test_a_script_past_its_limit_is_stopped_and_one_within_it_completes(
    jobs: JobsClient, root: Path
) -> None:
    (root / "spin.py").write_text("import time\nprint('working', flush=True)\ntime.sleep(600)\n")
    (root / "quick.py").write_text("print('done')\n")
    slow = await jobs.submit("spin.py", resources={"time_limit": "0:05"})
    quick = await jobs.submit("quick.py", resources={"time_limit": 5})  # minutes

    stopped = await jobs.wait_for(slow["id"])
    assert (stopped["status"], stopped["status_reason"]) == ("failed", "time limit")
    await no_process_left(slow["id"])
    assert "working" in stdout_text((await jobs.log(slow["id"]))["events"])
    partial = await jobs.request("GET", "jobs", slow["id"], "output")
    assert partial.startswith("working\n")  # then the interrupt's traceback
    completed = await jobs.wait_for(quick["id"])
    assert (completed["status"], completed["status_reason"]) == ("completed", None)


async def test_a_bad_time_limit_is_refused_and_creates_nothing(
    jobs: JobsClient, root: Path
) -> None:
    (root / "quick.py").write_text("print('done')\n")
    for bad in ("soon", "0", "1:61", "-5", 0, True, 1.5, {"h": 1}):
        code, message = await jobs.error(
            "POST", "jobs", body={"path": "quick.py", "resources": {"time_limit": bad}}
        )
        assert code == 400
        assert "'time_limit' must be HH:MM:SS" in message
    assert (await jobs.request("GET", "jobs"))["total"] == 0


def test_the_cli_and_the_python_api_take_a_time_limit(work: Path) -> None:
    (work / "spin.py").write_text("import time\ntime.sleep(600)\n")
    command = [sys.executable, "-m", "jupyter_jobs.cli", "submit", "spin.py"]
    done = subprocess.run(
        [*command, "--time-limit", "0:02", "--wait", "--json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    job = json.loads(done.stdout)
    assert (job["status"], job["status_reason"]) == ("failed", "time limit")
    assert job["resources"] == {"time_limit": "0:02"}

    from_python = jupyter_jobs.submit(work / "spin.py", time_limit="0:02")
    assert from_python.info["resources"] == {"time_limit": "0:02"}
    assert from_python.wait().status == "failed"
    with pytest.raises(jupyter_jobs.JobFailed, match="time limit"):
        from_python.result()
