"""Results: jupyter_jobs.record inside a job, and reading them back (files, REST, load code)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import write_notebook

import jupyter_jobs
from jupyter_jobs.jobdir import JOB_DIR_ENV
from jupyter_jobs.results import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    ResultTooLarge,
    list_results,
    load_code,
    load_results,
    record,
)


@pytest.fixture
def job_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A job directory, as code inside a running job sees it."""
    path = tmp_path / "job"
    path.mkdir()
    monkeypatch.setenv(JOB_DIR_ENV, str(path))
    monkeypatch.delenv(MAX_BYTES_ENV, raising=False)
    return path


# -- record and load, on the files ------------------------------------------------------------


def test_plain_data_is_json_and_other_objects_are_pickled(job_dir: Path) -> None:
    # Given values of several kinds
    metrics = {"accuracy": 0.97, "epochs": [1, 2, 3], "name": "run", "ok": True, "none": None}
    # When a job records them
    jupyter_jobs.record("metrics", metrics)
    jupyter_jobs.record("when", date(2026, 1, 2))
    jupyter_jobs.record("pair", (1, 2))
    jupyter_jobs.record("nan", float("nan"))
    # Then plain data is JSON on disk, the rest pickle, and each comes back as it was
    assert json.loads((job_dir / "results" / "metrics.json").read_text()) == metrics
    listing = {e["name"]: e for e in list_results(job_dir)}
    assert [e["name"] for e in list_results(job_dir)] == ["metrics", "when", "pair", "nan"]
    assert listing["metrics"]["format"] == "json"
    assert listing["metrics"]["type"] == "dict"
    assert listing["when"]["format"] == "pickle"
    assert listing["when"]["type"] == "datetime.date"
    assert listing["pair"]["format"] == "pickle"  # a tuple stays a tuple
    assert listing["nan"]["format"] == "pickle"  # JSON has no NaN
    assert listing["metrics"]["size"] == (job_dir / "results" / "metrics.json").stat().st_size
    values = load_results(job_dir)
    assert values["metrics"] == metrics
    assert values["when"] == date(2026, 1, 2)
    assert values["pair"] == (1, 2)
    assert values["nan"] != values["nan"]
    assert load_results(job_dir, formats=("json",)) == {"metrics": metrics}


