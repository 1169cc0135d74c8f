"""Time limits as SLURM writes them, for every backend.

`time_limit` in a job's resources takes SLURM's formats on every backend, so a
job moves between the local machine and a cluster unchanged: a bare number of
minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidRequest

TIME_RE = re.compile(
    r"^(?:(?P<days>\d+)-(?P<dh>\d{1,2})(?::(?P<dm>\d{1,2})(?::(?P<ds>\d{1,2}))?)?"
    r"|(?P<h>\d+):(?P<hm>\d{1,2}):(?P<hs>\d{1,2})"
    r"|(?P<m>\d+):(?P<ms>\d{1,2})"
    r"|(?P<minutes>\d+))$"
)
# TIME_RE's forms without named groups, as a JSON Schema `pattern` (blanks around allowed).
TIME_LIMIT_PATTERN = (
    r"^\s*(\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|\d+:\d{1,2}:\d{1,2}|\d+:\d{1,2}|\d+)\s*$"
)
TIME_LIMIT_HELP = "The job is stopped after this long: HH:MM:SS, D-HH:MM:SS, MM:SS or minutes"


def parse_time_limit(value: str) -> int:
    """Seconds of a SLURM time string: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.

    ValueError if it is none of these or has a field out of range.
    """
    match = TIME_RE.match(value.strip())
    if match is None:
        raise ValueError(value)
    g = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    parts: tuple[int, int, int]
    limits: tuple[int | None, int | None, int | None]
    if "minutes" in g:
        return g["minutes"] * 60
    if "m" in g:
        parts, limits = (0, g["m"], g["ms"]), (None, None, 60)
    elif "h" in g:
        parts, limits = (g["h"], g["hm"], g["hs"]), (None, 60, 60)
    else:
        parts = (g["days"] * 24 + g["dh"], g.get("dm", 0), g.get("ds", 0))
        limits = (None, 60, 60)
        if g["dh"] >= 24:
            raise ValueError(value)
    if any(limit is not None and part >= limit for part, limit in zip(parts, limits, strict=True)):
        raise ValueError(value)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def time_limit_seconds(limit: Any) -> int:
    """Seconds of a client's `time_limit`; InvalidRequest that says the formats otherwise."""
    message = (
        "'time_limit' must be HH:MM:SS, D-HH:MM:SS, MM:SS or a number of minutes, "
        f"and more than zero, not {limit!r}"
    )
    if isinstance(limit, bool) or not isinstance(limit, (str, int)):
        raise InvalidRequest(message)
    try:
        seconds = parse_time_limit(str(limit))
    except ValueError:
        raise InvalidRequest(message) from None
    if seconds <= 0:
        raise InvalidRequest(message)
    return seconds


def format_seconds(seconds: int) -> str:
    """Seconds as SLURM shows a time: [D-]HH:MM:SS."""
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{clock}" if days else clock
