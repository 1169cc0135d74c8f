"""SLURM jobs through jupyter-jobs against plain sbatch, measured in one run on this cluster.

Prints:
- submit -> first output line of a notebook sent to SLURM through the REST API of
  a real Jupyter server, against plain `sbatch` of `papermill --log-output in.ipynb
  out.ipynb` on the same notebook, timed until its first output line shows in the
  job's output file (median of several runs each), and their ratio;
- the cost of one `SlurmBackend.poll` over 200 active (held) SLURM jobs, one
  `squeue --json` for all, against 200 `scontrol show job` calls (the per-job
  alternative), and their ratio.

Needs the cluster: `bash scripts/slurm-local.sh up`. Timings are printed, never asserted.
Usage: python benchmarks/bench_slurm.py [--runs N] [--jobs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from server_process import ServerProcess

from jupyter_jobs.backends.slurm import SlurmBackend
from jupyter_jobs.jobdir import JobDirectory, JobSpec, utc_now
from jupyter_jobs.store import JobRecord

PAPERMILL = str(Path(sys.executable).parent / "papermill")
FIRST_LINE = "first output line"
POLL = 0.02  # both sides look for the line this often


def notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["kernelspec"]["language"] = "python"
    nb.cells.append(nbformat.v4.new_code_cell(f"print({FIRST_LINE!r}, flush=True)"))
    nbformat.write(nb, str(path))


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def time_api(server: ServerProcess, runs: int) -> tuple[list[float], list[tuple[float, ...]]]:
    """POST jobs -> the first output event in GET jobs/{id}/log; and where the time went:
    (POST answered, runner started on the node, first cell started, output line written)."""
    times, phases = [], []
    for _ in range(runs):
        wall, start = time.time(), time.perf_counter()
        job = server.request("POST", "jobs", {"path": "first-line.ipynb", "backend": "slurm"})
        answered = time.perf_counter() - start
        while True:
            events = server.request("GET", f"jobs/{job['id']}/log")["events"]
            if any(FIRST_LINE in str(e.get("output", {}).get("text", "")) for e in events):
                break
            time.sleep(POLL)
        times.append(time.perf_counter() - start)
        runner = _epoch(events[0]["time"]) - wall
        cell = next(_epoch(e["time"]) for e in events if e["type"] == "cell_start") - wall
        written = next(_epoch(e["time"]) for e in events if e["type"] == "output") - wall
        phases.append((answered, runner, cell, written))
        job = server.wait_final(job["id"])
        assert job["status"] == "completed", job
    return times, phases


def time_sbatch(root: Path, runs: int) -> list[float]:
    """`sbatch --wrap 'papermill --log-output in.ipynb out.ipynb'` -> the line in its output."""
    times = []
    for _ in range(runs):
        i = time.time_ns()
        out = root / f"sbatch-{i}.out"
        command = f"{PAPERMILL} --log-output first-line.ipynb sbatch-out-{i}.ipynb"
        start = time.perf_counter()
        argv = ["sbatch", "--parsable", "--no-requeue", f"--chdir={root}", f"--output={out}"]
        job_id = subprocess.run(
            [*argv, f"--wrap={command}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        while not (out.exists() and FIRST_LINE in out.read_text(errors="replace")):
            time.sleep(POLL)
        times.append(time.perf_counter() - start)
        while subprocess.run(["squeue", "-h", "-j", job_id], capture_output=True).stdout.strip():
            time.sleep(0.1)  # let it end before the next run
    return times


def held_jobs(backend: SlurmBackend, jobs_root: Path, count: int) -> list[tuple]:
    """count jobs submitted through the backend with --hold: active in SLURM, never running."""
    pairs = []
    for i in range(count):
        job_id = f"held{i:04d}"
        jobdir = JobDirectory(jobs_root / job_id)
        jobdir.input_dir.mkdir(parents=True)
        (jobdir.input_dir / "x.py").write_text("print(1)\n")
        spec = JobSpec(id=job_id, kind="script", input_name="x.py", cwd=str(jobdir.input_dir))
        backend.prepare(spec)
        jobdir.write_spec(spec)
        record = JobRecord(
            id=job_id,
            name=f"held {i}",
            path=str(jobdir.input_dir / "x.py"),
            kind="script",
            backend="slurm",
            status="queued",
            created_at=utc_now(),
            job_dir=str(jobdir.path),
        )
        record.backend_id = backend.submit(record, jobdir)
        pairs.append((record, jobdir))
    return pairs


def time_polling(jobs_root: Path, count: int, runs: int) -> tuple[float, float, float]:
    backend = SlurmBackend(extra_sbatch_args=["--hold"])
    start = time.perf_counter()
    pairs = held_jobs(backend, jobs_root, count)
    submit_seconds = time.perf_counter() - start
    ids = [record.backend_id for record, _ in pairs]
    try:
        poll_times = []
        for _ in range(runs):
            start = time.perf_counter()
            states = backend.poll(pairs)
            poll_times.append(time.perf_counter() - start)
        assert all(s.alive and s.status == "queued" for s in states.values()), states
        assert len(states) == count
        start = time.perf_counter()
        for job_id in ids:
            subprocess.run(["scontrol", "show", "job", job_id], check=True, capture_output=True)
        scontrol_seconds = time.perf_counter() - start
    finally:
        subprocess.run(["scancel", *ids], check=False)
    return statistics.median(poll_times), scontrol_seconds, submit_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        notebook(root / "first-line.ipynb")
        server = ServerProcess(root, Path(tmp) / "state", {"SlurmBackend": {"poll_interval": 2.0}})
        try:
            server.start()
            time.sleep(2)
            time_sbatch(root, 1)  # warm up both (disk cache, the controller)
            time_api(server, 1)
            sbatch_times, api_times, phases = [], [], []
            for _ in range(args.runs):  # interleaved, so that load from elsewhere hits both
                sbatch_times += time_sbatch(root, 1)
                api_time, api_phases = time_api(server, 1)
                api_times += api_time
                phases += api_phases
        finally:
            server.kill()
        poll_seconds, scontrol_seconds, submit_seconds = time_polling(
            Path(tmp) / "held", args.jobs, args.runs
        )
    sbatch_median = statistics.median(sbatch_times)
    api_median = statistics.median(api_times)
    print(f"plain sbatch of papermill, submit -> first output line: median {sbatch_median:.2f} s")
    print(f"jupyter-jobs REST (slurm), submit -> first output line: median {api_median:.2f} s")
    print(f"  (median of {args.runs} runs each, interleaved)")
    answered, runner, cell, written = (statistics.median(p[i] for p in phases) for i in range(4))
    print(
        f"  jupyter-jobs phases (medians): POST answered {answered:.2f} s, runner started on "
        f"the node {runner:.2f} s, first cell started {cell:.2f} s, line written to the "
        f"job's log {written:.2f} s"
    )
    print(f"ratio jupyter-jobs / plain sbatch: {api_median / sbatch_median:.2f}")
    print(f"{args.jobs} held jobs submitted through the backend in {submit_seconds:.1f} s")
    print(
        f"one poll of {args.jobs} active jobs (one squeue --json): median "
        f"{poll_seconds * 1000:.0f} ms of {args.runs}"
    )
    print(f"{args.jobs} x scontrol show job: {scontrol_seconds * 1000:.0f} ms")
    print(f"ratio poll / per-job scontrol: {poll_seconds / scontrol_seconds:.3f}")


if __name__ == "__main__":
    main()
