#!/usr/bin/env bash
# Install the ui-test dependencies and run the galata tests in Debian's
# chromium against a real JupyterLab with the real jupyter_jobs server
# extension (started by Playwright with jupyter_server_test_config.py).
#
# Needs: the package installed (`pip install -e .` from the repository root,
# which builds the labextension) and /usr/bin/chromium.
# Arguments go to `playwright test` (e.g. `bash ui-tests/run.sh -g cancel`).
set -euo pipefail
cd "$(dirname "$0")"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(npm config get registry 2>/dev/null)"
  export YARN_NPM_REGISTRY_SERVER
fi
# CI: immutable install, and a fresh server rather than one already running.
export CI="${CI:-1}"

# (Lists captured first: with pipefail, `grep -q` would break the pipe.)
labextensions="$(jupyter labextension list 2>&1)"
serverextensions="$(jupyter server extension list 2>&1)"
if ! grep -q "jupyter-jobs.*enabled.*OK" <<<"$labextensions"; then
  echo "ui-tests: the jupyter-jobs labextension is not installed; run 'pip install -e .' first" >&2
  exit 1
fi
if ! grep -q "jupyter_jobs.*OK" <<<"$serverextensions"; then
  echo "ui-tests: the jupyter_jobs server extension is not enabled" >&2
  exit 1
fi

jlpm install
# Each run starts with no jobs: its own jobs directory and database.
JUPYTER_JOBS_UI_HOME="$(mktemp -d -t jupyter-jobs-ui-XXXXXX)"
export JUPYTER_JOBS_UI_HOME
jlpm playwright test "$@"
