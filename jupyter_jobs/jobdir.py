"""The job directory: a job's own files and the truth about its run.

One directory per job, under a jobs root that a cluster's nodes can see::

    spec.json          what to run (written once, at submit)
    input/<file>       a frozen copy of the input file
    status.json        the runner's current state (replaced atomically)
    events.jsonl       append-only event log: one JSON object a line
    output.ipynb       the output notebook, saved as cells finish (notebook jobs)
    output.txt         stdout and stderr as they came (script jobs)
    cancel-requested   present once somebody asked the job to stop
    runner.log         the runner's own stderr, for debugging
    .disk-reserve      room the runner keeps, while it runs, to record its end on a full disk

The runner writes; everyone else only reads (but for cancel-requested).
Every file is the owner's alone (0600, directories 0700): see jupyter_jobs.private.
This module imports nothing heavy: the runner starts with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .private import make_private_dir, open_private, touch_private, write_private_atomically

ACTIVE_STATES = ("queued", "running", "cancelling")
FINAL_STATES = ("completed", "failed", "cancelled")
ALL_STATES = ACTIVE_STATES + FINAL_STATES

# Marks every process of a job (runner, kernel, their children) so that cancel finds them all.
JOB_ENV_MARKER = "JUPYTER_JOBS_JOB_ID"
# Tells code running inside a job where its job directory is (jupyter_jobs.record uses it).
JOB_DIR_ENV = "JUPYTER_JOBS_JOB_DIR"
# A page of log events holds at most this many bytes of events (but always one event, and an
# event bigger than a page comes as a small placeholder): a job that displays thousands of
# large plots never makes a huge response or push. Clients continue with `after=`.
MAX_PAGE_BYTES = 4 * 1024 * 1024
# What a page's JSON adds around its events: {"events": [...], "next": 123456789}.
_PAGE_ENVELOPE_BYTES = 64


class DamagedFile(ValueError):
    """A job file that is there but cannot be understood (cut short, edited, garbage)."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with milliseconds, sortable as text."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class JobSpec:
    """What a runner needs to know to run a job: nothing here depends on the server."""

    id: str
    kind: str  # "notebook" or "script"
    input_name: str  # the file name inside input/
    cwd: str  # where the job runs: the input file's own directory
    parameters: dict[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    python: str | None = None  # interpreter for scripts; None means the runner's own
    queue_dir: str | None = None  # local concurrency queue; None runs at once (a cluster queues)
    queue_limit: int = 1
    queue_position: int = 0  # submission time in ns: the local queue runs jobs in this order
    cancel_grace_seconds: float = 5.0
    max_retries: int = 0  # a failed attempt is run again this many times at most
    retry_delay_seconds: float = 0.0
    time_limit_seconds: int | None = None  # the runner stops the job after this long running
    usage_interval_seconds: float = 2.0  # between two samples of what the job's processes use
    # The jobs it runs after: each {"id", "name", "job_dir", "backend", "backend_id", "status"
    # (when it was submitted)}; it runs once they completed ("completed") or ended ("finished").
    after: list[dict[str, Any]] = field(default_factory=list)
    after_condition: str = "completed"
    # Who submitted it, and when (epoch seconds): a runner that has written nothing yet is
    # "starting" for a while after this, and only its own host may judge it by a pid.
    submit_host: str | None = None
    submitted_at: float | None = None
    # A run of a sweep: which, its index in the grid, and how many of its runs may go at once
    # (the local queue holds a run back while that many of its sweep run).
    sweep_id: str | None = None
    sweep_index: int | None = None
    sweep_max_concurrent: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _write_json_atomically(path: Path, data: Any) -> None:
    write_private_atomically(path, json.dumps(data))


class JobDirectory:
    """Paths and plain reads and writes of one job directory."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    spec_path = property(lambda self: self.path / "spec.json")
    status_path = property(lambda self: self.path / "status.json")
    events_path = property(lambda self: self.path / "events.jsonl")
    output_notebook_path = property(lambda self: self.path / "output.ipynb")
    output_text_path = property(lambda self: self.path / "output.txt")
    cancel_request_path = property(lambda self: self.path / "cancel-requested")
    runner_log_path = property(lambda self: self.path / "runner.log")
    attempts_dir = property(lambda self: self.path / "attempts")
    usage_path = property(lambda self: self.path / "usage.json")
    usage_samples_path = property(lambda self: self.path / "usage.jsonl")
    input_dir = property(lambda self: self.path / "input")

    def input_path(self, spec: JobSpec) -> Path:
        return self.input_dir / spec.input_name

    def output_path(self, kind: str) -> Path:
        return self.output_notebook_path if kind == "notebook" else self.output_text_path

    def write_spec(self, spec: JobSpec) -> None:
        _write_json_atomically(self.spec_path, asdict(spec))

    def read_spec(self) -> JobSpec:
        """The job's spec; DamagedFile when spec.json is there but holds no spec."""
        try:
            data = _load_json(self.spec_path.read_bytes())
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            for key in ("id", "kind", "input_name", "cwd"):
                if not isinstance(data.get(key), str):
                    raise ValueError(f"{key!r} is not a string")
            return JobSpec.from_dict(data)
        except (ValueError, TypeError, RecursionError) as e:
            raise DamagedFile(f"The job's spec.json is damaged ({e})") from None

    def write_status(self, status: dict[str, Any]) -> None:
        _write_json_atomically(self.status_path, status)

    def read_status(self) -> dict[str, Any] | None:
        """The runner's last written state, or None before the runner wrote one.

        A reader never fails on what it finds. A damaged status.json (garbage, or
        not an object) reads as the final status the event log recorded, if any:
        a job that finished is not declared vanished for it. A job directory that
        is gone reads as failed, saying so: nothing of the job can be recorded there.
        Known fields of the wrong type are dropped, so that callers can trust types.
        """
        try:
            data = _load_json(self.status_path.read_bytes())
        except FileNotFoundError:
            if not self.path.is_dir():
                return {
                    "status": "failed",
                    "finished_at": utc_now(),
                    "error": {
                        "message": f"The job's directory {self.path} is gone: it was deleted "
                        "while the job was active, so nothing of its run can be recorded"
                    },
                }
            return None
        except (OSError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return self._status_from_events()
        return _checked_status(data)

    def attempt_dir(self, attempt: int) -> JobDirectory:
        """Where a failed attempt's files were kept: a job directory of its own shape."""
        return JobDirectory(self.attempts_dir / str(attempt))

    def archive_attempt(self, attempt: int, final_state: dict[str, Any]) -> None:
        """Move the files of a failed attempt (output, results, usage) to attempts/N/."""
        target = self.attempt_dir(attempt)
        make_private_dir(target.path, parents=True)
        for name in ATTEMPT_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.replace(self.path / name, target.path / name)
        _write_json_atomically(target.status_path, final_state)

    def next_attempt(self) -> int:
        """The number of the attempt after those kept: 1 for a job never retried."""
        with contextlib.suppress(OSError):
            kept = [int(e.name) for e in self.attempts_dir.iterdir() if e.name.isdigit()]
            return max(kept, default=0) + 1
        return 1

    def read_attempts(self) -> list[dict[str, Any]]:
        """The failed attempts kept, oldest first: their number, status, times and error."""
        attempts = []
        with contextlib.suppress(OSError):
            for entry in self.attempts_dir.iterdir():
                if entry.name.isdigit():
                    state = JobDirectory(entry).read_status() or {}
                    attempts.append(
                        {
                            "attempt": int(entry.name),
                            "status": state.get("status", "failed"),
                            "started_at": state.get("started_at"),
                            "finished_at": state.get("finished_at"),
                            "error": state.get("error"),
                        }
                    )
        return sorted(attempts, key=lambda a: a["attempt"])

    def read_usage(self) -> dict[str, Any]:
        """The job's last usage summary: every figure None where unknown, or damaged."""
        try:
            data = _load_json(self.usage_path.read_bytes())
        except (OSError, ValueError, RecursionError):
            data = None
        usage = empty_usage()
        if isinstance(data, dict):
            for key in USAGE_FIELDS:
                value = data.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                    usage[key] = value
        return usage

    def read_usage_samples(self) -> list[dict[str, Any]]:
        """The sampled series, oldest first; a damaged line is skipped (the series is a chart)."""
        try:
            lines = self.usage_samples_path.read_bytes().splitlines()
        except OSError:
            return []
        samples = []
        for line in lines[-MAX_USAGE_SAMPLES:]:
            try:
                sample = _load_json(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(sample, dict) and isinstance(sample.get("time"), str):
                samples.append({key: sample.get(key) for key in USAGE_SAMPLE_FIELDS})
        return samples

    def _status_from_events(self) -> dict[str, Any] | None:
        """The final status the event log ends with (the runner's last event), if it does."""
        try:
            events = self.read_last_events(5, max_bytes=64 * 1024)
        except OSError:
            return None
        for event in reversed(events):
            if event.get("type") == "status" and event.get("status") in FINAL_STATES:
                return _checked_status(
                    {
                        "status": event["status"],
                        "finished_at": event.get("time"),
                        "error": event.get("error"),
                    }
                )
        return None

    def request_cancel(self) -> None:
        touch_private(self.cancel_request_path)

    def cancel_requested(self) -> bool:
        return self.cancel_request_path.exists()

    def read_events(
        self,
        after: int = 0,
        limit: int = 1000,
        hint: tuple[int, int] | None = None,
        max_bytes: int = MAX_PAGE_BYTES,
    ) -> tuple[list[dict[str, Any]], int, tuple[int, int]]:
        """Events with seq > after: at most limit of them and about max_bytes of JSON.

        Returns (events, next, hint). Pass the hint back with the next call to
        start reading where the last call stopped instead of from the top.
        A line the runner is still writing (no newline yet) is left for later.
        An event's seq is its line number, so a damaged line never shifts the
        numbering: it reads as a `corrupt` event. The first event always comes,
        so a reader progresses: one bigger than max_bytes comes as a placeholder.
        """
        seq, offset = (0, 0)
        if hint is not None and hint[0] <= after:
            seq, offset = hint
        events: list[dict[str, Any]] = []
        size = _PAGE_ENVELOPE_BYTES
        try:
            f = self.events_path.open("rb")
        except FileNotFoundError:
            return events, after, (seq, offset)
        with f:
            f.seek(offset)
            while len(events) < limit:
                line = _next_line(f, max_bytes)
                if line is None:
                    break
                head, length = line
                if seq + 1 > after:
                    event = _event_of_line(head, length, seq + 1, max_bytes)
                    event_size = _page_size(event, length, max_bytes)
                    if events and size + event_size > max_bytes:
                        break
                    events.append(event)
                    size += event_size
                seq += 1
                offset += length
        return events, max(after, seq), (seq, offset)

    def read_last_events(
        self, count: int, max_bytes: int = MAX_PAGE_BYTES, hint: tuple[int, int] | None = None
    ) -> list[dict[str, Any]]:
        """The last `count` whole events (fewer past max_bytes, but at least one).

        Read from the end of the log; only their numbers need the lines before
        counted, from read_events' hint when there is one.
        """
        if count <= 0:
            return []
        try:
            f = self.events_path.open("rb")
        except FileNotFoundError:
            return []
        with f:
            end = f.seek(0, os.SEEK_END)
            position, chunks, read, newlines = end, [], 0, 0
            # Read backwards until there are count whole lines after a newline (or the start),
            # or enough bytes for a page once one whole line is in.
            while position > 0 and newlines <= count and (read <= max_bytes or newlines < 2):
                step = min(position, 64 * 1024)
                position -= step
                f.seek(position)
                chunks.append(f.read(step))
                read += step
                newlines += chunks[-1].count(b"\n")
            lines = b"".join(reversed(chunks)).split(b"\n")
            if position > 0:
                lines = lines[1:]  # a partial line where reading started
            whole = lines[:-1]  # the last part has no newline yet
            events: list[dict[str, Any]] = []
            size = _PAGE_ENVELOPE_BYTES
            for line in reversed(whole[-count:]):
                event = _event_of_line(line, len(line) + 1, 0, max_bytes)
                event_size = _page_size(event, len(line) + 1, max_bytes)
                if events and size + event_size > max_bytes:
                    break
                events.append(event)
                size += event_size
            events.reverse()
            if events:
                _number(events, f, end - len(lines[-1]), hint)
        return events


class EventLog:
    """The runner's writer for events.jsonl: seq numbers 1, 2, 3... in write order."""

    def __init__(self, jobdir: JobDirectory):
        self._lock = threading.Lock()
        self._seq = _count_lines(jobdir.events_path)
        self._file = open_private(jobdir.events_path, "a")

    def append(self, type: str, **fields: Any) -> int:
        with self._lock:
            self._seq += 1
            event = {"seq": self._seq, "time": utc_now(), "type": type, **fields}
            self._file.write(json.dumps(event) + "\n")
            self._file.flush()
            return self._seq

    def close(self) -> None:
        self._file.close()


# -- reading damaged or huge logs -----------------------------------------------------------

# The start of a line as EventLog writes it: enough to describe an event too big to load.
_EVENT_HEAD = re.compile(
    rb'^\{"seq": (\d+), "time": "([^"\\]{1,40})", "type": "([a-z_]{1,40})"'
    rb'(?:, "cell_index": (\d+|null))?'
)


# What a job costs, as its JSON's `usage` shows it (see runner/usage.py).
USAGE_FIELDS = (
    "cpu_percent",
    "rss_bytes",
    "peak_rss_bytes",
    "cpu_seconds",
    "gpu_memory_bytes",
    "peak_gpu_memory_bytes",
    "wall_seconds",
)
USAGE_SAMPLE_FIELDS = ("time", "cpu_percent", "rss_bytes", "gpu_memory_bytes")
MAX_USAGE_SAMPLES = 2000


# What an attempt leaves that the next one would write over. (Not slurm.out: on a
# cluster, attempts run in the one batch job, whose output file stays open.)
ATTEMPT_FILES = ("output.ipynb", "output.txt", "results", "usage.json", "usage.jsonl")


def empty_usage() -> dict[str, Any]:
    """The usage of a job not sampled (yet): every figure unknown."""
    return dict.fromkeys(USAGE_FIELDS)


def _load_json(data: bytes) -> Any:
    """JSON from bytes, refusing NaN and Infinity (they would make the API's JSON invalid)."""
    return json.loads(data, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _next_line(f: Any, max_bytes: int) -> tuple[bytes, int] | None:
    """The next whole line, cut after max_bytes + 1 bytes, and its full length.

    None at the end, or at a line still being written. A longer line is read
    through but not kept: a huge event costs no memory.
    """
    head = f.readline(max_bytes + 1)
    if head.endswith(b"\n"):
        return head, len(head)
    if len(head) <= max_bytes:
        return None
    length = len(head)
    while chunk := f.readline(1024 * 1024):
        length += len(chunk)
        if chunk.endswith(b"\n"):
            return head, length
    return None


def _event_of_line(line: bytes, length: int, seq: int, max_bytes: int) -> dict[str, Any]:
    """The event a line holds, numbered seq: a placeholder for a huge one, `corrupt` for garbage."""
    if length > max_bytes + 1:
        return _oversized_event(line, length, seq)
    try:
        event = _load_json(line)
    except (ValueError, RecursionError) as e:
        return _corrupt_event(seq, f"not JSON ({e})")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return _corrupt_event(seq, "not a JSON object with a type")
    if not isinstance(event.get("time"), str):
        event["time"] = None
    event["seq"] = seq
    return event


def _page_size(event: dict[str, Any], length: int, max_bytes: int) -> int:
    """Bytes an event takes in a page: its line (the newline becomes ", "), or its stand-in's."""
    if length > max_bytes + 1 or event["type"] == "corrupt":
        return len(json.dumps(event)) + 2
    return length + 1


def _corrupt_event(seq: int, reason: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "time": None,
        "type": "corrupt",
        "message": f"A line of the job's event log is damaged and was skipped: {reason}",
    }


def _oversized_event(head: bytes, length: int, seq: int) -> dict[str, Any]:
    match = _EVENT_HEAD.match(head)
    if match is None:
        return _corrupt_event(seq, f"a line of {_size_text(length)} that is not an event")
    time, kind = match.group(2).decode(), match.group(3).decode()
    cell = match.group(4)
    if kind in ("output", "update_display"):
        return {
            "seq": seq,
            "time": time,
            "type": "output",
            "cell_index": int(cell) if cell and cell != b"null" else None,
            "output": output_placeholder(length),
        }
    return {
        "seq": seq,
        "time": time,
        "type": "omitted",
        "omitted_type": kind,
        "message": f"A {kind} event of {_size_text(length)} is too large to send and was left out",
    }


def output_placeholder(size: int) -> dict[str, Any]:
    """What stands for an output too large to send live: it is whole in the output notebook."""
    return {
        "output_type": "display_data",
        "data": {
            "text/plain": f"[An output of {_size_text(size)}: too large to show while the job "
            "runs; it is in the output notebook]"
        },
        "metadata": {"jupyter_jobs": {"omitted_bytes": size}},
    }


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024 + 1} KB"


def _number(events: list[dict[str, Any]], f: Any, end: int, hint: tuple[int, int] | None) -> None:
    """Give events read from the end of the log their line numbers (seq), as read_events does.

    The lines up to `end` (the end of the last whole line) are counted, from the
    hint (a line read_events reached) when it lies before, or from the top.
    """
    total, position = hint if hint is not None and hint[1] <= end else (0, 0)
    f.seek(position)
    while position < end and (chunk := f.read(min(end - position, 1024 * 1024))):
        total += chunk.count(b"\n")
        position += len(chunk)
    for index, event in enumerate(events):
        event["seq"] = total - len(events) + 1 + index


_STATUS_FIELDS: dict[str, tuple[type, ...]] = {
    "pid": (int,),
    "pgid": (int,),
    "kernel_pid": (int,),
    "kernel_pgid": (int,),
    "process_started": (int, float),
    "host": (str,),
    "started_at": (str,),
    "finished_at": (str,),
    "reason": (str,),
}


def _checked_status(data: dict[str, Any]) -> dict[str, Any]:
    """status.json as read, without the known fields whose values make no sense."""
    status = dict(data)
    if status.get("status") not in ALL_STATES:
        status.pop("status", None)
    for key, types in _STATUS_FIELDS.items():
        value = status.get(key)
        if value is None:
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            status.pop(key)
        elif key.endswith("pid") and isinstance(value, int) and value <= 0:
            status.pop(key)  # 0 and negative pids name process groups, not a process
    progress = status.get("progress")
    if progress is not None and not (
        isinstance(progress, dict) and all(_is_count(progress.get(k)) for k in ("done", "total"))
    ):
        status.pop("progress")
    error = status.get("error")
    if error is not None and not (
        isinstance(error, dict) and isinstance(error.get("message"), str)
    ):
        told = error.get("message") if isinstance(error, dict) else error
        status["error"] = {"message": f"The runner recorded an unreadable error: {told!r}"[:1000]}
    return status


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