def test_numpy_values_keep_their_type(job_dir: Path) -> None:
    np = pytest.importorskip("numpy")  # a dependency of papermill's, always here
    jupyter_jobs.record("weights", np.arange(6).reshape(2, 3))
    jupyter_jobs.record("score", np.float64(0.5))
    values = load_results(job_dir)
    assert values["weights"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert type(values["score"]) is np.float64
    assert {e["name"]: e["type"] for e in list_results(job_dir)} == {
        "weights": "numpy.ndarray",
        "score": "numpy.float64",
    }


def test_recording_a_name_again_replaces_it_even_across_formats(job_dir: Path) -> None:
    record("x", 1)
    record("x", {1, 2})  # a set: pickle
    record("y", "kept")
    assert load_results(job_dir) == {"x": {1, 2}, "y": "kept"}
    assert not (job_dir / "results" / "x.json").exists()
    record("x", [3])
    assert load_results(job_dir) == {"x": [3], "y": "kept"}
    assert [e["name"] for e in list_results(job_dir)] == ["y", "x"]
    files = sorted(p.name for p in (job_dir / "results").iterdir() if not p.name.startswith("."))
    assert files == ["index.json", "x.json", "y.json"]


def test_format_pickle_can_be_forced(job_dir: Path) -> None:
    record("n", 3, format="pickle")
    assert list_results(job_dir)[0]["format"] == "pickle"
    assert pickle.loads((job_dir / "results" / "n.pickle").read_bytes()) == 3
    with pytest.raises(ValueError, match="format must be one of json, pickle"):
        record("n", 3, format="yaml")


def test_a_value_past_the_limit_is_refused_and_nothing_is_kept(job_dir: Path) -> None:
    # Given the default limit is 100 MB
    assert DEFAULT_MAX_BYTES == 100 * 1024 * 1024
    # When a value is bigger than the limit given
    with pytest.raises(ResultTooLarge) as info:
        record("big", b"x" * 5000, max_bytes=1000)
    # Then the error says what, how big the limit is, and what to do instead
    message = str(info.value)
    assert "'big'" in message and "bytes" in message
    assert "1000 bytes" in message
    assert "max_bytes" in message and MAX_BYTES_ENV in message
    # And nothing is left behind
    assert list_results(job_dir) == []
    assert [p.name for p in (job_dir / "results").iterdir() if not p.name.startswith(".")] == []
    # A JSON value is measured the same way
    with pytest.raises(ResultTooLarge, match="as json"):
        record("text", "y" * 2000, max_bytes=1000)
    # And a value within the limit is kept
    record("small", b"x" * 10, max_bytes=1000)
    assert load_results(job_dir) == {"small": b"x" * 10}


def test_the_limit_comes_from_the_environment(job_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(MAX_BYTES_ENV, "100")
    with pytest.raises(ResultTooLarge, match="100 bytes"):
        record("v", list(range(100)))
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(ValueError, match=MAX_BYTES_ENV):
        record("v", 1)


@pytest.mark.parametrize("name", ["", "a/b", "../x", ".hidden", "x" * 101, "1st", "a b", 7])
def test_bad_names_are_refused(job_dir: Path, name: Any) -> None:
    with pytest.raises(ValueError, match="A result name must"):
        record(name, 1)
    assert not (job_dir / "results").exists()


def test_what_cannot_be_pickled_fails_clearly(job_dir: Path) -> None:
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        record("f", lambda: 1)
    assert list_results(job_dir) == []


def test_outside_a_job_the_value_is_checked_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(JOB_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match="outside a job"):
        record("x", [1, 2])
    with pytest.raises(ResultTooLarge):
        record("y", "z" * 100, max_bytes=10)
    assert list(tmp_path.iterdir()) == []


def test_load_code_assigns_identifiers_and_keeps_the_rest_in_the_dict() -> None:
    names = ["accuracy", "model.v2", "class", "results"]
    entries = [{"name": name, "format": "json"} for name in names]
    code = load_code("abc123", "/jobs/abc123", entries, "train")
    assert '_folder = "/jobs/abc123/results"' in code
    assert 'accuracy = results["accuracy"]' in code
    assert "model.v2 =" not in code and "class =" not in code
    assert "results = results" not in code
    compile(code, "<load_code>", "exec")


# -- results of real jobs, through the REST API --------------------------------------------------


def _run_python(code: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_rest_lists_results_and_its_load_code_loads_them(
    jobs: Any, root: Path, tmp_path: Path
) -> None:
    # Given a notebook that records a metric, a list and a numpy array
    write_notebook(
        root / "train.ipynb",
        "import numpy as np, jupyter_jobs\n"
        "jupyter_jobs.record('accuracy', 0.5 + n / 100)\n"
        "jupyter_jobs.record('losses', [1.0, 0.5])\n"
        "jupyter_jobs.record('weights', np.ones(n))",
        parameters="n = 1",
    )
    # When it ran as a job
    job = await jobs.submit("train.ipynb", parameters={"n": 3})
    job = await jobs.wait_for(job["id"])
    assert job["status"] == "completed", job
    assert job["output_fetched"] is False
    # Then a listing of the names only leaves them unseen
    listing = await jobs.request("GET", "jobs", job["id"], "results", mark_seen="false")
    assert (await jobs.get(job["id"]))["output_fetched"] is False
    # And its results are listed by name, format, type and size (values are not sent)
    answer = await jobs.request("GET", "jobs", job["id"], "results")
    assert answer["results"] == listing["results"]
    assert [(r["name"], r["format"], r["type"]) for r in answer["results"]] == [
        ("accuracy", "json", "float"),
        ("losses", "json", "list"),
        ("weights", "pickle", "numpy.ndarray"),
    ]
    assert all(r["size"] > 0 for r in answer["results"])
    # And reading them counts as seeing the job's results: it can go without force
    assert (await jobs.get(job["id"]))["output_fetched"] is True
    # And the load code, run by Python that finds the same job store, brings the values back
    env = dict(
        os.environ,
        JUPYTER_JOBS_ROOT=str(tmp_path / "jobs-root"),
        JUPYTER_JOBS_DB_PATH=str(tmp_path / "jobs.sqlite"),
    )
    out = _run_python(
        answer["load_code"] + "print(repr(accuracy), losses, weights.tolist())", env, root
    )
    assert out.strip() == "0.53 [1.0, 0.5] [1.0, 1.0, 1.0]"
    await jobs.request("DELETE", "jobs", job["id"])


async def test_rest_results_of_running_failed_and_unknown_jobs(jobs: Any, root: Path) -> None:
    # Given a job that records a value, then waits for a file, then fails
    gate = root / "gate"
    write_notebook(
        root / "fails.ipynb",
        "import jupyter_jobs, os, time\njupyter_jobs.record('partial', 1)",
        f"while not os.path.exists({str(gate)!r}): time.sleep(0.05)",
        "raise RuntimeError('boom')",
    )
    job = await jobs.submit("fails.ipynb")

    def recorded(events: list[dict[str, Any]]) -> bool:
        return any(e["type"] == "cell_end" for e in events)

    await jobs.wait_for_log(job["id"], recorded)
    # When its results are read while it runs: what it kept so far, no load code, not "seen"
    answer = await jobs.request("GET", "jobs", job["id"], "results")
    assert [r["name"] for r in answer["results"]] == ["partial"]
    assert answer["load_code"] is None
    assert (await jobs.get(job["id"]))["output_fetched"] is False
    # And once it failed: still listed, no load code (result() would raise)
    gate.touch()
    assert (await jobs.wait_for(job["id"]))["status"] == "failed"
    answer = await jobs.request("GET", "jobs", job["id"], "results")
    assert [r["name"] for r in answer["results"]] == ["partial"]
    assert answer["load_code"] is None
    # And an unknown job is a 404 with a message
    code, message = await jobs.error("GET", "jobs", "nope", "results")
    assert code == 404 and "nope" in message


async def test_a_job_recording_past_the_limit_fails_with_a_clear_error(
    jobs: Any, root: Path
) -> None:
    write_notebook(
        root / "huge.ipynb",
        "import jupyter_jobs\njupyter_jobs.record('blob', b'x' * 5000, max_bytes=1024)",
    )
    job = await jobs.wait_for((await jobs.submit("huge.ipynb"))["id"])
    assert job["status"] == "failed"
    assert job["error"]["ename"] == "ResultTooLarge"
    assert "larger than the limit of 1.0 KB" in job["error"]["evalue"]
    answer = await jobs.request("GET", "jobs", job["id"], "results")
    assert answer["results"] == []


async def test_a_script_job_records_results_too(jobs: Any, root: Path) -> None:
    (root / "fit.py").write_text(
        "import sys, jupyter_jobs\n"
        "n = int(sys.argv[sys.argv.index('--n') + 1])\n"
        "jupyter_jobs.record('squares', [i * i for i in range(n)])\n"
    )
    job = await jobs.wait_for((await jobs.submit("fit.py", parameters={"n": 4}))["id"])
    assert job["status"] == "completed", job
    answer = await jobs.request("GET", "jobs", job["id"], "results")
    assert [(r["name"], r["format"]) for r in answer["results"]] == [("squares", "json")]
    assert 'squares = results["squares"]' in answer["load_code"]
