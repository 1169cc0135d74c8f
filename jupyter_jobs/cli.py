"""`jupyter jobs`: submit, list, follow, cancel and clean up jobs from a terminal.

It reads the same Jupyter config files as the server (jupyter_server_config.py
or .json, over jupyter_jupyter_jobs_config, in every directory `jupyter --paths`
lists), so it sees the jobs of the Jobs panel and the panel sees its jobs.

Exit codes: 0 success (and, for --wait / --follow / logs -f, a completed job);
1 the job failed or was cancelled; 2 bad usage or input; 3 no such job or
file; 4 the job's state does not allow it (still running, results never read);
5 the backend could not take the job; 130 interrupted (the job keeps running).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from . import __version__
from .errors import BackendUnavailable, Conflict, InvalidRequest, JobsError, NotFound

EXIT_OK = 0
EXIT_JOB_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_UNAVAILABLE = 5
EXIT_INTERRUPTED = 130

STATUS_CHOICES = (
    "queued",
    "running",
    "cancelling",
    "completed",
    "failed",
    "cancelled",
    "finished",
    "active",
)
RELATIVE_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
TIME_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

EPILOG = """\
examples:
  jupyter jobs submit train.ipynb -p epochs 20 -p lr 0.01 --follow
  jupyter jobs list --status running --since 2h
  jupyter jobs logs -f 3f2a9c1b7e40
  jupyter jobs results 3f2a9c1b7e40
  jupyter jobs rm $(jupyter jobs list --status completed --quiet)
  jupyter jobs schedule report.ipynb --cron "0 6 * * 1-5" --tz Europe/Berlin
  jupyter jobs cron-install
  jupyter jobs sweep train.ipynb -g lr 0.001 0.01 -g hidden 32 64 --max-concurrent 2 --wait

