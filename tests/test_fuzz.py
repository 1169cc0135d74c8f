"""schemathesis over the whole REST API of a real server: no input gives a server error.

It follows docs/rest-api.yaml, links included, so a job it creates feeds the per-job
operations; the document's request examples name files the test writes into the
server's root, so some submits start real jobs. The `st` CLI runs in a subprocess:
its phases (examples, coverage, fuzzing, stateful) as a user runs them, and none of
hypothesis's state in this process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_notebook
from server_process import TOKEN, ServerProcess

SPEC = Path(__file__).parent.parent / "docs" / "rest-api.yaml"
CHECKS = "not_a_server_error,response_schema_conformance"
MAX_EXAMPLES = 10  # per operation and phase: the run stays well under a minute
SEED = os.environ.get("JUPYTER_JOBS_FUZZ_SEED", "8")  # another seed explores other inputs


@pytest.fixture
def server(tmp_path: Path):
    root = tmp_path / "root"
    # The files docs/rest-api.yaml's request examples submit.
    write_notebook(root / "notebooks" / "analysis.ipynb", "print(alpha)", parameters="alpha = 1")
    (root / "scripts").mkdir()
    (root / "scripts" / "train.py").write_text("print('trained')\n")
    server = ServerProcess(
        root,
        tmp_path / "state",
        {
            "LocalBackend": {"max_concurrent_jobs": 1},
            "JobsApp": {"watch_interval": 0.2},
            "SweepManager": {"max_runs": 4},  # a generated grid starts a handful of runs at most
        },
    )
    server.start()
    yield server
    server.kill()


def test_no_request_gives_a_server_error(server: ServerProcess, tmp_path: Path):
    # Given a real server with a notebook and a script in its root
    # When schemathesis sends what the document allows, and much that it does not
    argv = [
        *("run", str(SPEC)),
        *("--url", f"http://127.0.0.1:{server.port}/jupyter-jobs"),
        *("--header", f"Authorization: token {TOKEN}"),
        *("--checks", CHECKS),
        *("--max-examples", str(MAX_EXAMPLES)),
        *("--seed", SEED),
        *("--workers", "1"),
        *("--request-timeout", "30"),
        "--no-shrink",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", *argv],
        cwd=tmp_path,  # its .hypothesis and .schemathesis folders
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ, NO_COLOR="1"),
    )
    # Then every answer is a 2xx or a 4xx that matches the document
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # ...and the stateful phase followed links from a created job into per-job operations
    links = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert links and int(links[1]) > 0, result.stdout
    assert "Uncaught exception" not in server.log_path.read_text()


# -- what the fuzzer found, each kept as a plain test ----------------------------------------


async def test_an_offset_past_any_integer_is_an_empty_page(jobs, root):
    # SQLite took an offset beyond 2**63 - 1 for a real and failed with a 500.
    (root / "quick.py").write_text("print(1)\n")
    job = await jobs.submit("quick.py")
    page = await jobs.request("GET", "jobs", offset=str(10**40), limit="10")
    assert page == {"jobs": [], "total": 1}
    await jobs.wait_for(job["id"])
