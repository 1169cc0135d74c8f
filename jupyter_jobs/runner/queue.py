"""The local concurrency queue, kept by the runners themselves.

At submit, the backend leaves an entry in `waiting/`, named so that entries
sort in submission order; the runner writes its pid, that process's start time
and its host into it once it starts (a pid alone could be another process's by
now). The oldest entry takes the first free slot, a file it holds an exclusive
lock on while it runs. Each host has its queue directory of its own: local
concurrency is per machine. No server is needed: jobs submitted from the CLI queue with
jobs from the panel, and a server restart loses nothing.

A run of a sweep with a concurrency limit K (its group) also needs one of K group
slots, `groups/<sweep id>/slot-<i>.lock`, taken after the queue's own. While all K
are held, its waiting runs step aside: later jobs may pass them, and they keep their
order among themselves. The entry says its group, so others can tell.
"""

from __future__ import annotations

import bisect
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
# The longest pause between looks, for runners far back in the queue or whose group is full.
MAX_POLL_SECONDS = 1.0
# An entry whose runner never wrote its pid this long after submit is given up on.
START_TIMEOUT_SECONDS = 60


def enqueue(
    queue_dir: str,
    position: int,
    job_id: str,
    group: str | None = None,
    group_limit: int | None = None,
) -> Path:
    """Take the job's place in the queue (the backend does this at submit)."""
    waiting = make_private_dir(Path(queue_dir) / "waiting", parents=True)
    entry = waiting / f"{position:020d}-{job_id}"
    touch_private(entry)
    if group and group_limit:
        entry.write_text(json.dumps({"group": group, "group_limit": group_limit}))
    return entry


def leave(queue_dir: str, position: int, job_id: str) -> None:
    """Give up the job's place for now (a chained job waiting for others): it holds
    nobody up meanwhile, and wait_for_slot takes the place again, in its old order."""
    (Path(queue_dir) / "waiting" / f"{position:020d}-{job_id}").unlink(missing_ok=True)


class Slot:
    """A held slot (the queue's, and its group's for a limited sweep): releasing it, or the
    process ending, frees it."""

    def __init__(self, *fds: int):
        self._fds = list(fds)

    def release(self) -> None:
        while self._fds:
            os.close(self._fds.pop())


def wait_for_slot(
    queue_dir: str,
    limit: int,
    position: int,
    job_id: str,
    should_stop: Callable[[], bool],
    group: str | None = None,
    group_limit: int | None = None,
) -> Slot | None:
    """Block until this job may run; None if should_stop() turned true first.

    Jobs run in the order of `position` (their submission time), however late
    their runners happened to start; a run of a group (a sweep) with group_limit
    runs only while fewer than that many of its group run.
    """
    queue = Path(queue_dir)
    own_group = (group, group_limit) if group and group_limit else None
    entry = enqueue(queue_dir, position, job_id)
    entry.write_text(_entry_text(own_group))
    wait = POLL_SECONDS
    try:
        while not should_stop():
            group_full = own_group is not None and _group_full(queue, *own_group)
            ahead = None if group_full else _entries_ahead(entry)
            if ahead == 0:
                slot = _take_free_slot(queue, max(1, limit))
                if slot is not None and own_group is not None:
                    slot = _add_group_slot(queue, *own_group, slot)
                if slot is not None:
                    return slot
                wait = POLL_SECONDS  # next in line: take a slot as soon as one frees
            elif ahead is not None:
                # Further back (a sweep queues hundreds of runs), look less often, or the
                # waiting runners' looks take the cores the running jobs need.
                wait = min(MAX_POLL_SECONDS, POLL_SECONDS * (1 + ahead))
            else:
                wait = min(MAX_POLL_SECONDS, wait * 1.25)  # its group is full: it waits anyway
            time.sleep(wait)
        return None
    finally:
        entry.unlink(missing_ok=True)


