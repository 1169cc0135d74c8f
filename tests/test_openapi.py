"""docs/rest-api.yaml stays true: a valid OpenAPI document, the server's routes, real answers."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import yaml
from conftest import write_notebook
from openapi_spec_validator import validate

from jupyter_jobs.handlers import routes

SPEC = yaml.safe_load((Path(__file__).parent.parent / "docs" / "rest-api.yaml").read_text())


def schema(name: str) -> dict:
    """A component schema with its $refs resolvable, OpenAPI's nullable made JSON Schema."""
    text = yaml.safe_dump(SPEC["components"]["schemas"])
    components = yaml.safe_load(text.replace("#/components/schemas/", "#/$defs/"))
    return _nullable({"$ref": f"#/$defs/{name}", "$defs": components})


def _nullable(node):
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def test_the_document_is_valid_openapi():
    validate(SPEC)


def test_every_route_is_documented_and_every_documented_path_routed():
    routed = {
        re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).removeprefix("/jupyter-jobs")
        for pattern, _ in routes()
    }
    assert routed == set(SPEC["paths"])


async def test_real_answers_match_the_document(jobs, root):
    write_notebook(root / "doc.ipynb", "print('hi')", parameters="n = 1")
    job = await jobs.submit("doc.ipynb", parameters={"n": 2})
    jsonschema.validate(job, schema("Job"))
    job = await jobs.wait_for(job["id"])
    jsonschema.validate(job, schema("Job"))
    listed = await jobs.request("GET", "jobs")
    for item in listed["jobs"]:
        jsonschema.validate(item, schema("Job"))
    log = await jobs.log(job["id"])
    for event in log["events"]:
        jsonschema.validate(event, schema("LogEvent"))
    for backend in (await jobs.request("GET", "backends"))["backends"]:
        jsonschema.validate(backend, schema("Backend"))
    _, message = await jobs.error("GET", "jobs", "missing")
    jsonschema.validate({"message": message}, schema("Error"))


def test_a_created_job_links_to_every_per_job_operation():
    per_job = {
        operation["operationId"]
        for path, item in SPEC["paths"].items()
        if "{job_id}" in path
        for method, operation in item.items()
        if method != "parameters"
    }
    links = SPEC["paths"]["/jobs"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == per_job
    for link in links.values():
        assert link["parameters"] == {"job_id": "$response.body#/id"}
