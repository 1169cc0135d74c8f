"""Damaged job files are bad input, not server errors; log pages stay small, however big a job.

One real server for the module. Finished real jobs are copied under new ids,
then a file of each copy is damaged as a disk, a crash or a person might, and
every endpoint is asked about it: the answer is a clear 4xx or the job marked
with the reason, never a 500, and the other jobs list and read on.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FINAL, gated_notebook, write_notebook
from server_process import TOKEN, ServerProcess

from jupyter_jobs.jobdir import MAX_PAGE_BYTES, JobDirectory
from jupyter_jobs.processes import job_processes, kill_job_processes
from jupyter_jobs.store import JobStore

NOTEBOOK_CELLS = (
    "import jupyter_jobs\nprint('hello')",
    "jupyter_jobs.record('answer', 42)\njupyter_jobs.record('pair', (1, 2))",
    "display({'text/plain': 'shown'}, raw=True)",
)


class Jobs:
    """The shared server, its store and its jobs root, as the tests here use them."""

    def __init__(self, server: ServerProcess, state: Path):
        self.server = server
        self.jobs_root = state / "jobs-root"
        self.store = JobStore(state / "jobs.sqlite")

    def call(self, method: str, path: str, **params: Any) -> tuple[int, Any, int]:
        """(status, JSON or bytes, body size) of a request, whatever its status."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = f"http://127.0.0.1:{self.server.port}/jupyter-jobs/{path}" + (
            f"?{query}" if query else ""
        )
        data = b"{}" if method == "POST" else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                code, body = response.status, response.read()
        except urllib.error.HTTPError as e:
            code, body = e.code, e.read()
        try:
            return code, json.loads(body) if body else None, len(body)
        except ValueError:
            return code, body, len(body)

    def get(self, job_id: str) -> dict[str, Any]:
        code, job, _ = self.call("GET", f"jobs/{job_id}")
        assert code == 200, job
        return job

    def wait_final(self, job_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (job := self.get(job_id))["status"] not in FINAL:
            assert time.monotonic() < deadline, f"{job_id} never finished: {job}"
            time.sleep(0.1)
        return job

    def submit(self, path: str) -> dict[str, Any]:
        code, job, _ = self.call_json("POST", "jobs", {"path": path})
        assert code == 201, job
        return job

    def call_json(self, method: str, path: str, body: Any) -> tuple[int, Any, int]:
        url = f"http://127.0.0.1:{self.server.port}/jupyter-jobs/{path}"
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read()), 0
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), 0

    def copy(self, job_id: str, status: str | None = None) -> tuple[str, Path]:
        """A copy of a job under a new id (files and record); optionally in another status."""
        record = self.store.get(job_id)
        assert record is not None
        new_id = secrets.token_hex(6)
        new_dir = self.jobs_root / new_id
        shutil.copytree(record.job_dir, new_dir)
        changes: dict[str, Any] = {"id": new_id, "job_dir": str(new_dir), "output_fetched": False}
        if status is not None:
            # An active copy whose runner is surely gone: a child of ours, already reaped.
            changes |= {"status": status, "finished_at": None, "error": None}
            changes["backend_id"] = str(_dead_pid())
        self.store.add(dataclasses.replace(record, **changes))
        return new_id, new_dir

    def every_endpoint(self, job_id: str) -> dict[str, tuple[int, Any]]:
        """Ask every endpoint about the job (removing it last); no answer may be a 500."""
        answers = {
            "get": self.call("GET", f"jobs/{job_id}"),
            "list": self.call("GET", "jobs", limit=1000),
            "log": self.call("GET", f"jobs/{job_id}/log"),
            "tail": self.call("GET", f"jobs/{job_id}/log", tail=3),
            "output": self.call("GET", f"jobs/{job_id}/output"),
            "results": self.call("GET", f"jobs/{job_id}/results", mark_seen="false"),
            "cancel": self.call("POST", f"jobs/{job_id}/cancel"),
            "delete": self.call("DELETE", f"jobs/{job_id}", force="true"),
        }
        for name, (code, body, _) in answers.items():
            assert code < 500, f"{name}: {code} {body!r:.300}"
            if code >= 400:
                assert isinstance(body, dict) and body.get("message"), f"{name}: {body!r:.300}"
        return {name: (code, body) for name, (code, body, _) in answers.items()}


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jobs]:
    base = tmp_path_factory.mktemp("damaged")
    root = base / "root"
    root.mkdir()
    server = ServerProcess(root, base / "state", {"LocalBackend": {"max_concurrent_jobs": 2}})
    server.start()
    try:
        yield Jobs(server, base / "state")
    finally:
        server.kill()
        for spec in (base / "state").glob("jobs-root/*/spec.json"):
            kill_job_processes(spec.parent.name)


