"""The local concurrency queue, kept by the runners themselves.

At submit, the backend leaves an entry in `waiting/`, named so that entries
sort in submission order; the runner writes its pid, that process's start time
and its host into it once it starts (a pid alone could be another process's by
now). The oldest entry takes the first free slot, a file it holds an exclusive
lock on while it runs. Each host has its queue directory of its own: local
concurrency is per machine. No server is needed: jobs submitted from the CLI queue with
jobs from the panel, and a server restart loses nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..private import make_private_dir, touch_private
from ..processes import process_alive, process_start_time

POLL_SECONDS = 0.05
# An entry whose runner never wrote its pid this long after submit is given up on.
START_TIMEOUT_SECONDS = 60


def enqueue(queue_dir: str, position: int, job_id: str) -> Path:
    """Take the job's place in the queue (the backend does this at submit)."""
    waiting = make_private_dir(Path(queue_dir) / "waiting", parents=True)
    entry = waiting / f"{position:020d}-{job_id}"
    touch_private(entry)
    return entry


class Slot:
    """A held slot: closing it (or the process ending) frees it."""

    def __init__(self, fd: int):
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def wait_for_slot(
    queue_dir: str, limit: int, position: int, job_id: str, should_stop: Callable[[], bool]
) -> Slot | None:
    """Block until this job may run; None if should_stop() turned true first.

    Jobs run in the order of `position` (their submission time), however late
    their runners happened to start.
    """
    entry = enqueue(queue_dir, position, job_id)
    entry.write_text(_entry_text())
    try:
        while not should_stop():
            if _is_first(entry):
                slot = _take_free_slot(Path(queue_dir), max(1, limit))
                if slot is not None:
                    return slot
            time.sleep(POLL_SECONDS)
        return None
    finally:
        entry.unlink(missing_ok=True)


def _entry_text() -> str:
    """Who holds an entry: the runner's pid, its start time and its host."""
    pid = os.getpid()
    return json.dumps(
        {"pid": pid, "started": process_start_time(pid), "host": socket.gethostname()}
    )


def _is_first(entry: Path) -> bool:
    host = socket.gethostname()
    for other in sorted(entry.parent.iterdir()):
        if other.name == entry.name:
            return True
        waiting = _waiting(other, host)
        if waiting is None:
            continue  # another host's entry: neither ours to wait for nor to judge
        if waiting:
            return False
        other.unlink(missing_ok=True)  # its runner died, or never started
    return True


def _waiting(entry: Path, host: str) -> bool | None:
    """Whether the entry's runner still waits; None for a runner on another host."""
    try:
        text = entry.read_text().strip()
        age = time.time() - entry.stat().st_mtime
    except FileNotFoundError:
        return False
    holder = _read_entry(text)
    if holder is None:
        return age < START_TIMEOUT_SECONDS  # its runner is still starting (or writing it)
    if (holder.get("host") or host) != host:
        return None
    started = holder.get("started")
    return process_alive(holder["pid"], started if isinstance(started, (int, float)) else None)


def _read_entry(text: str) -> dict[str, Any] | None:
    try:
        holder = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(holder, int):
        return {"pid": holder}  # written by an older runner: a bare pid
    if isinstance(holder, dict) and isinstance(holder.get("pid"), int):
        return holder
    return None


def _take_free_slot(queue_dir: Path, limit: int) -> Slot | None:
    for index in range(limit):
        fd = os.open(queue_dir / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Slot(fd)
        except BlockingIOError:
            os.close(fd)
    return None
