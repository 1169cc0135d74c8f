"""The Jupyter server extension: builds the job manager, routes, and the push channel."""

from __future__ import annotations

import os
from typing import Any

from jupyter_events import EventLogger
from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Float

from .configuration import DB_PATH_ENV, JOBS_ROOT_ENV, JobsConfig
from .events import JOB_EVENT_SCHEMA, JOB_EVENT_SCHEMA_ID
from .handlers import routes
from .manager import JobManager
from .watcher import JobWatcher


class JobsApp(ExtensionApp):
    """jupyter-jobs: notebooks and scripts as background and cluster jobs."""

    name = "jupyter_jobs"

    watch_interval = Float(
        0.5,
        config=True,
        help="Seconds between two looks at active jobs, for pushed updates and live output.",
    )

    manager: JobManager
    event_logger: EventLogger
    _watcher_callback: PeriodicCallback | None = None

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
        self.settings["jupyter_jobs_manager"] = self.manager
        self.event_logger.register_event_schema(JOB_EVENT_SCHEMA)
        for backend in self.manager.backends.values():
            backend.warm_up()
        # The server's io_loop exists by now, though it runs only later.
        watcher = JobWatcher(self.manager, self._emit)
        self._watcher_callback = PeriodicCallback(self._tick(watcher), self.watch_interval * 1000)
        self._watcher_callback.start()

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())

    def _tick(self, watcher: JobWatcher) -> Any:
        def tick() -> None:
            try:
                watcher.tick()
            except Exception:
                self.log.exception("jupyter-jobs: watching jobs failed")

        return tick

    def _emit(self, data: dict[str, Any]) -> None:
        self.event_logger.emit(schema_id=JOB_EVENT_SCHEMA_ID, data=data)

    async def stop_extension(self) -> None:
        # Jobs run on: stopping the server neither waits for them nor stops them.
        if self._watcher_callback is not None:
            self._watcher_callback.stop()
        self.manager.close()