@pytest.fixture(scope="module")
def finished(jobs: Jobs) -> dict[str, str]:
    """A completed notebook job (outputs, results) and a completed script job, by kind."""
    write_notebook(jobs.server.root / "whole.ipynb", *NOTEBOOK_CELLS)
    (jobs.server.root / "whole.py").write_text("print('from a script')\n")
    ids = {"notebook": jobs.submit("whole.ipynb")["id"], "script": jobs.submit("whole.py")["id"]}
    for job_id in ids.values():
        assert jobs.wait_final(job_id)["status"] == "completed"
    return ids


def _assert_others_still_serve(jobs: Jobs, finished: dict[str, str]) -> None:
    code, listing, _ = jobs.call("GET", "jobs", limit=1000)
    assert code == 200
    listed = {job["id"] for job in listing["jobs"]}
    for job_id in finished.values():
        assert job_id in listed
        assert jobs.call("GET", f"jobs/{job_id}/output")[0] == 200
        assert jobs.call("GET", f"jobs/{job_id}/log")[0] == 200


# -- the event log ---------------------------------------------------------------------------


def test_garbage_lines_in_the_event_log_read_as_corrupt_events_in_place(jobs, finished):
    # Given a copy of a finished job whose event log has a line that is not JSON, one that is
    # not an object, one that is not UTF-8, and a torn last line (no newline)
    job_id, job_dir = jobs.copy(finished["notebook"])
    log = job_dir / "events.jsonl"
    lines = log.read_bytes().splitlines()
    damaged = [lines[0], b"not json {", lines[1], b"[1, 2]", b'{"type": "x\xff\xfe"}', *lines[2:]]
    log.write_bytes(b"\n".join(damaged) + b'\n{"seq": 99, "ti')
    # When the log is read, whole, in pages and from the end
    code, page, _ = jobs.call("GET", f"jobs/{job_id}/log")
    assert code == 200
    events = page["events"]
    # Then every whole line is an event numbered by its place; the damaged ones say so
    assert [e["seq"] for e in events] == list(range(1, len(damaged) + 1))
    assert page["next"] == len(damaged)
    assert [e["seq"] for e in events if e["type"] == "corrupt"] == [2, 4, 5]
    assert all("damaged" in e["message"] for e in events if e["type"] == "corrupt")
    assert events[-1]["type"] == "status" and events[-1]["status"] == "completed"
    code, rest, _ = jobs.call("GET", f"jobs/{job_id}/log", after=3, limit=2)
    assert [e["seq"] for e in rest["events"]] == [4, 5] and rest["next"] == 5
    code, tail, _ = jobs.call("GET", f"jobs/{job_id}/log", tail=4)
    assert tail["events"] == events[-4:]
    # And the torn line is left for later, as a line still being written
    log.write_bytes(log.read_bytes() + b'me": "2026-01-01T00:00:00Z", "type": "cell_start"}\n')
    code, more, _ = jobs.call("GET", f"jobs/{job_id}/log", after=page["next"])
    assert [(e["seq"], e["type"]) for e in more["events"]] == [(len(damaged) + 1, "cell_start")]
    jobs.every_endpoint(job_id)
    _assert_others_still_serve(jobs, finished)


