"""Does the Jupyter server stall? `/api/status` latency of a real server, in one run.

Prints p50, p99 and max of `GET /api/status` (the cheapest request a Jupyter server
answers: what a notebook's kernel websocket or a file save waits behind when the event
loop is busy), each with its ratio to the idle figure measured in the same run:
- idle, no job;
- while 20 local notebook jobs are submitted at once (20 concurrent POSTs) and run;
- while SLURM jobs are submitted and active with `sbatch` and `squeue` taking 3 s to
  answer, as on a busy cluster (wrappers in `SlurmBackend.bin_dir` that sleep, then exec
  the real command; `sinfo` and `scancel` wrapped without a sleep).
Goal: p99 under 50 ms in every case, at most 5x idle. A case stops sampling after
`--requests` answers or `--seconds`, whichever comes first.

Needs the cluster for the last case: `bash scripts/slurm-local.sh up`. Timings are printed,
never asserted.
Usage: python benchmarks/bench_status.py [--requests N] [--seconds S] [--slurm-delay S]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from server_process import TOKEN, ServerProcess

LOCAL_JOBS = 20
SLURM_JOBS = 4
PAUSE = 0.005  # between two status requests: a busy client, not a flood


def one_cell_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["kernelspec"]["language"] = "python"
    nb.cells.append(nbformat.v4.new_code_cell("x = 1\nprint(x)"))
    nbformat.write(nb, str(path))


def slow_slurm(folder: Path, delay: float) -> Path:
    """A bin_dir whose sbatch and squeue sleep `delay` s before running the real command."""
    folder.mkdir(parents=True)
    for name, sleep in (("sbatch", delay), ("squeue", delay), ("sinfo", 0), ("scancel", 0)):
        real = shutil.which(name)
        assert real, f"{name} is not installed: bash scripts/slurm-local.sh up"
        wrapper = folder / name
        wrapper.write_text(f'#!/bin/sh\nsleep {sleep}\nexec {real} "$@"\n')
        wrapper.chmod(0o755)
    return folder


def status_latency(server: ServerProcess) -> float:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/status")
    request.add_header("Authorization", f"token {TOKEN}")
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


def sample(
    server: ServerProcess, requests: int, seconds: float, done: Callable[[], bool] | None = None
) -> list[float]:
    """Status latencies until `requests` answers, `seconds` pass, or done() holds."""
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while len(times) < requests and time.monotonic() < deadline:
        if done is not None and done() and len(times) >= 20:
            break
        times.append(status_latency(server))
        time.sleep(PAUSE)
    return times


def while_running(work: Callable[[], None]) -> tuple[threading.Thread, Callable[[], bool]]:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, lambda: not thread.is_alive()


def local_burst(server: ServerProcess, unfinished: list[dict]) -> None:
    """20 notebook jobs submitted at once, each by its own client; until all are done.

    Jobs that end other than completed go to `unfinished`, to be reported."""
    with ThreadPoolExecutor(LOCAL_JOBS) as pool:
        jobs = list(
            pool.map(
                lambda _: server.request("POST", "jobs", {"path": "one-cell.ipynb"}),
                range(LOCAL_JOBS),
            )
        )
    for job in jobs:
        job = server.wait_final(job["id"], poll_seconds=0.2)
        if job["status"] != "completed":
            unfinished.append(job)


def slurm_jobs(server: ServerProcess, submitted: list[str]) -> None:
    """SLURM jobs submitted at once (each waits for the gate file, so stays active)."""
    with ThreadPoolExecutor(SLURM_JOBS) as pool:
        submitted += [
            job["id"]
            for job in pool.map(
                lambda _: server.request("POST", "jobs", {"path": "gated.py", "backend": "slurm"}),
                range(SLURM_JOBS),
            )
        ]


def figures(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--slurm-delay", type=float, default=3.0)
    args = parser.parse_args()
    cases: dict[str, list[float]] = {}
    # A runner that just finished may still be releasing its queue slot in there.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        one_cell_notebook(root / "one-cell.ipynb")
        gate = Path(tmp) / "gate"
        (root / "gated.py").write_text(
            f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.1)\n"
        )
        bin_dir = slow_slurm(Path(tmp) / "slow-slurm", args.slurm_delay)
        server = ServerProcess(
            root, Path(tmp) / "state", {"SlurmBackend": {"bin_dir": str(bin_dir)}}
        )
        submitted: list[str] = []
        unfinished: list[dict] = []
        try:
            server.start()
            sample(server, 20, 10)  # warm up: imports, the first connections
            cases["idle"] = sample(server, args.requests, args.seconds)
            thread, done = while_running(lambda: local_burst(server, unfinished))
            cases[f"{LOCAL_JOBS} local jobs submitted at once"] = sample(
                server, 10 * args.requests, args.seconds, done
            )
            thread.join()
            thread, _ = while_running(lambda: slurm_jobs(server, submitted))
            cases[
                f"{SLURM_JOBS} SLURM jobs submitted and active, sbatch and squeue "
                f"taking {args.slurm_delay:g} s"
            ] = sample(server, args.requests, args.seconds)
            thread.join()
            gate.touch()
            for job_id in submitted:
                server.wait_final(job_id, poll_seconds=0.5)
        finally:
            gate.touch()
            server.kill()
    idle = figures(cases["idle"])
    for name, times in cases.items():
        p50, p99, most = figures(times)
        print(f"{name} ({len(times)} requests):")
        print(
            f"  p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {most * 1000:.1f} ms; "
            f"ratio to idle: p50 {p50 / idle[0]:.1f}, p99 {p99 / idle[1]:.1f}, "
            f"max {most / idle[2]:.1f}"
        )
    print("goal: p99 under 50 ms in every case, at most 5x idle")
    for job in unfinished:
        print(f"local job {job['id']} ended {job['status']}: {job['error']}")


if __name__ == "__main__":
    main()
