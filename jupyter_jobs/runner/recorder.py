"""What the runner writes into the job directory: its state and the event log."""

from __future__ import annotations

import os
import socket
from typing import Any

from ..jobdir import EventLog, JobDirectory, utc_now
from ..processes import process_start_time


class RunRecorder:
    """Keeps status.json current and appends status changes to the event log."""

    def __init__(self, jobdir: JobDirectory):
        self.jobdir = jobdir
        self.events = EventLog(jobdir)
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

    def set_status(self, status: str, error: dict[str, Any] | None = None) -> None:
        self.state["status"] = status
        if status == "running":
            self.state["started_at"] = utc_now()
        if status in ("completed", "failed", "cancelled"):
            self.state["finished_at"] = utc_now()
            self.state["error"] = error
        self.jobdir.write_status(self.state)
        self.events.append("status", status=status, error=error)

    def update(self, **fields: Any) -> None:
        """Change fields of status.json without an event (progress, kernel pid)."""
        self.state.update(fields)
        self.jobdir.write_status(self.state)

    def close(self) -> None:
        self.events.close()
