"""A real `jupyter server` process with jupyter-jobs, to stop and start again in a test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

TOKEN = "restart-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`jupyter server` on a free port with its own config, root and job store.

    `launcher` prefixes its command line (e.g. `hosts.host_command()`: another host), and
    `address` is where it listens and is reached (default: this machine's loopback).
    """

    def __init__(
        self,
        root: Path,
        state: Path,
        extra_config: dict[str, Any] | None = None,
        launcher: list[str] | None = None,
        address: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ):
        self.root = root
        self.env = env or {}
        self.launcher = launcher or []
        self.address = address
        self.config_dir = state / "config"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        config = {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_jobs": True},
                "token": TOKEN,
                "allow_root": True,
                "open_browser": False,
                "root_dir": str(root),
                **({"ip": address} if address != "127.0.0.1" else {}),
            },
            "JobsConfig": {
                "jobs_root": str(state / "jobs-root"),
                "db_path": str(state / "jobs.sqlite"),
            },
            **(extra_config or {}),
        }
        (self.config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
        self.log_path = state / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        self.port = free_port()
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self.config_dir), **self.env)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*self.launcher, sys.executable, "-m", "jupyter_server", f"--port={self.port}"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own group, like a server started in a terminal
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.request("GET", "jobs")
                return
            except (urllib.error.URLError, ConnectionError):
                assert self.proc.poll() is None, self.log_path.read_text()
                assert time.monotonic() < deadline, self.log_path.read_text()
                time.sleep(0.2)

    def stop(self, how: str = "sigterm", timeout: float = 30) -> int:
        """Stop it as a user would: SIGTERM, or Ctrl-C in its terminal (SIGINT to the group)."""
        assert self.proc is not None
        if how == "ctrl-c":
            os.killpg(self.proc.pid, signal.SIGINT)
        else:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        url = f"http://{self.address}:{self.port}/jupyter-jobs/{path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def wait_for(self, job_id: str, status: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.request("GET", f"jobs/{job_id}")
            if job["status"] == status:
                return job
            assert time.monotonic() < deadline, f"{job_id} is {job['status']}, not {status}: {job}"
            time.sleep(0.1)

    def wait_final(self, job_id: str, poll_seconds: float = 0.05) -> dict[str, Any]:
        """Poll until the job has finished (benchmarks: no timeout, a tight poll)."""
        while True:
            job = self.request("GET", f"jobs/{job_id}")
            if job["status"] in ("completed", "failed", "cancelled"):
                return job
            time.sleep(poll_seconds)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
