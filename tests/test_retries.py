"""max_retries: a failed job runs again as a new attempt, each with its own output and error."""

from __future__ import annotations

from pathlib import Path

from conftest import JobsClient, no_process_left, write_notebook

# Fails until it has run `succeed_on` times; counts its runs in a file beside it.
FLAKY = """\
from pathlib import Path
runs = Path('runs.txt')
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
print(f'run {count}', flush=True)
if count < succeed_on:
    raise ValueError(f'flaky on run {count}')
"""


async def test_a_flaky_notebook_is_retried_until_it_completes_and_keeps_each_attempt(
    jobs: JobsClient, root: Path
) -> None:
    write_notebook(root / "flaky" / "train.ipynb", FLAKY, parameters="succeed_on = 3")

    job = await jobs.submit("flaky/train.ipynb", max_retries=2)
    assert (job["attempt"], job["max_retries"]) == (1, 2)
    done = await jobs.wait_for(job["id"])

    assert (done["status"], done["attempt"]) == ("completed", 3)
    attempts = done["attempts"]
    assert [(a["attempt"], a["status"]) for a in attempts] == [
        (1, "failed"),
        (2, "failed"),
        (3, "completed"),
    ]
    assert attempts[0]["error"]["evalue"] == "flaky on run 1"
    assert attempts[1]["error"]["evalue"] == "flaky on run 2"
    assert all(a["started_at"] and a["finished_at"] for a in attempts)
    # Each attempt's own output: the last one is the job's, earlier ones by number
    for attempt in (1, 2, 3):
        notebook = await jobs.request("GET", "jobs", job["id"], "output", attempt=str(attempt))
        printed = "".join(
            "".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", [])
        )
        assert f"run {attempt}\n" in printed
    assert (await jobs.error("GET", "jobs", job["id"], "output", attempt="4"))[0] == 404
    # One log across attempts, with each failed attempt marked
    events = (await jobs.log(job["id"]))["events"]
    assert [e["attempt"] for e in events if e["type"] == "attempt"] == [1, 2]


async def test_retries_run_out_and_a_cancel_is_never_retried(jobs: JobsClient, root: Path) -> None:
    (root / "fails.py").write_text("raise SystemExit(3)\n")
    failing = await jobs.submit("fails.py", max_retries=1)
    done = await jobs.wait_for(failing["id"])
    assert (done["status"], done["attempt"]) == ("failed", 2)
    assert [a["status"] for a in done["attempts"]] == ["failed", "failed"]
    assert done["error"]["exit_code"] == 3

    # A job waiting to retry shows why; cancelling it then ends it, with no further attempt
    waiting = await jobs.submit("fails.py", max_retries=3, retry_delay_seconds=600)
    await jobs.wait_for(waiting["id"], "queued", "running")
    queued = await _wait_for_reason(jobs, waiting["id"])
    assert queued["status_reason"] == "retrying in 600 s (attempt 2 of 4)"
    await jobs.request("POST", "jobs", waiting["id"], "cancel")
    cancelled = await jobs.wait_for(waiting["id"])
    assert (cancelled["status"], cancelled["attempt"]) == ("cancelled", 2)
    await no_process_left(waiting["id"])


async def test_bad_retry_settings_are_refused(jobs: JobsClient, root: Path) -> None:
    (root / "ok.py").write_text("print('ok')\n")
    for fields in (
        {"max_retries": -1},
        {"max_retries": 101},
        {"max_retries": "2"},
        {"max_retries": True},
        {"retry_delay_seconds": -5},
        {"retry_delay_seconds": "soon"},
    ):
        code, message = await jobs.error("POST", "jobs", body={"path": "ok.py", **fields})
        assert code == 400
        assert f"'{next(iter(fields))}' must be" in message
    assert (await jobs.request("GET", "jobs"))["total"] == 0


async def _wait_for_reason(jobs: JobsClient, job_id: str) -> dict:
    import asyncio
    import time

    deadline = time.monotonic() + 60
    while True:
        job = await jobs.get(job_id)
        if job["status"] == "queued" and job["status_reason"]:
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.1)
