"""What the Python API's handles (Job, Sweep, Schedule) and listings have in common.

A handle names one thing the store keeps by its id and holds what was last read of it;
jobs and sweeps can be waited for; listings take status filters with groups
("finished", "active") and are read a page at a time.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from .errors import InvalidRequest, NotFound

PAGE = 1000
H = TypeVar("H", bound="Handle")
R = TypeVar("R", bound="RunningHandle")


class Handle:
    """A handle on one thing the store keeps (a job, a sweep, a schedule), by its id."""

    def __init__(self, item_id: str, info: dict[str, Any] | None = None):
        self.id = item_id
        self._info = info

    @property
    def info(self) -> dict[str, Any]:
        """It as the REST API shows it, as of the last refresh()."""
        if self._info is None:
            self.refresh()
        assert self._info is not None
        return self._info

    def refresh(self: H) -> H:
        """Read it anew from the store."""
        self._info = self._read()
        return self

    def _read(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.id == self.id  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.id)


class RunningHandle(Handle):
    """A handle on something that runs until it ends (a job, a sweep): it can be waited for.

    Subclasses name it (`noun`), its final states, and how to get it again (`getter`).
    """

    noun: ClassVar[str]  # "job"
    final_states: ClassVar[Collection[str]]
    getter: ClassVar[str]  # "get": jupyter_jobs.get(id) gives it again
    keeps_going: ClassVar[str] = "it keeps running"
    first_pause: ClassVar[float] = 0.1

    @property
    def status(self) -> str:
        """Its status, fresh from the store."""
        return str(self.refresh().info["status"])

    def done(self) -> bool:
        """Whether it has finished."""
        return self.status in self.final_states

    def wait(self: R, timeout: float | None = None) -> R:
        """Wait until it has finished; returns it.

        An interrupt (Ctrl-C, or the kernel's interrupt button) stops the waiting, not
        the work: it keeps running, and wait() returns it as it stands. TimeoutError
        after `timeout` seconds (it keeps running then too).
        """
        try:
            self._wait(timeout)
        except KeyboardInterrupt:
            with contextlib.suppress(KeyboardInterrupt):
                self.refresh()  # as it stands now, not as of the last look
            print(
                f"Stopped waiting for {self.noun} {self.id} ({self.info['name']}); "
                f"{self.keeps_going}. jupyter_jobs.{self.getter}({self.id!r}).wait() waits again.",
                file=sys.stderr,
                flush=True,
            )
        return self

    def __repr__(self) -> str:
        try:
            info = self.refresh().info
        except NotFound:
            return f"<{type(self).__name__} {self.id} (removed)>"
        return f"<{type(self).__name__} {self.id} {self._summary(info)}>"

    def _summary(self, info: dict[str, Any]) -> str:
        """What its repr() says of it, after its id."""
        return f"{info['name']!r} {info['status']}"

    def _wait(self, timeout: float | None = None) -> None:
        """Wait until it has finished; an interrupt raises KeyboardInterrupt."""
        poll_until(
            lambda: self.refresh().info["status"] in self.final_states,
            timeout,
            lambda: (
                f"{self.noun.capitalize()} {self.id} is still {self.info['status']} "
                f"after {timeout} seconds"
            ),
            first_pause=self.first_pause,
        )


def poll_until(
    finished: Callable[[], bool],
    timeout: float | None,
    still: Callable[[], str],
    first_pause: float = 0.1,
) -> None:
    """Ask finished() again, with pauses growing to a second, until it says yes;
    TimeoutError with still()'s words after timeout seconds. An interrupt goes through."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = first_pause
    while not finished():
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(still())
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        time.sleep(pause if left is None else min(pause, left))
        pause = min(pause * 1.5, 1.0)


def statuses_wanted(
    status: str | Iterable[str] | None,
    states: Collection[str],
    groups: Mapping[str, Collection[str]],
    what: str = "status",
) -> list[str] | None:
    """The states a status filter names: states themselves, or groups of them; None for
    no filter. InvalidRequest, listing the choices, for anything else."""
    if status is None:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    statuses: list[str] = []
    for item in wanted:
        if item in groups:
            statuses += groups[item]
        elif item in states:
            statuses.append(item)
        else:
            choices = ", ".join((*states, *groups))
            raise InvalidRequest(f"Unknown {what} {item!r}; one of: {choices}")
    return statuses


def every_page(
    list_page: Callable[..., tuple[list[dict[str, Any]], int]], **filters: Any
) -> list[dict[str, Any]]:
    """Everything a manager's listing holds, read a page (limit, offset) at a time."""
    found: list[dict[str, Any]] = []
    while True:
        page, total = list_page(**filters, limit=PAGE, offset=len(found))
        found += page
        if not page or len(found) >= total:
            return found
