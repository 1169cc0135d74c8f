"""A job's life: live output, progress, cancel, failures, dead runners, the local queue."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import psutil
from conftest import no_process_left, stdout_text, write_notebook

from jupyter_jobs.events import JOB_EVENT_SCHEMA_ID
from jupyter_jobs.watcher import MAX_PUSHED_BYTES


def runner_status(job: dict) -> dict:
    return json.loads((Path(job["output_path"]).parent / "status.json").read_text())


async def test_output_is_logged_as_it_arrives(jobs, root):
    # Given a notebook that prints, then waits on a file the test creates
    gate = root / "gate"
    write_notebook(
        root / "live.ipynb",
        "print('first line', flush=True)",
        "import os, time\nwhile not os.path.exists('gate'):\n    time.sleep(0.05)",
        "from IPython.display import display, HTML\ndisplay(HTML('<b>bold</b>'))",
    )
    job = await jobs.submit("live.ipynb")
    # When the first cell has run but the job is still blocked in the second
    events = await jobs.wait_for_log(job["id"], lambda ev: "first line" in stdout_text(ev))
    # Then its output is already in the log, with the cell it came from, and progress shows
    assert (await jobs.get(job["id"]))["status"] == "running"
    first = next(e for e in events if e["type"] == "output")
    assert first["cell_index"] == 0
    assert [e["type"] for e in events][:3] == ["status", "status", "cell_start"]
    assert (await jobs.get(job["id"]))["progress"] == {"done": 1, "total": 3}
    partial = await jobs.request("GET", "jobs", job["id"], "output")
    assert "".join(partial["cells"][0]["outputs"][0]["text"]) == "first line\n"
    gate.touch()
    job = await jobs.wait_for(job["id"])
    events = (await jobs.log(job["id"]))["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    html = [e for e in events if e["type"] == "output" and "data" in e["output"]]
    assert html[0]["output"]["data"]["text/html"] == "<b>bold</b>"
    assert events[-1] == {**events[-1], "type": "status", "status": "completed"}


async def test_log_cursor_returns_only_newer_events(jobs, root):
    write_notebook(root / "n.ipynb", "for i in range(3): print(i)")
    job = await jobs.wait_for((await jobs.submit("n.ipynb"))["id"])
    whole = await jobs.log(job["id"])
    assert whole["next"] == len(whole["events"])
    tail = await jobs.log(job["id"], after=whole["next"] - 2)
    assert tail["events"] == whole["events"][-2:]
    assert (await jobs.log(job["id"], after=whole["next"]))["events"] == []


async def test_chatty_output_is_gathered_into_few_events(jobs, root):
    write_notebook(root / "chatty.ipynb", "for i in range(20000): print(i)")
    job = await jobs.wait_for((await jobs.submit("chatty.ipynb"))["id"])
    events = (await jobs.log(job["id"]))["events"]
    text = stdout_text(events)
    assert text.splitlines() == [str(i) for i in range(20000)]
    assert len(events) < 2000


async def test_cell_error_fails_with_name_message_and_cell(jobs, root):
    write_notebook(
        root / "err.ipynb", "x = 1", "raise KeyError('missing column')", "print('never')"
    )
    job = await jobs.wait_for((await jobs.submit("err.ipynb"))["id"])
    assert job["status"] == "failed"
    error = job["error"]
    assert error["ename"] == "KeyError"
    assert "missing column" in error["evalue"]
    assert error["cell_index"] == 1
    assert any("KeyError" in line for line in error["traceback"])
    assert job["progress"]["done"] == 1
    # The output notebook up to the failure is kept
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[1]["outputs"][0]["ename"] == "KeyError"


async def test_dying_kernel_fails_the_job(jobs, root):
    write_notebook(root / "die.ipynb", "import os\nos._exit(1)")
    job = await jobs.wait_for((await jobs.submit("die.ipynb"))["id"])
    assert job["status"] == "failed"
    assert "kernel died" in job["error"]["message"].lower()


async def test_killed_runner_fails_the_job_with_a_reason(jobs, root):
    # Given a running job
    write_notebook(root / "long.ipynb", "import time; time.sleep(120)")
    job = await jobs.submit("long.ipynb")
    await jobs.wait_for(job["id"], "running")
    # When its runner is killed outright
    os.kill(runner_status(job)["pid"], signal.SIGKILL)
    # Then the job is failed with a reason, not left running
    job = await jobs.wait_for(job["id"], "failed")
    assert "runner ended without recording a result" in job["error"]["message"]
    assert job["finished_at"] is not None


async def test_cancel_interrupts_and_leaves_no_process(jobs, root):
    # Given a job whose notebook started a child process and is busy
    write_notebook(
        root / "busy.ipynb",
        "print('started', flush=True)",
        "import subprocess, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "print('child', child.pid, flush=True)\n"
        "time.sleep(300)",
    )
    job = await jobs.submit("busy.ipynb")
    await jobs.wait_for_log(job["id"], lambda ev: "child" in stdout_text(ev))
    status = runner_status(job)
    printed = stdout_text((await jobs.log(job["id"]))["events"]).splitlines()
    child_pid = next(int(line.split()[1]) for line in printed if line.startswith("child"))
    pids = [status["pid"], status["kernel_pid"], child_pid]
    assert all(psutil.pid_exists(pid) for pid in pids)
    # When it is cancelled
    answer = await jobs.request("POST", "jobs", job["id"], "cancel")
    assert answer["status"] == "cancelling"
    job = await jobs.wait_for(job["id"], "cancelled")
    # Then no process of the job remains, and the partial output is kept
    await no_process_left(job["id"], tuple(pids))
    assert job["error"] is None
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "".join(code[0]["outputs"][0]["text"]) == "started\n"
    events = (await jobs.log(job["id"]))["events"]
    assert events[-1]["status"] == "cancelled"


async def test_cancel_of_a_kernel_that_ignores_interrupts(jobs, root):
    write_notebook(
        root / "stubborn.ipynb",
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('ignoring', flush=True)\ntime.sleep(300)",
    )
    job = await jobs.submit("stubborn.ipynb")
    await jobs.wait_for_log(job["id"], lambda ev: "ignoring" in stdout_text(ev))
    kernel_pid = runner_status(job)["kernel_pid"]
    await jobs.request("POST", "jobs", job["id"], "cancel")
    job = await jobs.wait_for(job["id"], "cancelled")
    await no_process_left(job["id"], (kernel_pid,))


async def test_cancel_a_script(jobs, root):
    (root / "loop.py").write_text("import time\nprint('looping', flush=True)\ntime.sleep(300)\n")
    job = await jobs.submit("loop.py")
    await jobs.wait_for_log(job["id"], lambda ev: "looping" in stdout_text(ev))
    await jobs.request("POST", "jobs", job["id"], "cancel")
    await jobs.wait_for(job["id"], "cancelled")
    await no_process_left(job["id"])


async def test_cancel_of_a_finished_job_is_a_conflict(jobs, root):
    (root / "quick.py").write_text("print(1)\n")
    job = await jobs.wait_for((await jobs.submit("quick.py"))["id"])
    code, message = await jobs.error("POST", "jobs", job["id"], "cancel")
    assert code == 409
    assert "already finished" in message


async def test_concurrency_limit_queues_jobs_in_order(jobs, root):
    # Given the local backend runs at most 2 jobs at once (see conftest)
    write_notebook(
        root / "hold.ipynb",
        "import os, time\nwhile not os.path.exists('release'):\n    time.sleep(0.05)",
    )
    submitted = [await jobs.submit("hold.ipynb", name=f"job {i}") for i in range(4)]
    # When the first two run
    for job in submitted[:2]:
        await jobs.wait_for(job["id"], "running")
    await asyncio.sleep(1.5)
    # Then the other two wait, queued
    states = [(await jobs.get(job["id"]))["status"] for job in submitted]
    assert states == ["running", "running", "queued", "queued"]
    # And once released, all complete, each starting no earlier than the one before it
    (root / "release").touch()
    done = [await jobs.wait_for(job["id"]) for job in submitted]
    assert [job["status"] for job in done] == ["completed"] * 4
    starts = [job["started_at"] for job in done]
    assert starts[2] >= min(done[0]["finished_at"], done[1]["finished_at"])
    assert starts[2] <= starts[3]


async def test_cancel_a_queued_job(jobs, root):
    write_notebook(
        root / "hold.ipynb",
        "import os, time\nwhile not os.path.exists('release'):\n    time.sleep(0.05)",
    )
    running = [await jobs.submit("hold.ipynb") for _ in range(2)]
    queued = await jobs.submit("hold.ipynb")
    for job in running:
        await jobs.wait_for(job["id"], "running")
    await jobs.request("POST", "jobs", queued["id"], "cancel")
    job = await jobs.wait_for(queued["id"], "cancelled")
    assert job["started_at"] is None
    (root / "release").touch()
    for job in running:
        assert (await jobs.wait_for(job["id"]))["status"] == "completed"


async def test_changes_are_pushed_on_the_event_bus(jobs, root, jp_serverapp):
    # Given a listener on the server's event bus, where the panel's websocket reads
    received: list[dict] = []

    async def listen(logger, schema_id, data):
        received.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=JOB_EVENT_SCHEMA_ID, listener=listen)
    write_notebook(root / "pushed.ipynb", "print('pushed line')")
    # When a job runs
    job = await jobs.wait_for((await jobs.submit("pushed.ipynb"))["id"])
    await asyncio.sleep(1.0)
    # Then its state changes and its output came on the bus
    mine = [
        m
        for m in received
        if m.get("job", {}).get("id") == job["id"] or m.get("job_id") == job["id"]
    ]
    statuses = [m["job"]["status"] for m in mine if m["action"] == "updated"]
    assert statuses[0] == "queued"
    assert statuses[-1] == "completed"
    pushed = [e for m in mine if m["action"] == "log" for e in m["events"]]
    assert "pushed line" in stdout_text(pushed)
    assert [e["seq"] for e in pushed] == sorted({e["seq"] for e in pushed})


async def test_pushes_are_capped_in_bytes_and_lose_nothing(jobs, root, jp_serverapp):
    # Given a listener on the event bus and a job that displays about 5 MB of HTML
    received: list[dict] = []

    async def listen(logger, schema_id, data):
        received.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=JOB_EVENT_SCHEMA_ID, listener=listen)
    write_notebook(
        root / "big.ipynb",
        "from IPython.display import HTML, display\n"
        "for i in range(12):\n    display(HTML(str(i) * 400_000))",
    )
    # When it runs and its whole log has been pushed
    job = await jobs.wait_for((await jobs.submit("big.ipynb"))["id"])
    last = (await jobs.request("GET", "jobs", job["id"], "log", tail="1"))["events"][-1]["seq"]

    def pushes() -> list[dict]:
        return [m for m in received if m["action"] == "log" and m["job_id"] == job["id"]]

    deadline = time.monotonic() + 60
    while not pushes() or pushes()[-1]["next"] < last:
        assert time.monotonic() < deadline, "the log was never pushed to its end"
        await asyncio.sleep(0.1)
    # Then no push carried more than the cap, and together they hold every event once
    assert all(len(json.dumps(m["events"]).encode()) <= MAX_PUSHED_BYTES for m in pushes())
    assert len(pushes()) > 1
    assert [e["seq"] for m in pushes() for e in m["events"]] == list(range(1, last + 1))


async def test_cancelling_a_job_spares_the_jobs_it_submitted(jobs, root):
    # Given a notebook job that submits a job of its own from code, then keeps busy
    (root / "child.py").write_text(
        "import os, time\nwhile not os.path.exists('release'):\n    time.sleep(0.05)\n"
        "print('child done')\n"
    )
    write_notebook(
        root / "parent.ipynb",
        "import jupyter_jobs, time\nchild = jupyter_jobs.submit('child.py')\n"
        "print('child', child.id, flush=True)\ntime.sleep(300)",
    )
    parent = await jobs.submit("parent.ipynb")
    events = await jobs.wait_for_log(parent["id"], lambda ev: "child " in stdout_text(ev))
    child_id = stdout_text(events).split()[1]
    # When the parent is cancelled
    await jobs.request("POST", "jobs", parent["id"], "cancel")
    await jobs.wait_for(parent["id"], "cancelled")
    # Then the child, a job in its own right, goes on to complete
    (root / "release").touch()
    child = await jobs.wait_for(child_id)
    assert child["status"] == "completed", child
    assert "child done" in stdout_text((await jobs.log(child_id))["events"])


async def test_log_tail_gives_the_last_events(jobs, root):
    write_notebook(root / "long.ipynb", *[f"print({i})" for i in range(30)])
    job = await jobs.wait_for((await jobs.submit("long.ipynb"))["id"])
    whole = await jobs.log(job["id"])
    tail = await jobs.request("GET", "jobs", job["id"], "log", tail="5")
    assert tail["events"] == whole["events"][-5:]
    assert tail["next"] == whole["next"]
    assert (await jobs.request("GET", "jobs", job["id"], "log", tail="0"))["events"] == []
    code, message = await jobs.error("GET", "jobs", job["id"], "log", tail="100000")
    assert code == 400
    assert "tail" in message
