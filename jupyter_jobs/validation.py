"""Checks of what clients send, before anything is created."""

from __future__ import annotations

import keyword
import os
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InvalidRequest, NotFound

KINDS = {".ipynb": "notebook", ".py": "script"}
MAX_NAME_LENGTH = 200


def resolve_input(root_dir: str, path: Any, confine: bool = True) -> tuple[Path, str, str]:
    """The file a client names, as (absolute path, path as given, kind).

    With confine (the server), only relative paths that stay inside root_dir are
    accepted, symbolic links included: `../x`, `/etc/passwd` and a link pointing
    out are refused. Without (the CLI and Python API, the user's own process),
    any path is taken, relative ones from root_dir.
    """
    if not isinstance(path, str) or not path.strip():
        raise InvalidRequest("'path' must be a non-empty string, relative to the server root")
    if "\0" in path:
        raise InvalidRequest("'path' must not contain NUL characters")
    if confine and (os.path.isabs(path) or PurePosixPath(path).is_absolute()):
        raise InvalidRequest(f"'path' must be relative to the server root, not absolute: {path!r}")
    root = Path(root_dir).resolve()
    target = (root / path).resolve()
    if confine and target != root and root not in target.parents:
        raise InvalidRequest(f"'path' points outside the server root: {path!r}")
    if not target.is_file():
        raise NotFound(f"No such file: {path!r}")
    kind = KINDS.get(target.suffix.lower())
    if kind is None:
        raise InvalidRequest(f"{path!r} is neither a notebook (.ipynb) nor a Python script (.py)")
    return target, path, kind


def check_parameters(parameters: Any) -> dict[str, Any]:
    """Parameters are a JSON object whose names are Python identifiers (papermill assigns them)."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise InvalidRequest("'parameters' must be an object of names to values")
    for name in parameters:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise InvalidRequest(f"Parameter name {name!r} is not a valid Python identifier")
    return dict(parameters)


def check_name(name: Any, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequest("'name' must be a non-empty string")
    if any(ch in name for ch in "\n\r\0"):
        raise InvalidRequest("'name' must be a single line")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"'name' must be at most {MAX_NAME_LENGTH} characters")
    return name.strip()


def check_optional_string(value: Any, field: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidRequest(f"'{field}' must be a non-empty string")
    return value


def check_resources(resources: Any) -> dict[str, Any]:
    if resources is None:
        return {}
    if not isinstance(resources, dict):
        raise InvalidRequest("'resources' must be an object")
    return dict(resources)


def parse_time(value: str | None, field: str) -> str | None:
    """An ISO 8601 time as the store's UTC text; a time without offset is taken as UTC."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"'{field}' is not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


MAX_RETRIES = 100
MAX_RETRY_DELAY_SECONDS = 7 * 86400


def check_retries(max_retries: Any, retry_delay_seconds: Any) -> tuple[int, float]:
    """How often a failed job is run again, and after how long."""
    if max_retries is None:
        max_retries = 0
    if (
        isinstance(max_retries, bool)
        or not isinstance(max_retries, int)
        or not 0 <= max_retries <= MAX_RETRIES
    ):
        raise InvalidRequest(f"'max_retries' must be a whole number from 0 to {MAX_RETRIES}")
    if retry_delay_seconds is None:
        retry_delay_seconds = 0
    if (
        isinstance(retry_delay_seconds, bool)
        or not isinstance(retry_delay_seconds, (int, float))
        or not 0 <= retry_delay_seconds <= MAX_RETRY_DELAY_SECONDS
    ):
        raise InvalidRequest(
            f"'retry_delay_seconds' must be a number of seconds from 0 to {MAX_RETRY_DELAY_SECONDS}"
        )
    return max_retries, float(retry_delay_seconds)


MAX_AFTER = 100
AFTER_CONDITIONS = ("completed", "finished")


def check_after(after: Any, after_condition: Any) -> tuple[list[str], str]:
    """The ids of the jobs a job runs after, and whether they must have completed or only ended."""
    if after is None:
        after = []
    if not isinstance(after, list) or not all(isinstance(job_id, str) for job_id in after):
        raise InvalidRequest("'after' must be a list of job ids (strings)")
    if len(after) > MAX_AFTER:
        raise InvalidRequest(f"'after' may name at most {MAX_AFTER} jobs, not {len(after)}")
    repeated = sorted({job_id for job_id in after if after.count(job_id) > 1})
    if repeated:
        raise InvalidRequest(f"'after' names job(s) more than once: {', '.join(repeated)}")
    if after_condition is None:
        after_condition = "completed"
    if after_condition not in AFTER_CONDITIONS:
        raise InvalidRequest(
            f"'after_condition' must be one of: {', '.join(AFTER_CONDITIONS)}, "
            f"not {after_condition!r}"
        )
    return after, after_condition
