"""The local concurrency queue, kept by the runners themselves.

Each waiting runner leaves an entry in `waiting/`, named so that they sort in
arrival order; the oldest living one takes the first free slot, a file it holds
an exclusive lock on while it runs. No server is needed: jobs submitted from the
CLI queue with jobs from the panel, and a server restart loses nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..processes import process_alive

POLL_SECONDS = 0.05


class Slot:
    """A held slot: closing it (or the process ending) frees it."""

    def __init__(self, fd: int):
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def wait_for_slot(
    queue_dir: str, limit: int, job_id: str, should_stop: Callable[[], bool]
) -> Slot | None:
    """Block until this job may run; None if should_stop() turned true first."""
    waiting = Path(queue_dir) / "waiting"
    waiting.mkdir(parents=True, exist_ok=True)
    entry = waiting / f"{time.time_ns():020d}-{job_id}-{os.getpid()}"
    entry.touch()
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


def _is_first(entry: Path) -> bool:
    for other in sorted(entry.parent.iterdir()):
        if other.name == entry.name:
            return True
        pid = int(other.name.rsplit("-", 1)[-1])
        if process_alive(pid):
            return False
        other.unlink(missing_ok=True)  # its runner died while waiting
    return True


def _take_free_slot(queue_dir: Path, limit: int) -> Slot | None:
    for index in range(limit):
        fd = os.open(queue_dir / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Slot(fd)
        except BlockingIOError:
            os.close(fd)
    return None
