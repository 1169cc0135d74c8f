"""Server configuration for the integration tests: the real JupyterLab with the
real jupyter_jobs server extension, its jobs kept in a fresh temporary directory.

!! Never use this configuration in production: it opens the server to the world
and exposes JupyterLab's JavaScript objects on the window.
"""

import os
from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
# As galata does for JupyterLab: Notebook 7 pages expose their app to the tests too.
c.JupyterNotebookApp.expose_app_in_browser = True  # noqa: F821

c.ServerApp.port = int(os.environ.get("JUPYTER_JOBS_UI_PORT", "8888"))  # noqa: F821
# The machine runs tests as root.
c.ServerApp.allow_root = True  # noqa: F821

# Jobs of a test run live in their own directory, never in the user's.
jobs_home = Path(os.environ.get("JUPYTER_JOBS_UI_HOME") or mkdtemp(prefix="jupyter-jobs-ui-"))
c.JobsConfig.jobs_root = str(jobs_home / "jobs")  # noqa: F821
c.JobsConfig.db_path = str(jobs_home / "jobs.sqlite")  # noqa: F821
c.JobsApp.watch_interval = 0.25  # noqa: F821