def test_a_huge_event_comes_as_a_placeholder_in_a_small_page(jobs, finished):
    # Given a log with an output event of 6 MB (as a runner without a size limit wrote it)
    job_id, job_dir = jobs.copy(finished["notebook"])
    huge = {"output_type": "display_data", "data": {"text/plain": "x" * 6_000_000}, "metadata": {}}
    line = {"seq": 0, "time": "2026-01-01T00:00:00.000Z", "type": "output", "cell_index": 2}
    with (job_dir / "events.jsonl").open("a") as f:
        count = sum(1 for _ in (job_dir / "events.jsonl").open())
        f.write(json.dumps({**line, "seq": count + 1, "output": huge}) + "\n")
    # When the log is read from the start and from the end
    for params in ({}, {"tail": 10}):
        code, page, size = jobs.call("GET", f"jobs/{job_id}/log", **params)
        # Then the page is small, and the event says what it stands for
        assert code == 200 and size < MAX_PAGE_BYTES
        last = page["events"][-1]
        assert last["seq"] == count + 1 and last["cell_index"] == 2
        assert last["output"]["metadata"]["jupyter_jobs"]["omitted_bytes"] > 6_000_000
        assert "output notebook" in last["output"]["data"]["text/plain"]
    jobs.every_endpoint(job_id)


def test_an_event_log_that_cannot_be_read_is_a_conflict(jobs, finished):
    job_id, job_dir = jobs.copy(finished["script"])
    (job_dir / "events.jsonl").unlink()
    (job_dir / "events.jsonl").mkdir()
    answers = jobs.every_endpoint(job_id)
    assert answers["log"][0] == 409 and "event log" in answers["log"][1]["message"]
    assert answers["get"][0] == 200 and answers["output"][0] == 200


# -- status.json and spec.json ---------------------------------------------------------------


def test_garbage_status_of_an_active_job_reads_as_the_status_its_log_ended_with(jobs, finished):
    # Given a job the store thinks is running, whose runner ended (its log says completed)
    # but whose status.json is garbage
    job_id, job_dir = jobs.copy(finished["notebook"], status="running")
    (job_dir / "status.json").write_bytes(b"\x00\xffgarbage")
    # When it is read
    job = jobs.wait_final(job_id)
    # Then it has the status its runner recorded last, not "vanished"
    assert job["status"] == "completed" and job["error"] is None
    jobs.every_endpoint(job_id)
    _assert_others_still_serve(jobs, finished)


@pytest.mark.parametrize(
    "status",
    [
        b"[1, 2]",
        b'"running"',
        b'{"status": 7, "pid": "x", "progress": "half", "error": "boom", "started_at": [1]}',
        b'{"status": "running", "pid": -1, "progress": {"done": "a"}, "kernel_pgid": true}',
        b'{"status": "running", "started_at": NaN}',
    ],
)
def test_status_of_the_wrong_shape_never_breaks_reading(jobs, finished, status):
    # Given an active copy whose status.json is JSON of the wrong shape, and no log to go by
    job_id, job_dir = jobs.copy(finished["script"], status="running")
    (job_dir / "status.json").write_bytes(status)
    (job_dir / "events.jsonl").unlink()
    # When the jobs are listed and it is read, then it ends failed: its runner is gone
    assert jobs.call("GET", "jobs")[0] == 200
    job = jobs.wait_final(job_id)
    assert job["status"] == "failed" and job["error"]["message"]
    jobs.every_endpoint(job_id)


@pytest.mark.parametrize("spec", [b"{", b"[]", b'{"id": 5}'])
def test_a_garbage_spec_never_breaks_reading(jobs, finished, spec):
    job_id, job_dir = jobs.copy(finished["notebook"])
    (job_dir / "spec.json").write_bytes(spec)
    answers = jobs.every_endpoint(job_id)
    assert answers["get"][0] == 200 and answers["log"][0] == 200
    assert answers["output"][0] == 200 and answers["results"][0] == 200


