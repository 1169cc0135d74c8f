"""`jupyter jobs schedule...`, `run-due` and `cron-install`: schedules from a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .cli import (
    EXIT_OK,
    _dumps,
    _local_time,
    _parameters,
    _print_table,
    _resources,
    _shorten,
    add_input_arguments,
)

Command = Callable[..., argparse.ArgumentParser]


def add_schedule_commands(command: Command) -> None:
    """Add the schedule commands with cli.build_parser's `command` helper."""
    sub = command(
        "schedule",
        _schedule,
        "Run a notebook or script on a cron schedule (a frozen copy of it, made now)",
        epilog="Prints the new schedule's id on stdout. Its runs fire while a Jupyter server "
        "with jupyter-jobs runs, and from cron after `jupyter jobs cron-install`.",
    )
    sub.add_argument("path", help="the .ipynb or .py file, relative to the current directory")
    sub.add_argument(
        "--cron",
        required=True,
        metavar="EXPR",
        help="when it runs: five fields (minute hour day-of-month month day-of-week), e.g. "
        "'0 6 * * 1-5', or @hourly, @daily, @weekly, @monthly",
    )
    sub.add_argument(
        "--tz",
        "--timezone",
        dest="timezone",
        metavar="ZONE",
        help="an IANA time zone, e.g. Europe/Berlin (default: this machine's)",
    )
    add_input_arguments(
        sub, "a parameter of every run", "where its jobs run", "its name, and its jobs'"
    )
    sub.add_argument(
        "--catch-up",
        choices=("skip", "once"),
        default="skip",
        help="runs missed while nothing could fire them: skip them (default), or run once, late",
    )
    sub.add_argument("--json", action="store_true", help="print the schedule as JSON")

    sub = command("schedules", _list, "List schedules, newest first")
    sub.add_argument("--json", action="store_true", help="print them as a JSON array")
    sub.add_argument("-q", "--quiet", action="store_true", help="print the ids only")

    for name, handler, text in (
        ("schedule-pause", _pause, "Pause a schedule: no runs until it is resumed"),
        ("schedule-resume", _resume, "Resume a paused schedule (missed runs are not caught up)"),
        ("schedule-run", _run, "Run a schedule once now; prints the new job's id"),
        ("schedule-rm", _remove, "Remove a schedule and its frozen input (its jobs stay)"),
    ):
        command(name, handler, text).add_argument("id")

    command(
        "run-due",
        _run_due,
        "Fire the schedules whose run is due (cron runs this every minute after cron-install)",
        epilog="Prints the ids of the jobs it started. A run fires once, whoever fires it.",
    )
    command(
        "cron-install",
        _cron_install,
        "Add one line to your crontab that runs `jupyter jobs run-due` every minute, "
        "so schedules fire without a running server",
    )
    command("cron-uninstall", _cron_uninstall, "Remove the line cron-install added")


def _schedule(args: argparse.Namespace) -> int:
    from . import schedule_api

    found = schedule_api.schedule(
        args.path,
        args.cron,
        timezone=args.timezone,
        parameters=_parameters(args.parameters_file, args.parameter, args.parameter_raw),
        backend=args.backend,
        resources=_resources(args.resource),
        name=args.name,
        kernel_name=args.kernel,
        catch_up=args.catch_up,
    )
    if args.json:
        print(_dumps(found.info))
        return EXIT_OK
    print(found.id, flush=True)
    info = found.info
    print(
        f"Schedule {found.id} ({info['name']}): {info['cron']} in {info['timezone']}; "
        f"next run {_local_time(info['next_run_at'])}. It runs a copy of {info['path']} "
        "made now: later edits of the file do not change it.",
        file=sys.stderr,
    )
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from . import schedule_api

    found = schedule_api.schedules()
    if args.json:
        print(_dumps([s.info for s in found]))
    elif args.quiet:
        for item in found:
            print(item.id)
    elif not found:
        print("No schedules.", file=sys.stderr)
    else:
        rows = [
            [
                s.id,
                _shorten(s.info["name"], 30),
                s.info["cron"],
                s.info["timezone"],
                "paused" if s.info["paused"] else _local_time(s.info["next_run_at"]),
                s.info["last_job_id"] or "-",
            ]
            for s in found
        ]
        _print_table(["ID", "NAME", "CRON", "TIME ZONE", "NEXT RUN", "LAST JOB"], rows)
    return EXIT_OK


def _pause(args: argparse.Namespace) -> int:
    from . import schedule_api

    found = schedule_api.get_schedule(args.id).pause()
    print(f"Schedule {found.id} ({found.name}) is paused", file=sys.stderr)
    return EXIT_OK


def _resume(args: argparse.Namespace) -> int:
    from . import schedule_api

    found = schedule_api.get_schedule(args.id).resume()
    next_run = _local_time(found.info["next_run_at"])
    print(f"Schedule {found.id} ({found.name}) runs next at {next_run}", file=sys.stderr)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from . import schedule_api

    job = schedule_api.get_schedule(args.id).run_now()
    print(job.id, flush=True)
    print(f"Job {job.id} ({job.name}) submitted to {job.backend}", file=sys.stderr)
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from . import schedule_api

    schedule_api.get_schedule(args.id).remove()
    print(args.id)
    return EXIT_OK


def _run_due(args: argparse.Namespace) -> int:
    from . import schedule_api
    from .jobdir import utc_now

    for job in schedule_api.run_due():
        info: dict[str, Any] = job.info
        print(job.id, flush=True)
        print(
            f"{utc_now()} fired schedule {info['schedule_id']}: job {job.id} ({job.name})",
            file=sys.stderr,
        )
    return EXIT_OK


def _store_path() -> str:
    """The database file of the job store the API uses: the store the crontab line fires."""
    from . import api

    return str(api._manager().store.path)


def _cron_install(args: argparse.Namespace) -> int:
    from . import crontab

    db_path = _store_path()
    line, changed = crontab.install(db_path, args.config)
    print(line)
    print(
        ("Added this line to" if changed else "This line was already in") + " your crontab: "
        "it fires due schedules every minute, with or without a Jupyter server.",
        file=sys.stderr,
    )
    if not crontab.cron_running():
        print("Note: no cron daemon runs on this machine: start it (e.g. `cron`).", file=sys.stderr)
    return EXIT_OK


def _cron_uninstall(args: argparse.Namespace) -> int:
    from . import crontab

    if crontab.uninstall(_store_path()):
        print("Removed the jupyter-jobs run-due line from your crontab.", file=sys.stderr)
    else:
        print("Your crontab had no jupyter-jobs run-due line for this job store.", file=sys.stderr)
    return EXIT_OK
