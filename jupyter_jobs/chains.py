"""Chains, the manager's part: what a job to run `after` others keeps of them, and the end
the manager decides for a job whose runner recorded none.

The waiting itself is done by the chained job's runner (runner/dependencies.py) or by
SLURM (`--dependency`); both judge from the dependencies' job directories, not from the
store. So when the manager decides that a job ended (its runner died without recording
it), it writes that into the job's directory too: jobs chained to it stop waiting.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InvalidRequest
from .jobdir import JobDirectory, utc_now
from .private import write_private_atomically
from .runner.dependencies import DECIDED_END_NAME
from .store import JobStore


def dependencies(
    store: JobStore, refresh: Callable[[list[str]], None], after: list[str]
) -> list[dict[str, Any]]:
    """What the runner (and a backend) needs of each job to run after; unknown ids refused.

    refresh brings them up to date first: a backend may chain only to unfinished ones.
    """
    unknown = [job_id for job_id in after if store.get(job_id) is None]
    if unknown:
        raise InvalidRequest(f"'after' names no known job: {', '.join(unknown)}")
    refresh(after)
    found = []
    for job_id in after:
        record = store.get(job_id)
        if record is None:  # removed meanwhile
            raise InvalidRequest(f"'after' names no known job: {job_id}")
        found.append(
            {
                "id": record.id,
                "name": record.name,
                "job_dir": str(Path(record.job_dir).resolve()),
                "backend": record.backend,
                "backend_id": record.backend_id,
                "status": record.status,
            }
        )
    return found


def record_decided_end(jobdir: JobDirectory, status: str, error: dict[str, Any] | None) -> None:
    """Keep in the job directory the end the manager gave a job whose runner recorded none.

    The runner's own status.json still wins if it ever records an end after all.
    """
    data = {"status": status, "error": error, "decided_at": utc_now()}
    with contextlib.suppress(OSError):  # a deleted job directory already reads as failed
        write_private_atomically(jobdir.path / DECIDED_END_NAME, json.dumps(data))