def test_a_runner_given_a_garbage_spec_records_why_it_could_not_start(tmp_path):
    # Given a job directory whose spec.json is garbage
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    (job_dir / "spec.json").write_text("{not json")
    # When a runner is started on it
    done = subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.runner", str(job_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Then it fails cleanly, and says why where readers look
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    status = JobDirectory(job_dir).read_status()
    assert status is not None and status["status"] == "failed"
    assert "spec.json is damaged" in status["error"]["message"]


# -- the output notebook and the results -----------------------------------------------------


@pytest.mark.parametrize("damage", ["cut", "not-a-notebook", "directory"])
def test_a_damaged_output_notebook_is_a_conflict_that_says_so(jobs, finished, damage):
    job_id, job_dir = jobs.copy(finished["notebook"])
    output = job_dir / "output.ipynb"
    if damage == "cut":
        output.write_bytes(output.read_bytes()[:100])
    elif damage == "not-a-notebook":
        output.write_text("[1, 2, 3]")
    else:
        output.unlink()
        output.mkdir()
    answers = jobs.every_endpoint(job_id)
    code, body = answers["output"]
    assert code == 409
    assert "output" in body["message"] and job_id in body["message"]
    assert answers["get"][1]["output_fetched"] is False  # a damaged output was not served
    assert answers["log"][0] == 200 and answers["results"][0] == 200


@pytest.mark.parametrize(
    "index",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"results": 5}',
        b'{"results": [{"name": "../../../../etc/passwd", "format": "json"}, 7,'
        b' {"name": "answer", "format": "json", "size": "big", "type": 3},'
        b' {"name": "pair", "format": "exe"}]}',
    ],
)
def test_a_damaged_results_index_lists_what_the_files_show(jobs, finished, index):
    # Given a copy of a job that recorded two results, whose results index is damaged
    job_id, job_dir = jobs.copy(finished["notebook"])
    (job_dir / "results" / "index.json").write_bytes(index)
    # When its results are listed
    code, body, _ = jobs.call("GET", f"jobs/{job_id}/results", mark_seen="false")
    # Then the answer lists only the values that are there, with their true sizes
    assert code == 200
    names = {entry["name"]: entry for entry in body["results"]}
    assert set(names) <= {"answer", "pair"} and "answer" in names
    assert names["answer"]["size"] == (job_dir / "results" / "answer.json").stat().st_size
    if index.startswith((b"{not", b"\xff", b"[", b'{"results": 5')):
        assert set(names) == {"answer", "pair"}  # rebuilt from the value files
    jobs.every_endpoint(job_id)


# -- a job directory deleted by hand ---------------------------------------------------------


def test_a_finished_job_whose_directory_was_deleted_is_gone_but_listed(jobs, finished):
    # Given a finished job whose directory somebody deleted
    job_id, job_dir = jobs.copy(finished["notebook"])
    shutil.rmtree(job_dir)
    # When it is asked about, then it is there, its files are gone (410), and it can be removed
    # without force (there is nothing left to read)
    assert jobs.get(job_id)["status"] == "completed"
    for part in ("output", "log", "results"):
        code, body, _ = jobs.call("GET", f"jobs/{job_id}/{part}")
        assert code == 410 and "gone" in body["message"], (part, body)
    code, _, _ = jobs.call("DELETE", f"jobs/{job_id}")
    assert code == 204
    assert jobs.call("GET", f"jobs/{job_id}")[0] == 404
    _assert_others_still_serve(jobs, finished)


