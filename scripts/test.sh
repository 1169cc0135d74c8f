#!/usr/bin/env bash
# Install everything the tests need and run every suite: lint and type checks,
# the frontend's unit tests, pytest against real kernels, papermill and a real
# two-node SLURM cluster, and the browser tests in Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER:-$(npm config get registry)}"
export YARN_NPM_REGISTRY_SERVER
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n=== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "Debian's chromium, for the browser tests"
if ! command -v chromium >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

step "Debian's cron, for the test that lets cron fire schedules (the test starts the daemon)"
if ! command -v cron >/dev/null || ! command -v crontab >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cron >/dev/null
fi

step "A two-node SLURM cluster on this machine (node2 in namespaces of its own), for the cluster tests"
bash scripts/slurm-local.sh up --nodes 2

step "The package with its test dependencies (this builds the frontend)"
# A development link left by another checkout of this project would receive this
# install's files, or dangle and fail it: the install puts its own in place.
labextension="$(python -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyter-jobs"
if [ -L "$labextension" ]; then rm "$labextension"; fi
python -m pip install -q -e ".[test]"
# Link the built frontend, so a later `jlpm build` is what JupyterLab serves.
jupyter-builder develop --overwrite .
# PyTorch for its example notebook: the CPU build this kind of machine keeps on disk.
python -m pip install -q torch==2.13.0
jlpm install  # the linters and jest (jlpm comes with the package's build tools)

step "Lint and type checks"
ruff check .
ruff format --check .
mypy
jlpm lint:check

step "Frontend unit tests (jest)"
jlpm test

step "Server, runner, backends, API and CLI tests (pytest)"
# Two workers, one per core; a module (or the modules sharing the SLURM cluster) runs whole on
# one worker: tests/conftest.py groups them. Here rather than in pytest's addopts, so that
# running one module (pdb, -s, -x) stays a plain serial pytest.
python -m pytest -n 2 --dist loadgroup

step "Browser tests (galata, Debian chromium, a real JupyterLab)"
bash ui-tests/run.sh
