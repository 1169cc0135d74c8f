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
