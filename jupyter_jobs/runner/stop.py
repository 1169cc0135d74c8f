"""How a runner is asked to stop: a signal, then a gentle interrupt, then force."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


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

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        # A job outlives the terminal or session that started it.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

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
