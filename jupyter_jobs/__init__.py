"""jupyter-jobs: notebooks and scripts as background and cluster jobs for Jupyter."""

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-jobs"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    # Imported here so that `python -m jupyter_jobs.runner` never pays for the server.
    from .app import JobsApp

    return [{"module": "jupyter_jobs.app", "app": JobsApp}]


# The Python API, imported on first use: `python -m jupyter_jobs.runner` imports this
# package and must stay fast, and code inside a job needs no more than `record`.
_LAZY = {
    "submit": "api",
    "jobs": "api",
    "get": "api",
    "last_job": "api",
    "cleanup": "api",
    "configure": "api",
    "Job": "api",
    "JobFailed": "api",
    "JobCancelled": "api",
    "CleanupRefused": "api",
    "schedule": "schedule_api",
    "schedules": "schedule_api",
    "get_schedule": "schedule_api",
    "Schedule": "schedule_api",
    "sweep": "sweep_api",
    "sweeps": "sweep_api",
    "get_sweep": "sweep_api",
    "Sweep": "sweep_api",
    "record": "results",
    "ResultTooLarge": "results",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_jobs' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
