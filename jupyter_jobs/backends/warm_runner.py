"""The server's side of runner.warm: ask a warm process to fork a runner for a job."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
from pathlib import Path

from ..processes import runner_environment

REPLY_TIMEOUT_SECONDS = 5.0


class WarmRunner:
    """A child process that forks runners on request; None from spawn() means: start one cold."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "jupyter_jobs.runner.warm"],
                    env=runner_environment(None),  # its forks mark themselves
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    bufsize=0,
                    # Its own session: a Ctrl-C meant for the server is not meant for jobs.
                    start_new_session=True,
                )
                self._ready = False

    def spawn(self, job_dir: Path) -> int | None:
        """The pid of a runner forked for job_dir, or None if no warm process is ready."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                return None
            try:
                if not self._ready:
                    if not self._readable(0):
                        return None  # still importing: a cold start is no slower
                    self._ready = json.loads(self._readline()).get("ready", False)
                assert proc.stdin is not None
                proc.stdin.write((json.dumps({"job_dir": str(job_dir)}) + "\n").encode())
                if not self._readable(REPLY_TIMEOUT_SECONDS):
                    raise TimeoutError("the warm runner did not answer")
                return int(json.loads(self._readline())["pid"])
            except (OSError, ValueError, KeyError, TimeoutError):
                self._stop_locked()
                return None

    def close(self) -> None:
        with self._lock:
            self._stop_locked()

    def _readable(self, timeout: float) -> bool:
        assert self._proc is not None and self._proc.stdout is not None
        return bool(select.select([self._proc.stdout], [], [], timeout)[0])

    def _readline(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise OSError("the warm runner exited")
        return line.decode()

    def _stop_locked(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # it exits at end of input; its runners go on
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
