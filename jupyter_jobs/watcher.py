"""JobWatcher: turns what changes in active jobs into messages for the push channel.

Called periodically by the server, in a worker thread; it knows nothing of the server
itself. Job changes reach it from whichever thread made them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .errors import NotFound
from .manager import JobManager

# Events and bytes of them sent per job and tick (a job that displays thousands of large
# plots must not make a huge push); a client that needs more reads GET log?after=next.
MAX_PUSHED_EVENTS = 500
MAX_PUSHED_BYTES = 1024 * 1024  # the runner keeps every single output under this


class JobWatcher:
    def __init__(self, manager: JobManager, send: Callable[[dict[str, Any]], None]):
        self.manager = manager
        self.send = send
        self._next: dict[str, int] = {}  # job id -> seq of the last event sent
        self._lock = threading.Lock()
        manager.subscribe(self._on_job_change)

    def _on_job_change(self, message: dict[str, Any]) -> None:
        self.send(message)
        with self._lock:
            if message["action"] == "updated":
                self._next.setdefault(message["job"]["id"], 0)
            elif message["action"] == "removed":
                self._next.pop(message["job_id"], None)

    def tick(self) -> None:
        """Refresh active jobs; push their changes and their new log events."""
        self.manager.refresh()
        active = set(self.manager.active_job_ids())
        with self._lock:
            followed = active | set(self._next)
        for job_id in followed:
            drained = self._push_log(job_id)
            if job_id not in active and drained:
                with self._lock:
                    self._next.pop(job_id, None)  # finished, and its last events are out

    def _push_log(self, job_id: str) -> bool:
        """Push the job's new events; whether none are left to push."""
        with self._lock:
            after = self._next.get(job_id, 0)
        try:
            events, next_seq = self.manager.log(
                job_id, after=after, limit=MAX_PUSHED_EVENTS, max_bytes=MAX_PUSHED_BYTES
            )
        except NotFound:
            return True  # removed meanwhile
        if events:
            with self._lock:
                self._next[job_id] = next_seq
            self.send({"action": "log", "job_id": job_id, "events": events, "next": next_seq})
        return not events  # a page cut by bytes can be short with more to come
