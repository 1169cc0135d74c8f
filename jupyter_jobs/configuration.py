"""JobsConfig: where jobs live and where they run, read by the server and the CLI alike.

Configure it in any Jupyter config file (`jupyter_server_config.py`), e.g.::

    c.JobsConfig.jobs_root = "/shared/scratch/me/jupyter-jobs"   # seen by every cluster node
    c.LocalBackend.max_concurrent_jobs = 2
"""

from __future__ import annotations

import os

from jupyter_core.paths import jupyter_data_dir
from traitlets import Dict, Unicode, default
from traitlets.config import LoggingConfigurable
from traitlets.utils.importstring import import_item

from .backends.base import Backend
from .manager import JobManager
from .store import JobStore

# Environment variables that override the config files: the server sets them for its
# kernels, so that jupyter_jobs.submit() in a notebook uses the server's job store.
JOBS_ROOT_ENV = "JUPYTER_JOBS_ROOT"
DB_PATH_ENV = "JUPYTER_JOBS_DB_PATH"

DEFAULT_BACKENDS = {
    "local": "jupyter_jobs.backends.local.LocalBackend",
    "slurm": "jupyter_jobs.backends.slurm.SlurmBackend",
}


class JobsConfig(LoggingConfigurable):
    """The settings that make a JobManager."""

    jobs_root = Unicode(
        config=True,
        help="Directory of the job directories. For a cluster backend it must be on a "
        "filesystem every node sees. Default: <Jupyter data dir>/jupyter_jobs/jobs.",
    )
    db_path = Unicode(
        config=True,
        help="The SQLite file indexing jobs. Default: <Jupyter data dir>/jupyter_jobs/jobs.sqlite.",
    )
    backend_classes = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="Backends by name, as import strings of Backend subclasses.",
    )
    default_backend = Unicode("local", config=True, help="The backend of jobs that name none.")

    @default("jobs_root")
    def _default_jobs_root(self) -> str:
        return os.path.join(jupyter_data_dir(), "jupyter_jobs", "jobs")

    @default("db_path")
    def _default_db_path(self) -> str:
        return os.path.join(jupyter_data_dir(), "jupyter_jobs", "jobs.sqlite")

    @default("backend_classes")
    def _default_backend_classes(self) -> dict[str, str]:
        return dict(DEFAULT_BACKENDS)

    def create_backends(self) -> dict[str, Backend]:
        backends = {}
        for name, import_string in self.backend_classes.items():
            cls = import_item(import_string)
            backends[name] = cls(parent=self)
        return backends

    def create_manager(self, root_dir: str, confine_to_root: bool = True) -> JobManager:
        return JobManager(
            confine_to_root=confine_to_root,
            root_dir=root_dir,
            jobs_root=self.jobs_root,
            store=JobStore(self.db_path),
            backends=self.create_backends(),
            default_backend=self.default_backend,
            log=self.log,
        )