def test_an_active_job_whose_directory_was_deleted_fails_saying_so(jobs, finished):
    # Given a job recorded as running whose directory is gone
    job_id, job_dir = jobs.copy(finished["script"], status="running")
    shutil.rmtree(job_dir)
    # When it is read, then it failed, and the reason names its directory
    job = jobs.wait_final(job_id)
    assert job["status"] == "failed"
    assert "gone" in job["error"]["message"] and str(job_dir) in job["error"]["message"]
    answers = jobs.every_endpoint(job_id)
    assert answers["output"][0] == 410 and answers["cancel"][0] == 409
    assert answers["delete"][0] == 204


def _delete_while_written(path: Path) -> None:
    """rm -rf of a directory its running job still writes to: a file it creates while the
    directory is emptied makes one pass fail (`Directory not empty`), as it would rm's."""
    for _ in range(50):
        try:
            shutil.rmtree(path)
            return
        except OSError:
            if not path.exists():
                return
            time.sleep(0.05)
    raise AssertionError(f"{path} could not be deleted")


def test_a_running_job_whose_directory_is_deleted_fails_and_ends(jobs, finished):
    # Given a real job running its second cell
    gate = jobs.server.root / "gate"
    gated_notebook(jobs.server.root / "gated.ipynb", gate)
    job = jobs.submit("gated.ipynb")
    job_id = job["id"]
    job_dir = jobs.jobs_root / job_id
    try:
        deadline = time.monotonic() + 120
        while "first" not in json.dumps(jobs.call("GET", f"jobs/{job_id}/log")[1]):
            assert time.monotonic() < deadline, "the job never printed"
            time.sleep(0.1)
        # When its directory is deleted, then it is failed, saying why
        _delete_while_written(job_dir)
        job = jobs.wait_final(job_id)
        assert job["status"] == "failed" and "gone" in job["error"]["message"]
        # And its runner stops its kernel and ends, though the cell never would have
        deadline = time.monotonic() + 60
        while job_processes(job_id):
            assert time.monotonic() < deadline, "the job's processes never ended"
            time.sleep(0.1)
        answers = jobs.every_endpoint(job_id)
        assert answers["delete"][0] == 204
    finally:
        kill_job_processes(job_id)
    _assert_others_still_serve(jobs, finished)


# -- bounded pages ---------------------------------------------------------------------------


def test_log_pages_stay_under_the_byte_cap_and_after_reads_to_the_end(jobs):
    # Given a job that displays many large outputs (8 MB in all) and one huge one
    big = 700_000
    write_notebook(
        jobs.server.root / "plots.ipynb",
        f"for i in range(12):\n    display({{'text/plain': str(i % 10) * {big}}}, raw=True)",
        "display({'text/plain': 'h' * 3_000_000}, raw=True)\nprint('end')",
    )
    job_id = jobs.submit("plots.ipynb")["id"]
    assert jobs.wait_final(job_id, timeout=180)["status"] == "completed"
    # When its log is read page by page
    after, events, pages = 0, [], 0
    while True:
        code, page, size = jobs.call("GET", f"jobs/{job_id}/log", after=after)
        assert code == 200 and size <= MAX_PAGE_BYTES, size
        if not page["events"]:
            break
        events += page["events"]
        after = page["next"]
        pages += 1
    # Then the pages held everything, in order, each output whole but the huge one
    assert pages >= 3
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    outputs = [e["output"] for e in events if e["type"] == "output"]
    shown = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "display_data"]
    assert [len(text) for text in shown[:12]] == [big] * 12
    assert outputs[12]["metadata"]["jupyter_jobs"]["omitted_bytes"] > 3_000_000
    assert events[-1]["type"] == "status" and events[-1]["status"] == "completed"
    # And the tail of the log is bounded too, while the output notebook has the huge output whole
    code, tail, size = jobs.call("GET", f"jobs/{job_id}/log", tail=10000)
    assert code == 200 and size <= MAX_PAGE_BYTES and tail["next"] == len(events)
    code, notebook, _ = jobs.call("GET", f"jobs/{job_id}/output")
    huge = notebook["cells"][1]["outputs"][0]["data"]["text/plain"]
    assert len("".join(huge)) == 3_000_000