exit codes: 0 ok (a waited-for job completed), 1 the job failed or was cancelled,
2 bad usage, 3 no such job, schedule or file, 4 not in this state (still running, results
never read), 5 backend unavailable, 130 interrupted (the job keeps running)
"""


class UsageError(Exception):
    """A command line that makes no sense; exits with 2 like argparse's own errors."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run `jupyter jobs` with argv (sys.argv[1:] by default); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    from . import api

    try:
        if args.config:
            api.configure(config_file=args.config)
        return int(args.handler(args))
    except UsageError as e:
        parser.exit(EXIT_USAGE, f"{parser.prog} {args.command}: error: {e}\n")
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`jupyter jobs logs ID | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except api.JobFailed as e:
        _error(e.message)
        return EXIT_JOB_FAILED
    except api.JobCancelled as e:
        _error(e.message)
        return EXIT_JOB_FAILED
    except JobsError as e:
        _error(e.message)
        return _exit_code(e)
    return EXIT_OK  # pragma: no cover - parser.exit does not return


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter jobs",
        description="Run notebooks and Python scripts as background and cluster jobs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="a config file to read instead of jupyter_server_config (.py or .json)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str, **kw: Any):
        sub = commands.add_parser(name, help=help, description=help, **kw)
        sub.set_defaults(handler=handler)
        return sub

    sub = command(
        "submit",
        _submit,
        "Run a notebook (through papermill) or a Python script as a job",
        epilog="Prints the new job's id on stdout.",
    )
    sub.add_argument("path", help="the .ipynb or .py file, relative to the current directory")
    add_input_arguments(sub)
    sub.add_argument(
        "--time-limit",
        metavar="TIME",
        help="stop the job after this long, on any backend: HH:MM:SS, D-HH:MM:SS, MM:SS "
        "or minutes (the same as --resource time_limit=TIME)",
    )
    sub.add_argument(
        "--retries",
        type=int,
        default=0,
        metavar="N",
        help="run a failed job again up to N times, each a new attempt (not after a cancel)",
    )
    sub.add_argument(
        "--retry-delay",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long before each retry (default: 0)",
    )
    sub.add_argument(
        "--after",
        action="append",
        metavar="ID",
        help="run it after job ID (repeat for several); it waits, queued, until they end",
    )
    sub.add_argument(
        "--after-condition",
        choices=("completed", "finished"),
        default="completed",
        help="run it once those jobs completed (default; if one does not, it is cancelled), "
        "or once they finished in any way",
    )
    how = sub.add_mutually_exclusive_group()
    how.add_argument(
        "--wait", action="store_true", help="wait until it finishes; exit 0 only if it completed"
    )
    how.add_argument(
        "--follow",
        action="store_true",
        help="print its output as it comes until it finishes; exit 0 only if it completed",
    )
    sub.add_argument(
        "--json", action="store_true", help="print the job as JSON (not with --follow)"
    )

    sub = command("list", _list, "List jobs, newest first", aliases=["ls"])
    sub.add_argument(
        "--status",
        action="append",
        choices=STATUS_CHOICES,
        metavar="STATUS",
        help=f"only jobs in this state, repeatable: {', '.join(STATUS_CHOICES)} "
        "(finished: completed, failed or cancelled; active: the others)",
    )
    sub.add_argument(
        "--since", metavar="TIME", help="created at or after TIME: ISO 8601, or 30m, 2h, 7d ago"
    )
    sub.add_argument("--until", metavar="TIME", help="created before TIME (same forms)")
    sub.add_argument("--backend", help="only jobs of this backend")
    sub.add_argument("--schedule", metavar="ID", help="only the jobs this schedule fired")
    sub.add_argument("--json", action="store_true", help="print the jobs as a JSON array")
    sub.add_argument("-q", "--quiet", action="store_true", help="print the ids only")

    sub = command("show", _show, "Show one job in detail")
    sub.add_argument("id")
    sub.add_argument("--json", action="store_true", help="print the job as JSON")

    sub = command("logs", _logs, "Print a job's output (streams, displayed text, errors)")
    sub.add_argument("id")
    sub.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep printing as it comes until the job finishes; exit 0 only if it completed",
    )

    sub = command("cancel", _cancel, "Cancel a queued or running job (its partial output is kept)")
    sub.add_argument("id")

    sub = command(
        "rm", _remove, "Remove finished jobs, their records and their files", aliases=["remove"]
    )
    sub.add_argument("ids", nargs="+", metavar="ID")
    sub.add_argument(
        "--force", action="store_true", help="also remove jobs whose results nobody has read"
    )

    sub = command("output", _output, "Write a job's output notebook (or a script's output text)")
    sub.add_argument("id")
    sub.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    sub = command(
        "results", _results, "Show what a completed job kept with jupyter_jobs.record(name, value)"
    )
    sub.add_argument("id")
    sub.add_argument(
        "--json",
        action="store_true",
        help="print them as JSON: the value of plain data, type and size of pickled objects",
    )

    from .schedule_cli import add_schedule_commands

    add_schedule_commands(command)

    from .sweep_cli import add_sweep_commands  # it uses this module's helpers

    add_sweep_commands(command)
    return parser


# -- commands ----------------------------------------------------------------------------------


def add_input_arguments(
    sub: argparse.ArgumentParser,
    parameter: str = "a parameter",
    backend: str = "where the job runs",
    name: str = "the job's name",
) -> None:
    """What a job is made of (its parameters, backend, name, kernel and resources): the
    same options for a job, a sweep's runs and a schedule's jobs."""
    sub.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=f"{parameter}, typed as papermill's -p does (True, False, None, numbers, "
        "else a string); repeatable",
    )
    sub.add_argument(
        "-r",
        "--parameter-raw",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=f"{parameter} kept as a string; repeatable",
    )
    sub.add_argument(
        "-f",
        "--parameters-file",
        metavar="FILE",
        help="parameters from a YAML or JSON file (-p and -r override them)",
    )
    sub.add_argument("--backend", help=f"{backend} (default: the configured default)")
    sub.add_argument("--name", help=f"{name} (default: the file's name)")
    sub.add_argument("--kernel", help="the kernel of a notebook (default: its own)")
    sub.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a resource for the backend, e.g. cpus=4, memory=8G, time_limit=1:00:00; repeatable",
    )


def _submit(args: argparse.Namespace) -> int:
    from . import api

    if args.json and args.follow:
        raise UsageError("--json goes with --wait or alone, not with --follow")
    parameters = _parameters(args.parameters_file, args.parameter, args.parameter_raw)
    job = api.submit(
        args.path,
        parameters=parameters,
        backend=args.backend,
        name=args.name,
        kernel_name=args.kernel,
        resources=_resources(args.resource),
        time_limit=args.time_limit,
        max_retries=args.retries,
        retry_delay_seconds=args.retry_delay,
        after=args.after,
        after_condition=args.after_condition,
    )
    if not args.json:
        print(job.id, flush=True)
        print(f"Job {job.id} ({job.name}) submitted to {job.backend}", file=sys.stderr)
    if not (args.wait or args.follow):
        if args.json:
            print(_dumps(job.info))
        else:
            print(f"Follow it with: jupyter jobs logs -f {job.id}", file=sys.stderr)
        return EXIT_OK
    try:
        if args.follow:
            _print_stream(job.follow())
        job._wait()
    except KeyboardInterrupt:
        return _stopped_waiting(job)
    if args.json:
        print(_dumps(job.info))
    return _final(job)


def _list(args: argparse.Namespace) -> int:
    from . import api

    found = api.jobs(
        status=args.status,
        since=_time(args.since),
        until=_time(args.until),
        backend=args.backend,
        schedule_id=args.schedule,
    )
    if args.json:
        print(_dumps([job.info for job in found]))
    elif args.quiet:
        for job in found:
            print(job.id)
    elif not found:
        print("No jobs.", file=sys.stderr)
    else:
        rows = [
            [
                job.id,
                _shorten(job.name, 30),
                job.info["status"],
                job.backend,
                _local_time(job.info["created_at"]),
                _duration(job.info),
                _progress(job.info),
            ]
            for job in found
        ]
        _print_table(["ID", "NAME", "STATUS", "BACKEND", "CREATED", "DURATION", "PROGRESS"], rows)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from . import api

    job = api.get(args.id)
    info = job.info
    if args.json:
        print(_dumps(info))
        return EXIT_OK
    results = api._manager().results(job.id, mark_seen=False)["results"]
    lines = [
        ("id", info["id"]),
        ("name", info["name"]),
        (
            "status",
            info["status"] + (f" ({info['status_reason']})" if info["status_reason"] else ""),
        ),
        ("path", info["path"]),
        ("kind", info["kind"] + (f", kernel {info['kernel_name']}" if info["kernel_name"] else "")),
        ("backend", info["backend"] + (f" ({info['backend_id']})" if info["backend_id"] else "")),
        ("parameters", json.dumps(info["parameters"]) if info["parameters"] else "-"),
        ("resources", json.dumps(info["resources"]) if info["resources"] else "-"),
        ("created", _local_time(info["created_at"])),
        ("started", _local_time(info["started_at"])),
        ("finished", _local_time(info["finished_at"])),
        ("duration", _duration(info)),
        ("progress", _progress(info)),
        ("output", info["output_path"]),
        ("results", ", ".join(r["name"] for r in results) or "-"),
        ("results read", "yes" if info["output_fetched"] else "no"),
    ]
    if info["error"]:
        lines.append(("error", info["error"].get("message", "")))
    width = max(len(key) for key, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return EXIT_OK


def _logs(args: argparse.Namespace) -> int:
    from . import api

    job = api.get(args.id)
    if not args.follow:
        _print_stream(iter([job.log()]))
        return EXIT_OK
    try:
        _print_stream(job.follow())
    except KeyboardInterrupt:
        return _stopped_waiting(job)
    return _final(job.refresh())


def _cancel(args: argparse.Namespace) -> int:
    from . import api

    job = api.get(args.id).cancel()
    print(f"Job {job.id} ({job.name}) is {job.info['status']}", file=sys.stderr)
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from . import api

    found = [api.get(job_id) for job_id in dict.fromkeys(args.ids)]  # NotFound: exit 3
    for job_id in api.cleanup(found, force=args.force):
        print(job_id)
    return EXIT_OK


def _output(args: argparse.Namespace) -> int:
    from . import api

    _kind, data = api._manager().output(api.get(args.id).id)
    if args.output:
        with open(args.output, "wb") as f:
            f.write(data)
        print(f"Wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def _results(args: argparse.Namespace) -> int:
    from . import api
    from .results import human_size, load_results

    job = api.get(args.id)
    status = job.info["status"]
    if status == "failed":
        raise api.JobFailed(job, job.info["error"])
    if status == "cancelled":
        raise api.JobCancelled(job)
    if status != "completed":
        raise Conflict(f"Job {job.id} is {status}: it has no results yet")
    manager = api._manager()
    record = manager.store.get(job.id)
    if record is None:
        raise NotFound(f"No job with id {job.id!r}")
    plain = load_results(record.job_dir, formats=("json",))
    listing = manager.results(job.id)  # results read: the job may be removed without force
    entries = []
    for entry in listing["results"]:
        entry = dict(entry)
        if entry["name"] in plain:
            entry["value"] = plain[entry["name"]]
        entries.append(entry)
    if args.json:
        print(_dumps({"id": job.id, "results": entries}))
        return EXIT_OK
    if not entries:
        print(f"Job {job.id} ({job.name}) recorded no results.", file=sys.stderr)
        return EXIT_OK
    rows = [
        [
            e["name"],
            e.get("type") or "",
            human_size(e["size"]),
            _shorten(json.dumps(e["value"]), 60)
            if "value" in e
            else "(pickled: jupyter_jobs.get(ID).result() loads it)",
        ]
        for e in entries
    ]
    _print_table(["NAME", "TYPE", "SIZE", "VALUE"], rows)
    return EXIT_OK


# -- helpers -------------------------------------------------------------------------------------


def _error(message: str) -> None:
    print(f"jupyter jobs: {message}", file=sys.stderr)


def _exit_code(error: JobsError) -> int:
    if isinstance(error, InvalidRequest):
        return EXIT_USAGE
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, Conflict):
        return EXIT_CONFLICT
    if isinstance(error, BackendUnavailable):
        return EXIT_UNAVAILABLE
    return EXIT_JOB_FAILED


def _final(job: Any) -> int:
    """Say how a waited-for job ended; its exit code."""
    info = job.info
    status = info["status"]
    message = f"Job {job.id} ({job.name}) {status}"
    if info["started_at"]:
        message += f" after {_duration(info)}"
    if status == "failed" and info["error"]:
        message += f": {info['error'].get('message', '')}"
    print(message, file=sys.stderr)
    return EXIT_OK if status == "completed" else EXIT_JOB_FAILED


def _stopped_waiting(job: Any) -> int:
    print(
        f"\nStopped waiting; job {job.id} ({job.name}) keeps running. "
        f"Follow it again with: jupyter jobs logs -f {job.id}",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def _print_stream(texts: Any) -> None:
    out = sys.stdout
    for text in texts:
        out.write(text)
        out.flush()


def papermill_value(value: str) -> Any:
    """A command-line value as papermill's -p types it: True, False, None, int, float, str."""
    if value == "True":
        return True
    if value == "False":
        return False
    if value == "None":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def _parameters(
    path: str | None, typed: list[list[str]], raw: list[list[str]]
) -> dict[str, Any] | None:
    parameters: dict[str, Any] = {}
    if path:
        import yaml

        try:
            with open(path, encoding="utf-8") as f:
                loaded = yaml.safe_load(f)
        except FileNotFoundError:
            raise NotFound(f"No such parameters file: {path!r}") from None
        except (OSError, yaml.YAMLError) as e:
            raise UsageError(f"cannot read the parameters file {path!r}: {e}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise UsageError(f"the parameters file {path!r} must hold a mapping of names to values")
        parameters.update(loaded or {})
    for name, value in typed:
        parameters[name] = papermill_value(value)
    for name, value in raw:
        parameters[name] = value
    return parameters or None


def _resources(items: list[str]) -> dict[str, Any] | None:
    resources: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--resource takes KEY=VALUE, not {item!r}")
        value = value.strip()
        resources[key.strip()] = int(value) if value.isdigit() else value
    return resources or None


def _time(text: str | None) -> str | timedelta | None:
    """ISO 8601 as it is; `30m`, `2h`, `7d`, `1w` (or `1h30m`) as that long ago."""
    if text is None:
        return None
    compact = text.strip().lower().removesuffix(" ago").replace(" ", "")
    parts = RELATIVE_TIME.findall(compact)
    if parts and "".join(f"{n}{u}" for n, u in parts) == compact:
        return sum((timedelta(**{TIME_UNITS[u]: float(n)}) for n, u in parts), timedelta())
    return text


def _local_time(iso: str | None) -> str:
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _duration(info: dict[str, Any]) -> str:
    if not info.get("started_at"):
        return "-"
    start = datetime.fromisoformat(info["started_at"].replace("Z", "+00:00"))
    end = (
        datetime.fromisoformat(info["finished_at"].replace("Z", "+00:00"))
        if info.get("finished_at")
        else datetime.now(timezone.utc)
    )
    seconds = max(0, int((end - start).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def _progress(info: dict[str, Any]) -> str:
    progress = info.get("progress") or {}
    total = progress.get("total") or 0
    if not total:
        return "-"
    return f"{progress.get('done', 0)}/{total}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in [headers, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=repr)


if __name__ == "__main__":
    sys.exit(main())
