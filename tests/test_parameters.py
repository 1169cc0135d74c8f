"""GET jupyter-jobs/parameters: a notebook's parameters as papermill reads them."""

from __future__ import annotations

from pathlib import Path

import nbformat
from conftest import JobsClient, write_notebook

PARAMETERS_CELL = """\
learning_rate: float = 0.01  # step size of the optimiser
hidden = 32
optimiser = "adam"  # one of adam, sgd
"""


async def test_a_notebooks_parameters_come_with_papermills_types_defaults_and_help(
    jobs: JobsClient, root: Path
) -> None:
    write_notebook(root / "work" / "train.ipynb", "print(1)", parameters=PARAMETERS_CELL)

    answer = await jobs.request("GET", "parameters", path="work/train.ipynb")

    assert answer == {
        "parameters": [
            {
                "name": "learning_rate",
                "type": "float",
                "default": "0.01",
                "help": "step size of the optimiser",
            },
            {"name": "hidden", "type": None, "default": "32", "help": ""},
            {"name": "optimiser", "type": None, "default": '"adam"', "help": "one of adam, sgd"},
        ]
    }


async def test_no_parameters_cell_and_scripts_declare_none(jobs: JobsClient, root: Path) -> None:
    write_notebook(root / "plain.ipynb", "x = 1")
    (root / "script.py").write_text("import sys\nprint(sys.argv)\n")
    # A notebook that names no kernel runs on python3, so it is read as Python.
    untagged = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("alpha = 0.5")
    cell.metadata["tags"] = ["parameters"]
    untagged.cells.append(cell)
    nbformat.write(untagged, str(root / "no-kernel.ipynb"))

    assert await jobs.request("GET", "parameters", path="plain.ipynb") == {"parameters": []}
    assert await jobs.request("GET", "parameters", path="script.py") == {"parameters": []}
    no_kernel = await jobs.request("GET", "parameters", path="no-kernel.ipynb")
    assert [p["name"] for p in no_kernel["parameters"]] == ["alpha"]


BAD_QUERIES = [
    ({}, 400, "'path' must be"),
    ({"path": "../outside.ipynb"}, 400, "outside the server root"),
    ({"path": "/etc/passwd"}, 400, "not absolute"),
    ({"path": "missing.ipynb"}, 404, "No such file"),
    ({"path": "notes.txt"}, 400, "neither a notebook"),
    ({"path": "damaged.ipynb"}, 400, "not a readable notebook"),
    ({"path": "cobol.ipynb"}, 400, "papermill cannot run"),
]


async def test_bad_paths_are_refused_as_post_jobs_refuses_them(
    jobs: JobsClient, root: Path
) -> None:
    (root / "notes.txt").write_text("hello")
    (root / "damaged.ipynb").write_text('{"cells": [')
    foreign = write_notebook(root / "cobol.ipynb", parameters="x = 1")
    notebook = nbformat.read(str(foreign), as_version=4)
    notebook.metadata["kernelspec"] = {"name": "cobol", "language": "cobol", "display_name": "C"}
    nbformat.write(notebook, str(foreign))

    for query, status, says in BAD_QUERIES:
        code, message = await jobs.error("GET", "parameters", **query)
        assert (code, says in message) == (status, True), (query, message)
