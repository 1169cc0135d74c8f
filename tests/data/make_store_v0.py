"""How tests/data/store-v0.sqlite was made: real jobs, run by jupyter-jobs as of commit ef30bfd.

That release's store recorded no schema version (version 0). Run this with that
release installed (not this checkout on the path), from an empty directory::

    python tests/data/make_store_v0.py /tmp/jj-store-v0
    cp /tmp/jj-store-v0/jobs.sqlite tests/data/store-v0.sqlite
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

import jupyter_jobs


def main(state: Path) -> None:
    state.mkdir(parents=True)
    work = state / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    source = "import jupyter_jobs\njupyter_jobs.record('answer', 42)"
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, str(work / "answer.ipynb"))
    (work / "hello.py").write_text("print('hello')\n")
    (work / "fails.py").write_text("raise SystemExit(3)\n")
    jupyter_jobs.configure(
        config={
            "JobsConfig": {
                "jobs_root": str(state / "jobs-root"),
                "db_path": str(state / "jobs.sqlite"),
            }
        }
    )
    jobs = [
        jupyter_jobs.submit(str(work / "answer.ipynb"), name="answer"),
        jupyter_jobs.submit(str(work / "hello.py"), name="hello", parameters={"n": 2}),
        jupyter_jobs.submit(str(work / "fails.py"), name="fails"),
    ]
    for job in jobs:
        job.wait(timeout=120)
        print(job.id, job.name, job.status)
    jobs[0].result()  # its results seen
    jupyter_jobs.configure()  # closes the store: its WAL is folded into the file


if __name__ == "__main__":
    main(Path(sys.argv[1]))