def _entry_text(group: tuple[str, int] | None) -> str:
    """Who holds an entry: the runner's pid, its start time and its host (and its group)."""
    pid = os.getpid()
    holder: dict[str, Any] = {
        "pid": pid,
        "started": process_start_time(pid),
        "host": socket.gethostname(),
    }
    if group is not None:
        holder["group"], holder["group_limit"] = group
    return json.dumps(holder)


def _entries_ahead(entry: Path) -> int:
    """0 when no waiting entry ahead holds this one up; else how many entries are ahead of
    it (at most: some may be another host's, or wait for their full group)."""
    host = socket.gethostname()
    queue = entry.parent.parent
    full: dict[tuple[str, int], bool] = {}  # each group is looked at once per pass
    # Names, not Paths: the waiting runners of a sweep list the queue often.
    names = sorted(os.listdir(entry.parent))
    for index, name in enumerate(names):
        if name == entry.name:
            return 0
        other = entry.parent / name
        waiting, group = _waiting(other, host)
        if waiting is None:
            continue  # another host's entry: neither ours to wait for nor to judge
        if not waiting:
            other.unlink(missing_ok=True)  # its runner died, or never started
            continue
        if group is not None:
            if group not in full:
                full[group] = _group_full(queue, *group)
            if full[group]:
                continue  # it cannot run before one of its group ends: it holds nobody up
        return max(1, bisect.bisect_left(names, entry.name, lo=index))
    return 0


def _waiting(entry: Path, host: str) -> tuple[bool | None, tuple[str, int] | None]:
    """Whether the entry's runner still waits (None for a runner on another host), and
    its group if it is a run of a limited sweep."""
    try:
        text = entry.read_text().strip()
        age = time.time() - entry.stat().st_mtime
    except FileNotFoundError:
        return False, None
    data = _load(text)
    group = None
    if isinstance(data, dict) and isinstance(data.get("group"), str):
        limit = data.get("group_limit")
        if isinstance(limit, int) and limit > 0:
            group = (data["group"], limit)
    holder = _read_entry(data)
    if holder is None:
        return age < START_TIMEOUT_SECONDS, group  # its runner is still starting (or writing)
    if (holder.get("host") or host) != host:
        return None, group
    started = holder.get("started")
    alive = process_alive(holder["pid"], started if isinstance(started, (int, float)) else None)
    return alive, group


def _load(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _read_entry(holder: Any) -> dict[str, Any] | None:
    if isinstance(holder, int) and not isinstance(holder, bool):
        return {"pid": holder}  # written by an older runner: a bare pid
    if isinstance(holder, dict) and isinstance(holder.get("pid"), int):
        return holder
    return None


def _group_dir(queue_dir: Path, group: str) -> Path:
    return make_private_dir(queue_dir / "groups" / group, parents=True)


def _lock(path: Path) -> int | None:
    """An fd holding an exclusive lock on path, or None if somebody holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def _group_full(queue_dir: Path, group: str, limit: int) -> bool:
    """Whether `limit` runs of the group run now (each holds one of its slots)."""
    folder = _group_dir(queue_dir, group)
    for index in range(limit):
        fd = _lock(folder / f"slot-{index}.lock")
        if fd is not None:
            os.close(fd)  # only looked: free for whoever takes it
            return False
    return True


def _add_group_slot(queue_dir: Path, group: str, limit: int, slot: Slot) -> Slot | None:
    """The queue slot with a slot of the group; None (the queue slot freed) if none is free."""
    folder = _group_dir(queue_dir, group)
    for index in range(limit):
        fd = _lock(folder / f"slot-{index}.lock")
        if fd is not None:
            slot._fds.append(fd)
            return slot
    slot.release()
    return None


def _take_free_slot(queue_dir: Path, limit: int) -> Slot | None:
    for index in range(limit):
        fd = _lock(queue_dir / f"slot-{index}.lock")
        if fd is not None:
            return Slot(fd)
    return None
