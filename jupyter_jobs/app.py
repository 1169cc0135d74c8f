"""The Jupyter server extension: builds the job manager, routes, and the push channel."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from jupyter_events import EventLogger
from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import Float, Integer

from .configuration import DB_PATH_ENV, JOBS_ROOT_ENV, JobsConfig
from .events import JOB_EVENT_SCHEMA, JOB_EVENT_SCHEMA_ID
from .handlers import routes
from .manager import JobManager
from .scheduler import ScheduleManager
from .sweep_manager import SweepManager
from .watcher import JobWatcher
from .worker import ManagerWorker


class JobsApp(ExtensionApp):
    """jupyter-jobs: notebooks and scripts as background and cluster jobs."""

    name = "jupyter_jobs"

    watch_interval = Float(
        0.5,
        config=True,
        help="Seconds between two looks at active jobs, for pushed updates and live output.",
    )

    worker_threads = Integer(
        8,
        config=True,
        help="Threads that do the job manager's blocking work (database, job files, cluster "
        "commands) for requests, so that the server itself never waits on it.",
    )

    schedule_interval = Float(
        2.0,
        config=True,
        help="Seconds between two looks for schedules whose run is due.",
    )

    manager: JobManager
    schedules: ScheduleManager
    worker: ManagerWorker
    event_logger: EventLogger
    _io_loop: IOLoop
    _watcher_callback: PeriodicCallback | None = None
    _schedule_callback: PeriodicCallback | None = None

    def initialize_settings(self) -> None:
        serverapp = self.serverapp
        assert serverapp is not None and serverapp.event_logger is not None
        self.event_logger = serverapp.event_logger
        config = JobsConfig(parent=self)
        self.manager = config.create_manager(root_dir=serverapp.root_dir)
        # Kernels this server starts inherit these: jupyter_jobs.submit() in a notebook
        # then uses the server's job store, however the server was configured.
        os.environ[JOBS_ROOT_ENV] = config.jobs_root
        os.environ[DB_PATH_ENV] = config.db_path
        self.worker = ManagerWorker(self.worker_threads)
        self.settings["jupyter_jobs_manager"] = self.manager
        self.settings["jupyter_jobs_worker"] = self.worker
        self.schedules = ScheduleManager(self.manager, fired_by="server", log=self.log)
        self.settings["jupyter_jobs_schedules"] = self.schedules
        self.settings["jupyter_jobs_sweeps"] = SweepManager(self.manager, parent=self)
        # The server's io_loop exists by now, though it runs only later; the manager
        # reports changes from worker threads, and events must be emitted on the loop.
        self._io_loop = getattr(serverapp, "io_loop", None) or IOLoop.current()
        self.event_logger.register_event_schema(JOB_EVENT_SCHEMA)
        for backend in self.manager.backends.values():
            backend.warm_up()
        watcher = JobWatcher(self.manager, self._emit)
        self._watcher_callback = PeriodicCallback(self._tick(watcher), self.watch_interval * 1000)
        self._watcher_callback.start()
        self._schedule_callback = PeriodicCallback(self._fire_due, self.schedule_interval * 1000)
        self._schedule_callback.start()

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())

    def _tick(self, watcher: JobWatcher) -> Any:
        # PeriodicCallback awaits a tick before it schedules the next: a slow squeue
        # delays the next look at jobs, never the server.
        async def tick() -> None:
            try:
                await self.worker.run(watcher.tick)
            except Exception:
                self.log.exception("jupyter-jobs: watching jobs failed")

        return tick

    async def _fire_due(self) -> None:
        # In a worker thread like the watcher: firing reads the store and submits jobs.
        try:
            await self.worker.run(self.schedules.fire_due)
        except Exception:
            self.log.exception("jupyter-jobs: firing due schedules failed")

    def _emit(self, data: dict[str, Any]) -> None:
        """Emit on the event loop, from whichever thread the change was seen in."""
        self._io_loop.add_callback(self.event_logger.emit, schema_id=JOB_EVENT_SCHEMA_ID, data=data)

    async def stop_extension(self) -> None:
        # Jobs run on: stopping the server neither waits for them nor stops them.
        if self._watcher_callback is not None:
            self._watcher_callback.stop()
        if self._schedule_callback is not None:
            self._schedule_callback.stop()
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        self.worker.shutdown()  # waits for calls under way: they use the store
        self.manager.close()
