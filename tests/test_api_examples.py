"""The examples run as real jobs: the digits notebook, the PyTorch notebook, the sweep script."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import jupyter_jobs
from jupyter_jobs import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["train_digits.ipynb", "train_torch.ipynb"])
def test_example_notebooks_have_a_parameters_cell(name: str) -> None:
    nb = nbformat.read(str(EXAMPLES / name), as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for parameter in ("epochs", "learning_rate", "seed"):
        assert f"{parameter} = " in tagged[0].source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_start_script_installs_what_the_digits_and_sweep_examples_import() -> None:
    # (The README's walkthrough once failed on a fresh machine: "No module named 'numpy'".)
    start = (EXAMPLES.parent / "scripts" / "start.sh").read_text()
    assert re.search(r"^python -m pip install .* -r examples/requirements\.txt", start, re.M)
    listed = {
        re.split(r"[\s<>=~!\[#;]", line.strip(), maxsplit=1)[0].lower()
        for line in (EXAMPLES / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    installed = _with_dependencies(listed | {"jupyter-jobs"})
    providers = importlib.metadata.packages_distributions()
    digits = nbformat.read(str(EXAMPLES / "train_digits.ipynb"), as_version=4)
    sources = [c.source for c in digits.cells if c.cell_type == "code"]
    sources.append((EXAMPLES / "sweep.py").read_text())
    for module in sorted(set().union(*map(_third_party_imports, sources))):
        if module == "jupyter_jobs":
            continue
        dists = {d.lower() for d in providers.get(module, [])}
        assert dists & installed, f"{module} ({dists}) is in no requirement of start.sh"


def _third_party_imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names)


def _with_dependencies(names: set[str]) -> set[str]:
    """The distributions named and everything they require (installed ones; extras left out)."""
    seen: set[str] = set()
    todo = [n.lower().replace("_", "-") for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[\s<>=~!\[;(]", requirement, maxsplit=1)[0].lower())
    return {n.replace("_", "-") for n in seen} | seen


def test_digits_notebook_trains_and_records_its_metrics_and_model(work: Path) -> None:
    # When the digits example runs as a job, with a few epochs
    job = api.submit(EXAMPLES / "train_digits.ipynb", parameters={"epochs": 4}, wait=True)
    assert job.status == "completed", job.error
    # Then its progress bar went through the epochs
    log = job.log()
    assert "training: 100%" in log and "4/4" in log
    # And its results are the metrics, the history and a model that predicts digits
    results = job.result()
    assert set(results) == {"accuracy", "history", "params", "confusion_matrix", "model"}
    assert [h["epoch"] for h in results["history"]] == [1, 2, 3, 4]
    assert results["params"]["epochs"] == 4
    assert results["accuracy"] > 0.8  # a fixed seed: the same run every time
    assert results["confusion_matrix"].shape == (10, 10)
    from sklearn.datasets import load_digits

    digits = load_digits()
    accuracy = (results["model"].predict(digits.data) == digits.target).mean()
    assert accuracy > 0.8


def test_torch_notebook_trains(work: Path) -> None:
    if importlib.util.find_spec("torch") is None:
        pytest.fail("PyTorch is not installed: scripts/test.sh installs it (pip install torch)")
    job = api.submit(
        EXAMPLES / "train_torch.ipynb",
        parameters={"epochs": 3, "n_samples": 2000},
        wait=True,
    )
    assert job.status == "completed", job.error
    assert "training: 100%" in job.log()
    results = job.result()
    assert [h["epoch"] for h in results["history"]] == [1, 2, 3]
    assert 0.5 < results["accuracy"] <= 1.0
    assert results["accuracy"] == results["history"][-1]["test_accuracy"]
    assert "0.weight" in results["state_dict"]


def test_sweep_script_runs_a_sweep_waits_and_prints_its_table(work: Path) -> None:
    # When the sweep runs, with a short training
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "sweep.py"), "--epochs", "2"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    # Then one sweep of four runs ran, one per point of the grid, and its table shows them
    lines = done.stdout.splitlines()
    assert sum(line.startswith("submitted ") for line in lines) == 4
    header = lines.index("learning_rate  hidden_units  accuracy  seconds  job")
    rows = [line.split() for line in lines[header + 1 : header + 5]]
    assert sorted((r[0], r[1]) for r in rows) == [
        ("0.001", "16"),
        ("0.001", "64"),
        ("0.01", "16"),
        ("0.01", "64"),
    ]
    accuracies = [float(r[2]) for r in rows]
    assert accuracies == sorted(accuracies, reverse=True)
    assert any(line.startswith("best: ") and rows[0][4] in line for line in lines)
    # And the sweep and its runs are there for the Jobs panel, their results read
    (sweep,) = jupyter_jobs.sweeps()
    assert sweep.status == "completed" and sweep.name == "digits"
    jobs = api.jobs()
    assert {job.id for job in jobs} == {r[4] for r in rows} == {job.id for job in sweep.jobs}
    assert all(job.info["output_fetched"] for job in jobs)
    sweep.remove()
    assert api.jobs() == []
