"""`jupyter jobs sweep`, `sweeps`, `sweep-show`, `sweep-cancel`, `sweep-rerun`, `sweep-rm`.

Exit codes as for jobs (see cli.py); a waited-for sweep exits 0 only if every run completed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from .cli import (
    EXIT_INTERRUPTED,
    EXIT_JOB_FAILED,
    EXIT_OK,
    _dumps,
    _local_time,
    _parameters,
    _print_table,
    _resources,
    _shorten,
    _time,
    add_input_arguments,
    papermill_value,
)
from .errors import InvalidRequest

SWEEP_STATUS_CHOICES = (
    "queued",
    "running",
    "completed",
    "failed",
    "cancelled",
    "finished",
    "active",
)


def add_sweep_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the sweep commands through cli.build_parser's `command(name, handler, help)`."""
    sub = command(
        "sweep",
        _sweep,
        "Run a notebook (or script) once per point of a grid of parameter values",
        epilog="Prints the new sweep's id on stdout. Example: "
        "jupyter jobs sweep train.ipynb -g lr 0.001 0.01 -g hidden 32 64 -p epochs 5 --wait",
    )
    sub.add_argument("path", help="the .ipynb or .py file, relative to the current directory")
    sub.add_argument(
        "-g",
        "--grid",
        nargs="+",
        action="append",
        default=[],
        metavar="NAME VALUE",
        help="a parameter and its values (NAME V1 V2 ...), each typed as -p types a value; "
        "repeatable: the runs are every combination",
    )
    add_input_arguments(
        sub, "a fixed parameter of every run", "where the runs go", "the sweep's name"
    )
    sub.add_argument(
        "--max-concurrent", type=int, metavar="K", help="at most K runs of the sweep at once"
    )
    how = sub.add_mutually_exclusive_group()
    how.add_argument(
        "--wait",
        action="store_true",
        help="wait until every run finishes, then print the table; exit 0 only if all completed",
    )
    how.add_argument(
        "--follow",
        action="store_true",
        help="print each run's end as it comes, then the table; exit 0 only if all completed",
    )
    sub.add_argument("--json", action="store_true", help="print the sweep as JSON")

    sub = command("sweeps", _list, "List sweeps, newest first")
    sub.add_argument(
        "--status",
        action="append",
        choices=SWEEP_STATUS_CHOICES,
        metavar="STATUS",
        help=f"only sweeps in this state, repeatable: {', '.join(SWEEP_STATUS_CHOICES)}",
    )
    sub.add_argument("--since", metavar="TIME", help="created at or after TIME (ISO, or 2h, 7d)")
    sub.add_argument("--until", metavar="TIME", help="created before TIME")
    sub.add_argument("--backend", help="only sweeps of this backend")
    sub.add_argument("--json", action="store_true", help="print the sweeps as a JSON array")
    sub.add_argument("-q", "--quiet", action="store_true", help="print the ids only")

    sub = command("sweep-show", _show, "Show a sweep and its table: one row per run")
    sub.add_argument("id")
    sub.add_argument("--json", action="store_true", help="print the sweep, table included, as JSON")

    sub = command("sweep-cancel", _cancel, "Cancel every queued or running run of a sweep")
    sub.add_argument("id")

    sub = command("sweep-rerun", _rerun, "Run a sweep's grid again, as a new sweep")
    sub.add_argument("id")
    sub.add_argument("--failed", action="store_true", help="only the runs that failed")

    sub = command("sweep-rm", _remove, "Remove finished sweeps with their runs and files")
    sub.add_argument("ids", nargs="+", metavar="ID")
    sub.add_argument(
        "--force", action="store_true", help="also when nobody has read their runs' results"
    )


# -- commands --------------------------------------------------------------------------------


