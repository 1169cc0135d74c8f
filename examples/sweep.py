"""A hyper-parameter sweep from code: 4 jobs of train_digits.ipynb, then a table of results.

    python examples/sweep.py                  # 2 learning rates x 2 network sizes
    python examples/sweep.py --epochs 5 --cleanup

The jobs show in JupyterLab's Jobs panel while they run. Ctrl-C stops the
waiting, not the jobs: they run on, and `jupyter jobs list` finds them.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import jupyter_jobs

NOTEBOOK = Path(__file__).resolve().with_name("train_digits.ipynb")
GRID = {"learning_rate": [0.001, 0.01], "hidden_units": [16, 64]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of every run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", help="where the jobs run (default: the configured one)")
    parser.add_argument(
        "--cleanup", action="store_true", help="remove the jobs once their results are read"
    )
    args = parser.parse_args(argv)

    # 1. Submit one job per point of the grid; none waits for another.
    runs = []
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        name = "digits " + " ".join(f"{k}={v}" for k, v in point.items())
        job = jupyter_jobs.submit(
            NOTEBOOK,
            parameters={**point, "epochs": args.epochs, "seed": args.seed},
            name=name,
            backend=args.backend,
        )
        print(f"submitted {job.id}  {name}")
        runs.append((point, job))

    # 2. Wait for all of them (an interrupt returns at once, the job still running).
    print(f"waiting for {len(runs)} jobs (Ctrl-C stops waiting; the jobs keep running)")
    for _, job in runs:
        if job.wait().info["status"] not in ("completed", "failed", "cancelled"):
            print("stopped waiting; see them with: jupyter jobs list --status active")
            return 130

    # 3. Read what each recorded and print a table, best first.
    rows = []
    for point, job in runs:
        try:
            results = job.result()
        except (jupyter_jobs.JobFailed, jupyter_jobs.JobCancelled) as e:
            rows.append((None, point, job.id, "-", str(e)))
            continue
        loss = results["history"][-1]["train_loss"] if results["history"] else float("nan")
        rows.append((results["accuracy"], point, job.id, f"{loss:.4f}", ""))
    rows.sort(key=lambda row: -1.0 if row[0] is None else row[0], reverse=True)

    columns = [*GRID, "accuracy", "final_loss", "job"]
    table = [
        [*(str(point[k]) for k in GRID), "-" if acc is None else f"{acc:.3f}", loss, job_id]
        for acc, point, job_id, loss, _ in rows
    ]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print()
    for line in [columns, *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    for *_, error in rows:
        if error:
            print(error, file=sys.stderr)
    best = rows[0]
    if best[0] is not None:
        print(f"\nbest: {best[1]} with accuracy {best[0]:.3f} (job {best[2]})")

    if args.cleanup:
        removed = jupyter_jobs.cleanup([job for _, job in runs], force=True)
        print(f"removed {len(removed)} jobs")
    return 0 if all(row[0] is not None for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
