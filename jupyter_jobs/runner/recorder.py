"""What the runner writes into the job directory: its state and the event log."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..jobdir import EventLog, JobDirectory, utc_now
from ..processes import process_start_time

# Room kept while the job runs, freed to record its end when the disk is full.
RESERVE_NAME = ".disk-reserve"
RESERVE_BYTES = 1024 * 1024
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class DiskFull(OSError):
    """A write into the job directory found no room: the job stops and says why."""


class RunRecorder:
    """Keeps status.json current and appends status changes to the event log.

    Every write into the job directory goes through `writing`: the first one that
    finds the disk full calls on_disk_full (which stops the job) and every later
    one fails at once, until `finish` frees the room kept to record the end.
    """

    def __init__(self, jobdir: JobDirectory, on_disk_full: Callable[[], None] | None = None):
        self.jobdir = jobdir
        self.on_disk_full = on_disk_full
        self.disk_full: OSError | None = None
        self._reserve = _keep_room(jobdir.path / RESERVE_NAME)
        self._log = EventLog(jobdir)
        self.events = _GuardedEventLog(self)
        pid = os.getpid()
        self.state: dict[str, Any] = {
            "status": None,
            "pid": pid,
            "pgid": os.getpgid(0),
            "process_started": process_start_time(pid),
            "host": socket.gethostname(),
            "started_at": None,
            "finished_at": None,
            "progress": {"done": 0, "total": 0},
            "error": None,
            "kernel_pid": None,
            "kernel_pgid": None,
        }

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write into the job directory: a full disk turns into DiskFull."""
        if self.disk_full is not None:
            raise DiskFull(self.disk_full.errno, self.disk_full.strerror)
        try:
            yield
        except OSError as e:
            if e.errno not in DISK_FULL_ERRNOS:
                raise
            if self.disk_full is None:
                self.disk_full = e
                if self.on_disk_full is not None:
                    self.on_disk_full()
            raise DiskFull(e.errno, e.strerror) from e

    def set_status(self, status: str, error: dict[str, Any] | None = None) -> None:
        self.state["status"] = status
        if status == "running":
            self.state["started_at"] = utc_now()
        with self.writing():
            self.jobdir.write_status(self.state)
        self.events.append("status", status=status, error=error)

    def update(self, **fields: Any) -> None:
        """Change fields of status.json without an event (progress, kernel pid)."""
        self.state.update(fields)
        with self.writing():
            self.jobdir.write_status(self.state)

    def finish(self, status: str, error: dict[str, Any] | None, reason: str | None = None) -> bool:
        """Record the final status (in the room kept for it if the disk is full); whether it was.

        A runner that cannot record its end (its directory was deleted) ends all
        the same: the reader tells what happened from what it finds.
        """
        if self.disk_full is not None:
            self._make_room()
        self.state.update(status=status, finished_at=utc_now(), error=error, reason=reason)
        try:
            self.jobdir.write_status(self.state)
            self._log.append("status", status=status, error=error)
            return True
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                self._log.close()
            self._drop_reserve()

    def _make_room(self) -> None:
        """Free the reserve; give the log a fresh writer after a line cut short by the full disk."""
        with contextlib.suppress(OSError):
            self._log.close()  # what it could not write is dropped
        self._drop_reserve()
        with contextlib.suppress(OSError):
            with self.jobdir.events_path.open("rb+") as f:
                if f.seek(0, os.SEEK_END) > 0:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        f.write(b"\n")  # the cut line reads as `corrupt`, the next one whole
            self._log = EventLog(self.jobdir)

    def _drop_reserve(self) -> None:
        if self._reserve is not None:
            with contextlib.suppress(OSError):
                self._reserve.unlink()
            self._reserve = None

    def close(self) -> None:
        self._log.close()
        self._drop_reserve()


class _GuardedEventLog:
    """The event log as the run writes it: each append under the recorder's `writing`."""

    def __init__(self, recorder: RunRecorder):
        self._recorder = recorder

    def append(self, type: str, **fields: Any) -> int:
        with self._recorder.writing():
            return self._recorder._log.append(type, **fields)


def _keep_room(path: Path) -> Path | None:
    """Allocate the reserve file; None if there is no room even for that."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        except OSError as e:
            if e.errno in DISK_FULL_ERRNOS:
                raise
            os.write(fd, bytes(RESERVE_BYTES))  # a filesystem without fallocate
        return path
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    finally:
        os.close(fd)


def disk_full_cause(error: BaseException | None) -> OSError | None:
    """The full-disk error behind an exception (papermill and nbclient wrap and chain them)."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None
