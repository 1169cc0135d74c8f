"""A hyper-parameter sweep from code: train_digits.ipynb over a 2 x 2 grid, then a table.

    python examples/sweep.py                  # 2 learning rates x 2 network sizes
    python examples/sweep.py --epochs 5 --max-concurrent 2 --cleanup

The sweep and its four runs show in JupyterLab's Jobs panel while they run.
Ctrl-C stops the waiting, not the runs: they go on, and `jupyter jobs sweeps`
finds the sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import jupyter_jobs

NOTEBOOK = Path(__file__).resolve().with_name("train_digits.ipynb")
GRID = {"learning_rate": [0.001, 0.01], "hidden_units": [16, 64]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of every run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", help="where the runs go (default: the configured one)")
    parser.add_argument("--max-concurrent", type=int, help="at most this many runs at once")
    parser.add_argument(
        "--cleanup", action="store_true", help="remove the sweep once its table is read"
    )
    args = parser.parse_args(argv)

    # 1. One sweep: a run per point of the grid, all submitted at once.
    sweep = jupyter_jobs.sweep(
        NOTEBOOK,
        grid=GRID,
        parameters={"epochs": args.epochs, "seed": args.seed},
        backend=args.backend,
        name="digits",
        max_concurrent=args.max_concurrent,
    )
    print(f"sweep {sweep.id} ({sweep.name}): {len(sweep.jobs)} runs")
    for job in sweep.jobs:
        print(f"submitted {job.id}  {job.name}")

    # 2. Wait for every run (an interrupt returns at once, the runs still going).
    print("waiting (Ctrl-C stops waiting; the runs keep going)")
    if sweep.wait().info["status"] not in ("completed", "failed", "cancelled"):
        print(f"stopped waiting; see it with: jupyter jobs sweep-show {sweep.id}")
        return 130

    # 3. The sweep's table: a row per run with what each recorded; best first.
    rows = _records(sweep.table())
    rows.sort(key=lambda row: -1.0 if row.get("accuracy") is None else row["accuracy"])
    rows.reverse()
    columns = [*GRID, "accuracy", "seconds", "job"]
    table = [
        [
            *(str(row[name]) for name in GRID),
            "-" if row.get("accuracy") is None else f"{row['accuracy']:.3f}",
            "-" if row["duration_seconds"] is None else f"{row['duration_seconds']:.1f}",
            row["job_id"],
        ]
        for row in rows
    ]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print()
    for line in [columns, *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    for job in sweep.jobs:
        if job.info["status"] != "completed":
            print(f"{job.name}: {job.info['status']} {job.error or ''}", file=sys.stderr)
    if any(row.get("accuracy") is not None for row in rows):
        best = sweep.best("accuracy")
        point = {name: best.parameters[name] for name in GRID}
        accuracy = max(row["accuracy"] for row in rows if row.get("accuracy") is not None)
        print(f"\nbest: {point} with accuracy {accuracy:.3f} (job {best.id})")

    completed = sweep.status == "completed"
    if args.cleanup:
        sweep.remove()  # its results were read: no force needed
        print(f"removed sweep {sweep.id}")
    return 0 if completed else 1


def _records(table: Any) -> list[dict[str, Any]]:
    """The table's rows as dicts, whether it came as a pandas DataFrame or as a list."""
    if hasattr(table, "to_dict"):
        return [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]
    return list(table)


def _plain(value: Any) -> Any:
    """None for pandas' NaN (a run that recorded nothing), the value otherwise."""
    return None if isinstance(value, float) and value != value else value


if __name__ == "__main__":
    sys.exit(main())
