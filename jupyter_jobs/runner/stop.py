"""How a runner is asked to stop: a signal, then a gentle interrupt, then force."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path

from ..time_limits import format_seconds

# How often a runner looks for a cancel request in its job directory.
CANCEL_CHECK_SECONDS = 0.5


class StopRequest:
    """Turns SIGTERM/SIGINT into: interrupt the work now, kill it after a grace period.

    The work being run (a kernel, a script's process) attaches how to interrupt
    it and how to kill it as soon as it exists.
    """

    def __init__(self, grace_seconds: float):
        self.grace_seconds = grace_seconds
        self.signum: int | None = None
        self._interrupt: Callable[[], None] | None = None
        self._kill: Callable[[], None] | None = None
        self._timer: threading.Timer | None = None
        self._unwatched = threading.Event()

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        # A job outlives the terminal or session that started it.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def watch(self, request_path: Path, interval: float = CANCEL_CHECK_SECONDS) -> None:
        """Also stop once request_path exists: a cancel asked from a host that cannot signal us.

        Every host sharing the jobs root can write the file; only this one can send
        us a signal. Its appearance is turned into a SIGTERM to our main thread, so
        that both ways take the one path of a signal. So is the disappearance of the
        job directory holding it (deleted by hand): nothing of the job can be recorded
        any more, readers already call it failed, and a kernel left looping would run
        for nothing.
        """
        main = threading.main_thread().ident
        assert main is not None

        def look() -> None:
            wait = 0.0
            while not self._unwatched.wait(wait):
                if request_path.exists() or not request_path.parent.is_dir():
                    signal.pthread_kill(main, signal.SIGTERM)
                    return
                wait = interval

        threading.Thread(target=look, name="cancel-request-watch", daemon=True).start()

    def unwatch(self) -> None:
        """Stop looking for the cancel request (the work is over)."""
        self._unwatched.set()

    def attach(self, interrupt: Callable[[], None], kill: Callable[[], None]) -> None:
        self._interrupt, self._kill = interrupt, kill
        if self.requested:  # the signal came before there was anything to stop
            self._stop()

    def request(self) -> None:
        """Stop the work as a SIGTERM would, for a reason of the runner's own (a full disk)."""
        self._on_signal(signal.SIGTERM, None)

    def detach(self) -> None:
        self._interrupt = self._kill = None
        if self._timer is not None:
            self._timer.cancel()

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.requested:
            return
        self.signum = signum
        self._stop()

    def _stop(self) -> None:
        if self._interrupt is None or self._kill is None:
            return
        self._interrupt()
        self._timer = threading.Timer(self.grace_seconds, self._kill)
        self._timer.daemon = True
        self._timer.start()


class TimeLimit:
    """Stops the work as a cancel does once it has run for its time limit (local jobs)."""

    def __init__(self, seconds: int, stop: StopRequest):
        self.seconds = seconds
        self.reached = False
        self._stop = stop
        self._timer = threading.Timer(seconds, self._reach)
        self._timer.daemon = True
        self._timer.start()

    def _reach(self) -> None:
        self.reached = True
        self._stop.request()

    def cancel(self) -> None:
        self._timer.cancel()

    def error(self) -> dict[str, str]:
        shown = format_seconds(self.seconds)
        return {
            "message": f"The job reached its time limit of {shown} and was stopped; "
            "its output up to then is kept",
            "ename": "TimeLimit",
            "evalue": shown,
        }
