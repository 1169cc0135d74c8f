"""A local sweep against the same runs submitted one by one, measured in one run.

Prints, for N runs (default 100) of a one-cell notebook with one parameter on a
real Jupyter server's local backend:
- one `POST sweeps` of a grid of N values: time of the request, and time until
  every run has finished;
- N `POST jobs`, one per value, as a script without sweeps would do: time of the
  N requests, and time until every job has finished;
- their ratios (sweep / one by one; the sweep must not be slower: <= 1.0), and
  how many runs did not complete.

"All finished" is the same test for both: the server lists no active job. Each way
is measured twice, in the order sweep, one by one, one by one, sweep, so that the
machine's load drifting during the run weighs on both alike; the figures are sums.

Usage: python benchmarks/bench_sweep.py [--runs N] [--concurrency K]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from server_process import ServerProcess

ACTIVE = "status=queued&status=running&status=cancelling"


def one_cell_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell("n = 0")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells += [parameters, nbformat.v4.new_code_cell("print(n)")]
    nbformat.write(nb, str(path))


def wait_all_done(server: ServerProcess) -> None:
    while server.request("GET", f"jobs?{ACTIVE}&limit=1")["total"]:
        time.sleep(0.05)


def not_completed(server: ServerProcess, job_ids: list[str]) -> list[str]:
    jobs = [server.request("GET", f"jobs/{job_id}") for job_id in job_ids]
    return [f"{j['id']}: {j['status']} {j['error']}" for j in jobs if j["status"] != "completed"]


def as_sweep(server: ServerProcess, runs: int) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    sweep = server.request(
        "POST", "sweeps", {"path": "one-cell.ipynb", "grid": {"n": list(range(runs))}}
    )
    submitted = time.perf_counter() - start
    wait_all_done(server)
    return submitted, time.perf_counter() - start, not_completed(server, sweep["jobs"])


def one_by_one(server: ServerProcess, runs: int) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    ids = [
        server.request("POST", "jobs", {"path": "one-cell.ipynb", "parameters": {"n": n}})["id"]
        for n in range(runs)
    ]
    submitted = time.perf_counter() - start
    wait_all_done(server)
    return submitted, time.perf_counter() - start, not_completed(server, ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--concurrency", type=int, default=2, help="LocalBackend.max_concurrent_jobs"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        one_cell_notebook(root / "one-cell.ipynb")
        server = ServerProcess(
            root,
            Path(tmp) / "state",
            {"LocalBackend": {"max_concurrent_jobs": args.concurrency}},
        )
        try:
            server.start()
            time.sleep(3)  # let the server settle, as a user's would have
            as_sweep(server, 2)  # warm both paths once
            one_by_one(server, 2)
            sweep_submit = sweep_total = single_submit = single_total = 0.0
            sweep_bad: list[str] = []
            single_bad: list[str] = []
            for way in (as_sweep, one_by_one, one_by_one, as_sweep):
                submit, total, bad = way(server, args.runs)
                if way is as_sweep:
                    sweep_submit, sweep_total = sweep_submit + submit, sweep_total + total
                    sweep_bad += bad
                else:
                    single_submit, single_total = single_submit + submit, single_total + total
                    single_bad += bad
        finally:
            server.kill()
    n = args.runs
    print(f"{n} runs of a one-cell notebook, {args.concurrency} at once, local, each way twice")
    print(f"one POST sweeps:   request {sweep_submit:6.2f} s, all done in {sweep_total:6.1f} s")
    print(f"{n} POST jobs:     requests {single_submit:6.2f} s, all done in {single_total:6.1f} s")
    print(f"ratio sweep / one by one, submit:   {sweep_submit / single_submit:.2f}")
    print(f"ratio sweep / one by one, all done: {sweep_total / single_total:.2f} (must be <= 1.0)")
    for label, bad in (("sweep", sweep_bad), ("one by one", single_bad)):
        if bad:
            print(f"{label}: {len(bad)} runs did not complete; first: {bad[0]}")


if __name__ == "__main__":
    main()
