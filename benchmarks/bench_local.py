"""Local jobs against the papermill CLI, measured in one run on this machine.

Prints:
- submit -> completed of a one-cell notebook through the REST API of a real
  Jupyter server, against `papermill in.ipynb out.ipynb` on the same file
  (median of several runs each) and their ratio (goal: 0.5, must be <= 1.0);
- 20 jobs submitted at once: time until all are done, and how many failed.

Usage: python benchmarks/bench_local.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from server_process import ServerProcess

PAPERMILL = str(Path(sys.executable).parent / "papermill")


def one_cell_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(nbformat.v4.new_code_cell("x = 1\nprint(x)"))
    nbformat.write(nb, str(path))


def time_papermill(notebook: Path, runs: int) -> list[float]:
    """`papermill in.ipynb out.ipynb`, as a user types it."""
    out = notebook.with_name("out.ipynb")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([PAPERMILL, str(notebook), str(out)], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def time_jobs_api(server: ServerProcess, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job = server.request("POST", "jobs", {"path": "one-cell.ipynb"})
        job = server.wait_final(job["id"], poll_seconds=0.01)
        times.append(time.perf_counter() - start)
        assert job["status"] == "completed", job
    return times


def burst(server: ServerProcess, count: int) -> tuple[float, int]:
    start = time.perf_counter()
    ids = [server.request("POST", "jobs", {"path": "one-cell.ipynb"})["id"] for _ in range(count)]
    finished = [server.wait_final(job_id, poll_seconds=0.01) for job_id in ids]
    return time.perf_counter() - start, sum(job["status"] != "completed" for job in finished)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        notebook = root / "one-cell.ipynb"
        one_cell_notebook(notebook)
        server = ServerProcess(root, Path(tmp) / "state")
        try:
            server.start()
            time.sleep(3)  # let the server settle, as a user's would have
            time_papermill(notebook, 1)  # warm the disk cache for both
            time_jobs_api(server, 1)
            papermill_times = time_papermill(notebook, args.runs)
            api_times = time_jobs_api(server, args.runs)
            burst_seconds, burst_failed = burst(server, 20)
        finally:
            server.kill()
    papermill_median = statistics.median(papermill_times)
    api_median = statistics.median(api_times)
    print(f"papermill CLI, one-cell notebook:     median {papermill_median:.2f} s of {args.runs}")
    print(f"jupyter-jobs REST submit -> completed: median {api_median:.2f} s of {args.runs}")
    ratio = api_median / papermill_median
    print(f"ratio jupyter-jobs / papermill: {ratio:.2f} (goal 0.5, must be <= 1.0)")
    print(f"20 jobs submitted at once: all done in {burst_seconds:.1f} s, {burst_failed} failed")


if __name__ == "__main__":
    main()
