"""Fixtures: a real Jupyter server with the extension, real kernels, real papermill."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_jobs import api
from jupyter_jobs.configuration import DB_PATH_ENV, JOBS_ROOT_ENV
from jupyter_jobs.errors import Conflict, NotFound
from jupyter_jobs.processes import job_processes, kill_job_processes

pytest_plugins = ("pytest_jupyter.jupyter_server",)

FINAL = ("completed", "failed", "cancelled")

# -- running in parallel (pytest-xdist, `--dist loadgroup`) ------------------------------------
# A module's tests share module-scoped servers and fixtures, so each module runs whole on one
# worker. Modules that share state of the machine share a group, so they never run at once:
# - "slurm": the one real cluster. test_slurm fills every node with a blocker job and expects
#   other jobs to queue behind it, test_slurm_retries takes node2 down, and the others wait for
#   their jobs to run: any two of them at once would see each other's jobs (or a downed node).
#   test_private is here for its SLURM job too (its second Unix user is its own, jj-other).
# test_cron edits this user's one crontab and is the only module that does: its own group.
# test_two_hosts names its namespaces by pid and picks an unused subnet: safe beside others.
# Ports are free ones picked per server, and tmp_path is per worker: nothing else is shared.
# A new module that submits to SLURM joins SLURM_MODULES.
SLURM_MODULES = {
    "test_slurm",
    "test_slurm_retries",
    "test_slurm_sweeps",
    "test_chains",
    "test_no_stall",
    "test_private",
}


def xdist_group(module_name: str) -> str:
    return "slurm" if module_name in SLURM_MODULES else module_name


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks to group the tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item.path.stem)))


@pytest.fixture(autouse=True)
def no_job_outlives_its_test(tmp_path: Path):
    """Whatever a test leaves running (a failed test does) is ended when it ends."""
    yield
    # A server started in this process pointed its kernels at its store; forget it.
    os.environ.pop(JOBS_ROOT_ENV, None)
    os.environ.pop(DB_PATH_ENV, None)
    for spec in tmp_path.glob("**/spec.json"):
        kill_job_processes(spec.parent.name)


@pytest.fixture
def jp_server_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "ServerApp": {
            # terminals registers a handler jupyter_server warns about: not ours, and off here
            "jpserver_extensions": {"jupyter_jobs": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "JobsConfig": {
            "jobs_root": str(tmp_path / "jobs-root"),
            "db_path": str(tmp_path / "jobs.sqlite"),
        },
        "LocalBackend": {"max_concurrent_jobs": 2, "cancel_grace_seconds": 2.0},
        "JobsApp": {"watch_interval": 0.2},
    }


def write_notebook(path: Path, *sources: str, parameters: str | None = None) -> Path:
    """A notebook with an optional `parameters` cell first, then one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


class JobsClient:
    """The REST API as a test uses it."""

    def __init__(self, fetch: Any):
        self._fetch = fetch

    async def request(self, method: str, *parts: str, body: Any = None, **params: Any) -> Any:
        kwargs: dict[str, Any] = {"method": method, "params": params}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        elif method in ("POST",):
            kwargs["body"] = "{}"
        response = await self._fetch("jupyter-jobs", *parts, **kwargs)
        if response.code == 204:
            return None
        text = response.body.decode()
        return (
            json.loads(text)
            if response.headers.get("Content-Type", "").startswith(
                ("application/json", "application/x-ipynb+json")
            )
            else text
        )

    async def error(
        self, method: str, *parts: str, body: Any = None, **params: Any
    ) -> tuple[int, str]:
        """The status and JSON message of a request that must fail."""
        with pytest.raises(HTTPClientError) as info:
            await self.request(method, *parts, body=body, **params)
        payload = json.loads(info.value.response.body.decode())
        return info.value.code, payload["message"]

    async def submit(self, path: str, **fields: Any) -> dict[str, Any]:
        return await self.request("POST", "jobs", body={"path": path, **fields})

    async def get(self, job_id: str) -> dict[str, Any]:
        return await self.request("GET", "jobs", job_id)

    async def wait_for(self, job_id: str, *statuses: str, timeout: float = 90) -> dict[str, Any]:
        """Poll until the job is in one of statuses (default: any final one)."""
        wanted = statuses or FINAL
        deadline = time.monotonic() + timeout
        while True:
            job = await self.get(job_id)
            if job["status"] in wanted:
                return job
            if job["status"] in FINAL or time.monotonic() > deadline:
                raise AssertionError(f"job ended up {job['status']}, not {wanted}: {job}")
            await asyncio.sleep(0.1)

    async def log(self, job_id: str, after: int = 0) -> dict[str, Any]:
        return await self.request("GET", "jobs", job_id, "log", after=str(after))

    async def wait_for_log(
        self, job_id: str, predicate: Any, timeout: float = 60
    ) -> list[dict[str, Any]]:
        """Poll the log until predicate(events) holds; the events so far."""
        deadline = time.monotonic() + timeout
        while True:
            events = (await self.log(job_id))["events"]
            if predicate(events):
                return events
            assert time.monotonic() < deadline, f"log never matched; it has {events}"
            await asyncio.sleep(0.1)


@pytest.fixture
def jobs(jp_fetch: Any, jp_serverapp: Any) -> JobsClient:
    return JobsClient(jp_fetch)


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    """The server's root directory, where tests put the notebooks they run."""
    return Path(jp_root_dir)


async def no_process_left(job_id: str, pids: tuple[int, ...] = (), timeout: float = 15) -> None:
    """Wait until no process of the job runs: a runner writes its final status, then exits."""
    deadline = time.monotonic() + timeout
    while left := [p.pid for p in job_processes(job_id)] + [p for p in pids if _alive(p)]:
        assert time.monotonic() < deadline, f"processes of job {job_id} still run: {left}"
        await asyncio.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stdout_text(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["output"]["text"]
        for e in events
        if e["type"] == "output" and e["output"]["output_type"] == "stream"
    )


# -- jobs from code and the CLI ------------------------------------------------------------


def write_user_config(config_dir: Path, data_dir: Path) -> None:
    """The user's jupyter_server_config.json: where jobs live, for the server, the CLI and code."""
    settings = {
        "JobsConfig": {
            "jobs_root": str(data_dir / "jobs-root"),
            "db_path": str(data_dir / "jobs.sqlite"),
        },
        "LocalBackend": {"max_concurrent_jobs": 4, "cancel_grace_seconds": 2.0},
    }
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(settings))


@pytest.fixture
def work(tmp_path: Path, jp_config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory for code and the CLI, whose Jupyter config names a fresh job store.

    It is the store the server of the `jobs` fixture uses too (the same tmp_path).
    """
    write_user_config(jp_config_dir, tmp_path)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(jp_config_dir))
    monkeypatch.delenv(JOBS_ROOT_ENV, raising=False)
    monkeypatch.delenv(DB_PATH_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    api.configure()
    yield work
    active = api.jobs(status="active")  # leave nothing running
    for job in active:
        with contextlib.suppress(Conflict, NotFound):
            job.cancel()
    for job in active:
        with contextlib.suppress(NotFound):
            job.wait(timeout=60)
    api.configure()


def gated_notebook(path: Path, gate: Path, before: str = "print('first')") -> Path:
    """A notebook that runs `before`, then waits until the file `gate` exists, then finishes."""
    return write_notebook(
        path,
        f"import os, time\n{before}",
        f"while not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)",
        "print('second')",
    )


def wait_until(predicate: Any, timeout: float = 90, what: str = "condition") -> Any:
    """Poll predicate until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} never held"
        time.sleep(0.1)
