"""ManagerWorker: runs JobManager calls in worker threads, so the server's event loop never waits.

Everything the manager does can block: SQLite, reading and writing job
directories, nbformat, kernelspec scans, rmtree, sbatch/squeue/scancel/sinfo
and the warm runner hand-off. A slow `squeue` on a busy cluster must not freeze
every request and kernel websocket of the server, so the server awaits the
manager here. The manager itself stays synchronous (the CLI and the Python API
call it directly) and thread-safe.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class ManagerWorker:
    """A small pool of threads for blocking work, awaited from the event loop."""

    def __init__(self, max_workers: int = 8):
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="jupyter-jobs"
        )

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """function(*args, **kwargs) in a worker thread; its exception is raised here."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )

    def shutdown(self) -> None:
        """Start no new calls; wait for those under way."""
        self._executor.shutdown(wait=True, cancel_futures=True)
