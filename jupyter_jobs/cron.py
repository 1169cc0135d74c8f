"""Cron expressions in an IANA time zone: checked, and turned into the instants they run at.

croniter walks the wall clock of the zone; this maps each wall time it gives to
real instants the way Debian's cron treats a daylight-saving change:

- spring forward: a wall time the change skips (02:30 in Europe/Berlin on the
  last Sunday of March) runs at the change itself (03:00), once;
- fall back: a wall time the change repeats (02:30 on the last Sunday of
  October) runs once, at its first occurrence, unless the expression runs
  every hour (hour field `*`): that one runs in both passes of the repeated hour.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import InvalidRequest

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MAX_EXPRESSION_LENGTH = 200
# More than any daylight-saving shift: wall times this far before an instant can map past it.
MARGIN = timedelta(hours=3)
# Names in the zone database that are not zones of their own.
NOT_ZONES = {"localtime", "posixrules", "posix", "right"}


@functools.cache
def zone_names() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones() - NOT_ZONES)


def check_timezone(name: object) -> ZoneInfo:
    """The zone of an IANA name (e.g. Europe/Berlin); InvalidRequest saying why otherwise."""
    if not isinstance(name, str) or not name:
        raise InvalidRequest("'timezone' must be an IANA time zone name, e.g. Europe/Berlin")
    if name not in zone_names():
        raise InvalidRequest(f"Unknown time zone {name!r}: use an IANA name, e.g. Europe/Berlin")
    return ZoneInfo(name)


def local_zone_name() -> str:
    """This machine's time zone as an IANA name (TZ, /etc/timezone, /etc/localtime), or UTC."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name in zone_names():
            return name
    return "UTC"


@dataclass(frozen=True)
class CronTimes:
    """When a cron expression runs in a time zone."""

    expression: str  # as given
    fields: str  # the five fields (an alias such as @daily expanded)
    zone: ZoneInfo

    @property
    def every_hour(self) -> bool:
        return self.fields.split()[1] in ("*", "*/1")

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after moment (UTC)."""
        from croniter import croniter

        wall = _wall(moment, self.zone)
        if _steady(self.zone, moment):
            walls = croniter(self.fields, wall)
            while True:
                runs = [r for r in self._instants(walls.get_next(datetime)) if r > moment]
                if runs:
                    return min(runs)
        # Near a change: wall times a little before `wall` may run after moment.
        walls = croniter(self.fields, wall - MARGIN)
        best: datetime | None = None
        while True:
            candidate = walls.get_next(datetime)
            if best is not None and candidate > _wall(best, self.zone) + MARGIN:
                return best
            for run in self._instants(candidate):
                if run > moment and (best is None or run < best):
                    best = run

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last run at or before moment (UTC)."""
        from croniter import croniter

        wall = _wall(moment, self.zone) + timedelta(seconds=1)
        if _steady(self.zone, moment):
            walls = croniter(self.fields, wall)
            while True:
                runs = [r for r in self._instants(walls.get_prev(datetime)) if r <= moment]
                if runs:
                    return max(runs)
        walls = croniter(self.fields, wall + MARGIN)
        best: datetime | None = None
        while True:
            candidate = walls.get_prev(datetime)
            if best is not None and candidate < _wall(best, self.zone) - MARGIN:
                return best
            for run in self._instants(candidate):
                if run <= moment and (best is None or run > best):
                    best = run

    def next_runs(self, moment: datetime, count: int = 3) -> list[datetime]:
        runs: list[datetime] = []
        while len(runs) < count:
            moment = self.next_after(moment)
            runs.append(moment)
        return runs

    def _instants(self, wall: datetime) -> list[datetime]:
        """The instants (UTC) a wall time of the zone runs at: none, one or two."""
        first = wall.replace(tzinfo=self.zone, fold=0).astimezone(timezone.utc)
        second = wall.replace(tzinfo=self.zone, fold=1).astimezone(timezone.utc)
        if first == second:
            return [first]
        if _wall(first, self.zone) != wall:
            # Skipped by a spring-forward: fold=1 reads it with the later offset (before the
            # change), fold=0 with the earlier one (after): the change lies between.
            return [_change_between(second, first, self.zone)]
        return [first, second] if self.every_hour else [first]


def parse(expression: object, zone_name: object) -> CronTimes:
    """Check a cron expression (five fields, or an alias such as @daily) and a zone."""
    zone = check_timezone(zone_name)
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidRequest("'cron' must be a cron expression, e.g. '0 6 * * 1-5'")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise InvalidRequest(f"'cron' must be at most {MAX_EXPRESSION_LENGTH} characters")
    text = " ".join(expression.split())
    fields = ALIASES.get(text.lower(), text)
    if len(fields.split()) != 5 or not re.fullmatch(r"[0-9A-Za-z*/,\-#? ]+", fields):
        raise InvalidRequest(
            f"Invalid cron expression {expression!r}: it needs five fields (minute hour "
            "day-of-month month day-of-week), e.g. '0 6 * * 1-5', or one of " + ", ".join(ALIASES)
        )
    from croniter import croniter

    try:
        valid = croniter.is_valid(fields)
    except Exception:
        valid = False
    if not valid:
        raise InvalidRequest(f"Invalid cron expression {expression!r}")
    times = CronTimes(expression=text, fields=fields, zone=zone)
    try:
        times.next_after(datetime.now(timezone.utc))
    except Exception as e:  # croniter: CroniterBadDateError, or its own errors on odd fields
        raise InvalidRequest(f"The cron expression {expression!r} never runs ({e})") from None
    return times


def utc_text(moment: datetime) -> str:
    """An instant as the store and the REST API write times: ISO 8601 UTC, milliseconds."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _steady(zone: ZoneInfo, moment: datetime) -> bool:
    """No offset change within MARGIN of moment."""
    return (moment - MARGIN).astimezone(zone).utcoffset() == (moment + MARGIN).astimezone(
        zone
    ).utcoffset()


def _change_between(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The instant the zone's offset changes, between before and after (UTC)."""
    offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)