def _sweep(args: argparse.Namespace) -> int:
    from . import sweep_api

    # Bad usage raises InvalidRequest (exit 2), not cli.UsageError: under `python -m
    # jupyter_jobs.cli` that class is __main__'s, not the one main() catches.
    if args.json and args.follow:
        raise InvalidRequest("--json goes with --wait or alone, not with --follow")
    if not args.grid:
        raise InvalidRequest("give the grid with -g NAME VALUE [VALUE ...]")
    grid: dict[str, list[Any]] = {}
    for item in args.grid:
        if len(item) < 2:
            raise InvalidRequest(f"-g takes a name and at least one value, not {' '.join(item)!r}")
        if item[0] in grid:
            raise InvalidRequest(f"-g {item[0]} is given twice")
        grid[item[0]] = [papermill_value(value) for value in item[1:]]
    made = sweep_api.sweep(
        args.path,
        grid,
        parameters=_parameters(args.parameters_file, args.parameter, args.parameter_raw),
        backend=args.backend,
        resources=_resources(args.resource),
        name=args.name,
        kernel_name=args.kernel,
        max_concurrent=args.max_concurrent,
    )
    info = made.info
    if not args.json:
        print(made.id, flush=True)
        print(
            f"Sweep {made.id} ({made.name}): {info['progress']['total']} runs "
            f"submitted to {info['backend']}",
            file=sys.stderr,
        )
    if not (args.wait or args.follow):
        if args.json:
            print(_dumps(info))
        else:
            print(f"See it with: jupyter jobs sweep-show {made.id}", file=sys.stderr)
        return EXIT_OK
    try:
        if args.follow:
            _follow(made)
        made._wait()
    except KeyboardInterrupt:
        print(
            f"\nStopped waiting; sweep {made.id} ({made.name}) keeps running. "
            f"See it with: jupyter jobs sweep-show {made.id}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    full = sweep_api._sweeps().get(made.id)
    if args.json:
        print(_dumps(full))
    else:
        _print_sweep_table(full)
    return _final(full)


def _follow(made: Any) -> None:
    """Print a line for each run as it finishes, until all have."""
    from . import sweep_api

    reported: set[str] = set()
    while True:
        runs = sweep_api._sweeps().runs(made.id)
        for run in runs:
            if run["status"] in ("completed", "failed", "cancelled") and run["id"] not in reported:
                reported.add(run["id"])
                message = f"run {run['sweep_index']} ({run['id']}) {run['status']}: {run['name']}"
                if run["status"] == "failed" and run["error"]:
                    message += f": {run['error'].get('message', '')}"
                print(message, flush=True)
        if len(reported) == len(runs):
            return
        time.sleep(0.5)


def _list(args: argparse.Namespace) -> int:
    from . import sweep_api

    found = sweep_api.sweeps(
        status=args.status, since=_time(args.since), until=_time(args.until), backend=args.backend
    )
    if args.json:
        print(_dumps([item.info for item in found]))
    elif args.quiet:
        for item in found:
            print(item.id)
    elif not found:
        print("No sweeps.", file=sys.stderr)
    else:
        rows = [
            [
                item.id,
                _shorten(item.name, 30),
                item.info["status"],
                item.info["backend"],
                _local_time(item.info["created_at"]),
                f"{item.info['progress']['done']}/{item.info['progress']['total']}",
                str(item.info["progress"]["failed"]),
            ]
            for item in found
        ]
        _print_table(["ID", "NAME", "STATUS", "BACKEND", "CREATED", "DONE", "FAILED"], rows)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from . import sweep_api

    full = sweep_api._sweeps().get(args.id)
    if args.json:
        print(_dumps(full))
        return EXIT_OK
    progress = full["progress"]
    lines = [
        ("id", full["id"]),
        ("name", full["name"]),
        ("status", full["status"]),
        ("path", full["path"]),
        ("backend", full["backend"]),
        ("grid", json.dumps(full["grid"])),
        ("parameters", json.dumps(full["parameters"]) if full["parameters"] else "-"),
        ("max at once", str(full["max_concurrent"] or "-")),
        ("created", _local_time(full["created_at"])),
        ("progress", f"{progress['done']}/{progress['total']} done, {progress['failed']} failed"),
    ]
    if full.get("rerun_of"):
        lines.append(("re-run of", full["rerun_of"]))
    width = max(len(key) for key, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    print()
    _print_sweep_table(full)
    return EXIT_OK


def _cancel(args: argparse.Namespace) -> int:
    from . import sweep_api

    cancelled = sweep_api.get_sweep(args.id).cancel()
    print(f"Sweep {cancelled.id} ({cancelled.name}) is being cancelled", file=sys.stderr)
    return EXIT_OK


def _rerun(args: argparse.Namespace) -> int:
    from . import sweep_api

    made = sweep_api.get_sweep(args.id).rerun(only_failed=args.failed)
    print(made.id)
    print(
        f"Sweep {made.id} ({made.name}): {made.info['progress']['total']} runs submitted",
        file=sys.stderr,
    )
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from . import sweep_api

    found = [sweep_api.get_sweep(sweep_id) for sweep_id in dict.fromkeys(args.ids)]
    for item in found:
        item.remove(force=args.force)
        print(item.id)
    return EXIT_OK


# -- helpers ---------------------------------------------------------------------------------


def _print_sweep_table(full: dict[str, Any]) -> None:
    columns = full["table"]["columns"]
    rows = [[_cell(row.get(c)) for c in columns] for row in full["table"]["rows"]]
    _print_table([c.upper() if c in ("index", "job_id", "status") else c for c in columns], rows)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return _shorten(value if isinstance(value, str) else json.dumps(value), 30)


def _final(full: dict[str, Any]) -> int:
    progress = full["progress"]
    print(
        f"Sweep {full['id']} ({full['name']}) {full['status']}: "
        f"{progress['done']}/{progress['total']} done, {progress['failed']} failed",
        file=sys.stderr,
    )
    return EXIT_OK if full["status"] == "completed" else EXIT_JOB_FAILED
