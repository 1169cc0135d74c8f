#!/usr/bin/env bash
# Install jupyter-jobs (building its JupyterLab extension) and what its examples need
# (examples/requirements.txt), then start JupyterLab with it.
# Needs Python 3.10+ with pip, and Node.js 20+ for the build. Arguments go to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."

# jlpm (yarn) must use the same package registry as npm does on this machine.
YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER:-$(npm config get registry)}"
export YARN_NPM_REGISTRY_SERVER

python -m pip install . -r examples/requirements.txt

# Jupyter refuses to run as root unless told: containers and some cloud machines are root.
if [ "$(id -u)" = 0 ]; then
  set -- --allow-root "$@"
fi
exec jupyter lab "$@"
