"""A sweep on SLURM as one job array against one batch job per run, measured in one run.

Prints, for the same runs (each its own job directory, as the sweep manager makes them):
- the submit of a sweep of N runs through `SlurmBackend.submit_group`, one
  `sbatch --array=0-(N-1)`, against N `SlurmBackend.submit` calls, one `sbatch` each
  (what submitting the runs one by one costs), medians of interleaved rounds, and
  their ratio;
- one `SlurmBackend.poll` of the N runs either way (one `squeue --json` each time).

The jobs are submitted held (`--hold`): SLURM queues them and never runs them, so
the cluster's speed at running notebooks does not enter the figures. Everything
submitted is cancelled at the end. Needs the cluster: `bash scripts/slurm-local.sh up`.
Timings are printed, never asserted.
Usage: python benchmarks/bench_sweep_slurm.py [--runs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from jupyter_jobs.backends.slurm import SlurmBackend
from jupyter_jobs.jobdir import JobDirectory, JobSpec, utc_now
from jupyter_jobs.store import JobRecord

Pairs = list[tuple[JobRecord, JobDirectory]]


def runs(jobs_root: Path, prefix: str, count: int, backend: SlurmBackend) -> Pairs:
    """count job directories of a script, one per run of a sweep over `i`."""
    source_dir = jobs_root.parent / "input"
    source_dir.mkdir(exist_ok=True)
    pairs = []
    for i in range(count):
        job_id = f"{prefix}{i:04d}"
        jobdir = JobDirectory(jobs_root / job_id)
        jobdir.input_dir.mkdir(parents=True)
        (jobdir.input_dir / "x.py").write_text("print(1)\n")
        spec = JobSpec(
            id=job_id,
            kind="script",
            input_name="x.py",
            cwd=str(source_dir),
            parameters={"i": i},
        )
        backend.prepare(spec)
        jobdir.write_spec(spec)
        record = JobRecord(
            id=job_id,
            name=f"bench sweep [{i}]",
            path=str(source_dir / "x.py"),
            kind="script",
            backend="slurm",
            status="queued",
            created_at=utc_now(),
            job_dir=str(jobdir.path),
            parameters={"i": i},
        )
        pairs.append((record, jobdir))
    return pairs


def timed(action) -> tuple[float, list[str]]:
    start = time.perf_counter()
    ids = action()
    return time.perf_counter() - start, ids


def poll_seconds(backend: SlurmBackend, pairs: Pairs, ids: list[str]) -> float:
    for (record, _), backend_id in zip(pairs, ids, strict=True):
        record.backend_id = backend_id
    start = time.perf_counter()
    states = backend.poll(pairs)
    seconds = time.perf_counter() - start
    assert len(states) == len(pairs) and all(s.status == "queued" for s in states.values())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs in the sweep")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backend = SlurmBackend(extra_sbatch_args=["--hold"])
    submitted: list[str] = []  # SLURM ids to cancel at the end
    array_times, single_times, array_polls, single_polls = [], [], [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            jobs_root = Path(tmp) / "jobs"
            jobs_root.mkdir()
            for round_ in range(args.rounds):  # interleaved: load from elsewhere hits both
                pairs = runs(jobs_root, f"a{round_}-", args.runs, backend)
                seconds, ids = timed(lambda pairs=pairs: backend.submit_group(pairs))
                submitted.append(ids[0].split("_")[0])
                array_times.append(seconds)
                array_polls.append(poll_seconds(backend, pairs, ids))

                pairs = runs(jobs_root, f"s{round_}-", args.runs, backend)
                seconds, ids = timed(
                    lambda pairs=pairs: [backend.submit(job, jobdir) for job, jobdir in pairs]
                )
                submitted += ids
                single_times.append(seconds)
                single_polls.append(poll_seconds(backend, pairs, ids))
                subprocess.run(["scancel", *submitted], check=False)
                submitted.clear()
    finally:
        if submitted:
            subprocess.run(["scancel", *submitted], check=False)
    array_median = statistics.median(array_times)
    single_median = statistics.median(single_times)
    print(
        f"submit of a {args.runs}-run sweep as one job array (one sbatch --array): median "
        f"{array_median * 1000:.0f} ms"
    )
    print(
        f"submit of the same {args.runs} runs one by one ({args.runs} x sbatch): median "
        f"{single_median * 1000:.0f} ms"
    )
    print(f"  (median of {args.rounds} rounds each, interleaved; jobs held, then cancelled)")
    print(f"ratio array / one by one: {array_median / single_median:.3f}")
    print(
        f"one poll of the {args.runs} runs: array {statistics.median(array_polls) * 1000:.0f} ms,"
        f" single jobs {statistics.median(single_polls) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
