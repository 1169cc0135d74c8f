"""The REST API contract: submitting, reading, listing, removing, and refusing bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import nbformat
import pytest
from conftest import stdout_text, write_notebook
from tornado.httpclient import HTTPClientError


async def test_parameters_keep_their_json_types(jobs, root):
    # Given a notebook whose parameters cell has defaults of several types
    write_notebook(
        root / "params.ipynb",
        "print(repr(n), repr(rate), repr(label), repr(xs), repr(opts))",
        parameters="n = 1\nrate = 0.1\nlabel = 'a'\nxs = []\nopts = {}",
    )
    # When it is submitted with JSON-typed parameters
    job = await jobs.submit(
        "params.ipynb",
        parameters={"n": 3, "rate": 0.5, "label": "b c", "xs": [1, 2], "opts": {"k": True}},
    )
    job = await jobs.wait_for(job["id"])
    # Then the notebook saw numbers as numbers, strings as strings, lists and dicts as such
    assert job["status"] == "completed", job
    text = stdout_text((await jobs.log(job["id"]))["events"])
    assert "3 0.5 'b c' [1, 2] {'k': True}" in text


async def test_injected_cell_follows_the_parameters_cell(jobs, root):
    write_notebook(root / "p.ipynb", "print(n)", parameters="n = 1")
    job = await jobs.wait_for((await jobs.submit("p.ipynb", parameters={"n": 7}))["id"])
    nb = nbformat.reads(
        json.dumps(await jobs.request("GET", "jobs", job["id"], "output")), as_version=4
    )
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    assert tags[0] == ["parameters"]
    assert "injected-parameters" in tags[1]
    assert nb.cells[2].outputs[0]["text"] == "7\n"


async def test_notebook_without_parameters_cell_gets_them_at_the_top(jobs, root):
    write_notebook(root / "plain.ipynb", "print(n + 1)")
    job = await jobs.wait_for((await jobs.submit("plain.ipynb", parameters={"n": 41}))["id"])
    assert job["status"] == "completed", job
    assert "42" in stdout_text((await jobs.log(job["id"]))["events"])


async def test_job_runs_in_the_input_files_directory_on_a_frozen_copy(jobs, root):
    # Given a notebook in a sub-directory that reads a file next to it
    (root / "project").mkdir()
    (root / "project" / "data.txt").write_text("hello from data")
    write_notebook(
        root / "project" / "read.ipynb",
        "import os, time\nprint(os.getcwd())\nprint(open('data.txt').read())",
    )
    # When it is submitted and the notebook is changed right after
    job = await jobs.submit("project/read.ipynb")
    write_notebook(root / "project" / "read.ipynb", "raise SystemExit('edited')")
    job = await jobs.wait_for(job["id"])
    # Then the job ran the submitted version, in the notebook's directory
    assert job["status"] == "completed", job
    text = stdout_text((await jobs.log(job["id"]))["events"])
    assert str((root / "project").resolve()) in text
    assert "hello from data" in text


async def test_job_fields(jobs, root):
    write_notebook(root / "fields.ipynb", "1 + 1", "2 + 2")
    job = await jobs.submit("fields.ipynb", name="my run")
    assert job["name"] == "my run"
    assert job["path"] == "fields.ipynb"
    assert job["kind"] == "notebook"
    assert job["backend"] == "local"
    assert job["kernel_name"] == "python3"
    assert job["created_at"].endswith("Z")
    job = await jobs.wait_for(job["id"])
    assert job["progress"] == {"done": 2, "total": 2}
    assert job["started_at"] <= job["finished_at"]
    assert job["error"] is None
    assert set(job) >= {
        "id", "name", "path", "kind", "backend", "status", "parameters", "created_at",
        "started_at", "finished_at", "progress", "error", "output_path",
    }  # fmt: skip


async def test_default_name_is_the_file_name(jobs, root):
    write_notebook(root / "train model.ipynb", "1")
    job = await jobs.submit("train model.ipynb")
    assert job["name"] == "train model"


async def test_script_gets_parameters_as_arguments(jobs, root):
    (root / "script.py").write_text(
        "import sys, argparse\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('--epochs', type=int)\n"
        "p.add_argument('--label')\n"
        "p.add_argument('--xs')\n"
        "a = p.parse_args()\n"
        "print(a.epochs * 2, a.label, a.xs)\n"
        "print('to stderr', file=sys.stderr)\n"
    )
    job = await jobs.submit(
        "script.py", parameters={"epochs": 4, "label": "x; rm -rf /", "xs": [1]}
    )
    assert job["kind"] == "script"
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "completed", job
    assert job["progress"] == {"done": 1, "total": 1}
    text = stdout_text((await jobs.log(job["id"]))["events"])
    assert "8 x; rm -rf / [1]" in text
    assert "to stderr" in text
    output = await jobs.request("GET", "jobs", job["id"], "output")
    assert "8 x; rm -rf / [1]" in output


async def test_failing_script_reports_its_exception(jobs, root):
    (root / "bad.py").write_text("raise ValueError('no data')\n")
    job = await jobs.wait_for((await jobs.submit("bad.py"))["id"])
    assert job["status"] == "failed"
    assert job["error"]["ename"] == "ValueError"
    assert job["error"]["exit_code"] == 1
    assert "no data" in job["error"]["message"]


async def test_list_is_newest_first_and_filters(jobs, root):
    write_notebook(root / "a.ipynb", "1")
    (root / "s.py").write_text("print(1)\n")
    first = await jobs.submit("a.ipynb")
    second = await jobs.submit("s.py")
    await jobs.wait_for(first["id"])
    await jobs.wait_for(second["id"])

    listed = await jobs.request("GET", "jobs")
    ids = [j["id"] for j in listed["jobs"]]
    assert ids == [second["id"], first["id"]]
    assert listed["total"] == 2

    page = await jobs.request("GET", "jobs", limit="1", offset="1")
    assert [j["id"] for j in page["jobs"]] == [first["id"]]
    assert page["total"] == 2

    completed = await jobs.request("GET", "jobs", status="completed")
    assert {j["id"] for j in completed["jobs"]} == {first["id"], second["id"]}
    assert (await jobs.request("GET", "jobs", status="failed"))["jobs"] == []
    assert (await jobs.request("GET", "jobs", backend="nowhere"))["jobs"] == []

    created = second["created_at"]
    since = await jobs.request("GET", "jobs", since=created)
    assert [j["id"] for j in since["jobs"]] == [second["id"]]
    until = await jobs.request("GET", "jobs", until=created)
    assert [j["id"] for j in until["jobs"]] == [first["id"]]
    assert (await jobs.request("GET", "jobs", since="2999-01-01T00:00:00+02:00"))["jobs"] == []


async def test_repeated_status_filter(jobs, jp_fetch, root):
    (root / "ok.py").write_text("print(1)\n")
    (root / "ko.py").write_text("raise SystemExit(3)\n")
    ok = await jobs.wait_for((await jobs.submit("ok.py"))["id"])
    ko = await jobs.wait_for((await jobs.submit("ko.py"))["id"])
    response = await jp_fetch(
        "jupyter-jobs", "jobs", params=[("status", "completed"), ("status", "failed")]
    )
    listed = json.loads(response.body)
    assert {j["id"] for j in listed["jobs"]} == {ok["id"], ko["id"]}
    assert ko["error"]["exit_code"] == 3


async def test_remove_needs_force_until_the_output_was_fetched(jobs, root):
    write_notebook(root / "r.ipynb", "print('result')")
    job = await jobs.wait_for((await jobs.submit("r.ipynb"))["id"])
    job_dir = Path(job["output_path"]).parent

    code, message = await jobs.error("DELETE", "jobs", job["id"])
    assert code == 409
    assert "never fetched" in message
    assert job_dir.exists()

    await jobs.request("GET", "jobs", job["id"], "output")
    assert (await jobs.get(job["id"]))["output_fetched"] is True
    await jobs.request("DELETE", "jobs", job["id"])
    assert not job_dir.exists()
    assert (await jobs.error("GET", "jobs", job["id"]))[0] == 404


async def test_remove_with_force(jobs, root):
    write_notebook(root / "r.ipynb", "1")
    job = await jobs.wait_for((await jobs.submit("r.ipynb"))["id"])
    await jobs.request("DELETE", "jobs", job["id"], force="true")
    assert (await jobs.request("GET", "jobs"))["jobs"] == []


async def test_remove_running_job_is_a_conflict(jobs, root):
    write_notebook(root / "slow.ipynb", "import time; time.sleep(60)")
    job = await jobs.submit("slow.ipynb")
    await jobs.wait_for(job["id"], "running")
    code, message = await jobs.error("DELETE", "jobs", job["id"], force="true")
    assert code == 409
    assert "cancel it" in message
    await jobs.request("POST", "jobs", job["id"], "cancel")
    await jobs.wait_for(job["id"], "cancelled")


async def test_backends(jobs):
    answer = await jobs.request("GET", "backends")
    assert answer["default"] == "local"
    assert "local" in [b["name"] for b in answer["backends"]]


async def test_backend_resources_schema_agrees_with_submit(jobs, root):
    # Given the local backend's resources as a JSON Schema (the dialog's form)
    answer = await jobs.request("GET", "backends")
    local = next(b for b in answer["backends"] if b["name"] == "local")
    schema = local["resources_schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    # the list of resources stays beside it, for older clients
    assert [r["name"] for r in local["resources"]] == list(schema["properties"])
    assert schema["properties"]["time_limit"]["title"] == "Time limit"

    # When values are checked by the schema and by a submit, Then both agree
    for good in ("90", "05:00", "01:30:00", "1-12", "1-12:30:00"):
        assert validator.is_valid({"time_limit": good}), good
    assert not validator.is_valid({"cpus": 2})  # the local backend takes no cpus
    write_notebook(root / "schema_check.ipynb", "x = 1")
    before = (await jobs.request("GET", "jobs"))["total"]
    for bad in ("ten minutes", "1:2:3:4"):
        assert not validator.is_valid({"time_limit": bad}), bad
        code, message = await jobs.error(
            "POST", "jobs", body={"path": "schema_check.ipynb", "resources": {"time_limit": bad}}
        )
        assert code == 400 and "time" in message.lower()
    assert (await jobs.request("GET", "jobs"))["total"] == before


# -- bad input: a 4xx with a message, and nothing created ---------------------------------


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"path": "../outside.ipynb"}, 400, "outside the server root"),
        ({"path": "/etc/passwd"}, 400, "not absolute"),
        ({"path": "missing.ipynb"}, 404, "No such file"),
        ({"path": "notes.txt"}, 400, "neither a notebook"),
        ({"path": "good.ipynb", "parameters": [1, 2]}, 400, "'parameters' must be an object"),
        ({"path": "good.ipynb", "parameters": {"x y": 1}}, 400, "not a valid Python identifier"),
        ({"path": "good.ipynb", "parameters": {"import os": 1}}, 400, "identifier"),
        ({"path": "good.ipynb", "backend": "mars"}, 400, "Unknown backend 'mars'"),
        ({"path": "good.ipynb", "kernel_name": "cobol"}, 400, "No kernel named 'cobol'"),
        ({"path": "good.ipynb", "resources": {"gpus": 1}}, 400, "does not take"),
        ({"path": "good.ipynb", "name": "two\nlines"}, 400, "single line"),
        ({"path": "good.ipynb", "colour": "red"}, 400, "Unknown field"),
        ({"path": "broken.ipynb"}, 400, "not a readable notebook"),
        ({"path": 42}, 400, "'path' must be"),
        ({}, 400, "'path' must be"),
    ],
)
async def test_bad_submit_creates_nothing(jobs, root, tmp_path, body, status, words):
    write_notebook(root / "good.ipynb", "1")
    (root / "notes.txt").write_text("hello")
    (root / "broken.ipynb").write_text("{not json")
    (root.parent / "outside.ipynb").write_text("{}")

    code, message = await jobs.error("POST", "jobs", body=body)

    assert code == status
    assert words in message
    assert (await jobs.request("GET", "jobs"))["total"] == 0
    assert [p.name for p in (tmp_path / "jobs-root").iterdir() if not p.name.startswith(".")] == []


async def test_symlink_out_of_the_root_is_refused(jobs, root, tmp_path):
    outside = write_notebook(tmp_path / "elsewhere" / "secret.ipynb", "1")
    (root / "link.ipynb").symlink_to(outside)
    code, message = await jobs.error("POST", "jobs", body={"path": "link.ipynb"})
    assert code == 400
    assert "outside" in message


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        '"a string"',
        b'{"path": "\xff\xfe.ipynb"}',  # not UTF-8
        '{"path": "a.ipynb", "parameters": {"x": NaN}}',  # not JSON, though Python reads it
        "[" * 100_000,  # nested past Python's recursion limit
    ],
)
async def test_malformed_body(jobs, body):
    code, message = await jobs.error("POST", "jobs", body=body)
    assert code == 400
    assert message


@pytest.mark.parametrize(
    ("method", "parts"),
    [
        ("GET", ("jobs", "nope")),
        ("DELETE", ("jobs", "nope")),
        ("POST", ("jobs", "nope", "cancel")),
        ("GET", ("jobs", "nope", "output")),
        ("GET", ("jobs", "nope", "log")),
    ],
)
async def test_unknown_job_id(jobs, method, parts):
    code, message = await jobs.error(method, *parts)
    assert code == 404
    assert "nope" in message


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sleeping"},
        {"since": "yesterday"},
        {"limit": "0"},
        {"limit": "many"},
        {"offset": "-1"},
    ],
)
async def test_bad_list_filters(jobs, params):
    code, message = await jobs.error("GET", "jobs", **params)
    assert code == 400
    assert message


async def test_bad_log_cursor(jobs, root):
    write_notebook(root / "n.ipynb", "1")
    job = await jobs.submit("n.ipynb")
    assert (await jobs.error("GET", "jobs", job["id"], "log", after="x"))[0] == 400
    assert (await jobs.error("GET", "jobs", job["id"], "log", after="-5"))[0] == 400
    assert (await jobs.error("DELETE", "jobs", job["id"], force="maybe"))[0] == 400
    await jobs.wait_for(job["id"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "jupyter-jobs/jobs"),
        ("POST", "jupyter-jobs/jobs"),
        ("GET", "jupyter-jobs/jobs/x"),
        ("DELETE", "jupyter-jobs/jobs/x"),
        ("POST", "jupyter-jobs/jobs/x/cancel"),
        ("GET", "jupyter-jobs/jobs/x/output"),
        ("GET", "jupyter-jobs/jobs/x/log"),
        ("GET", "jupyter-jobs/backends"),
    ],
)
async def test_requests_without_credentials_are_refused(
    jp_serverapp, jp_http_port, http_server_client, jp_base_url, method, path
):
    # A request with no token and no cookie, straight to the server.
    url = f"{jp_base_url}{path}"
    with pytest.raises(HTTPClientError) as info:
        await http_server_client.fetch(
            url, method=method, body="{}" if method == "POST" else None, raise_error=True
        )
    assert info.value.code in (401, 403)
