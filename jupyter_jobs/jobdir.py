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

The runner writes; everyone else only reads (but for cancel-requested).
Every file is the owner's alone (0600, directories 0700): see jupyter_jobs.private.
This module imports nothing heavy: the runner starts with it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .private import open_private, touch_private, write_private_atomically

ACTIVE_STATES = ("queued", "running", "cancelling")
FINAL_STATES = ("completed", "failed", "cancelled")
ALL_STATES = ACTIVE_STATES + FINAL_STATES

# Marks every process of a job (runner, kernel, their children) so that cancel finds them all.
JOB_ENV_MARKER = "JUPYTER_JOBS_JOB_ID"
# Tells code running inside a job where its job directory is (jupyter_jobs.record uses it).
JOB_DIR_ENV = "JUPYTER_JOBS_JOB_DIR"


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
    input_dir = property(lambda self: self.path / "input")

    def input_path(self, spec: JobSpec) -> Path:
        return self.input_dir / spec.input_name

    def output_path(self, kind: str) -> Path:
        return self.output_notebook_path if kind == "notebook" else self.output_text_path

    def write_spec(self, spec: JobSpec) -> None:
        _write_json_atomically(self.spec_path, asdict(spec))

    def read_spec(self) -> JobSpec:
        return JobSpec.from_dict(json.loads(self.spec_path.read_text()))

    def write_status(self, status: dict[str, Any]) -> None:
        _write_json_atomically(self.status_path, status)

    def read_status(self) -> dict[str, Any] | None:
        """The runner's last written state, or None before the runner wrote one."""
        try:
            return json.loads(self.status_path.read_text())
        except FileNotFoundError:
            return None
        except json.JSONDecodeError:
            return None  # only a runner from before atomic writes could leave this

    def request_cancel(self) -> None:
        touch_private(self.cancel_request_path)

    def cancel_requested(self) -> bool:
        return self.cancel_request_path.exists()

    def read_events(
        self, after: int = 0, limit: int = 1000, hint: tuple[int, int] | None = None
    ) -> tuple[list[dict[str, Any]], int, tuple[int, int]]:
        """Events with seq > after, at most limit of them.

        Returns (events, next, hint). Pass the hint back with the next call to
        start reading where the last call stopped instead of from the top.
        A line the runner is still writing (no newline yet) is left for later.
        """
        seq, offset = (0, 0)
        if hint is not None and hint[0] <= after:
            seq, offset = hint
        events: list[dict[str, Any]] = []
        try:
            f = self.events_path.open("rb")
        except FileNotFoundError:
            return events, after, (seq, offset)
        with f:
            f.seek(offset)
            for line in f:
                if not line.endswith(b"\n"):
                    break
                seq += 1
                offset += len(line)
                if seq <= after:
                    continue
                events.append(json.loads(line))
                if len(events) >= limit:
                    break
        return events, max(after, seq), (seq, offset)

    def read_last_events(self, count: int) -> list[dict[str, Any]]:
        """The last `count` whole events, read from the end of the log (cheap on a long log)."""
        try:
            f = self.events_path.open("rb")
        except FileNotFoundError:
            return []
        with f:
            end = f.seek(0, os.SEEK_END)
            position, data = end, b""
            # Read backwards until there are count whole lines after a newline (or the start).
            while position > 0 and data.count(b"\n") <= count:
                step = min(position, 64 * 1024)
                position -= step
                f.seek(position)
                data = f.read(step) + data
        lines = data.split(b"\n")
        if position > 0:
            lines = lines[1:]  # a partial line where reading started
        whole = [line for line in lines[:-1] if line]  # the last part has no newline yet
        return [json.loads(line) for line in whole[-count:]] if count else []


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


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
