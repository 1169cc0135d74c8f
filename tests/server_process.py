"""A real `jupyter server` process with jupyter-jobs, to stop and start again in a test."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# One token per test process: a request that reaches another pytest-xdist worker's server (on
# a port reused meanwhile) is refused, never answered by the wrong server.
TOKEN = f"test-token-{os.getpid()}-{secrets.token_hex(4)}"
PORT_IN_USE = "is already in use"


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
        # The free port may be taken before the server binds it (by a kernel, or another
        # worker's server): with no port retries the server then exits saying so, rather than
        # listening on a port this object does not know, and it is started again elsewhere.
        for _ in range(5):
            if self._start_on_a_free_port():
                return
        raise AssertionError(f"no free port held long enough: {self.log_path.read_text()}")

    def _start_on_a_free_port(self) -> bool:
        """Start on a free port and wait until it answers; False if the port was taken."""
        self.port = free_port()
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self.config_dir), **self.env)
        command = [sys.executable, "-m", "jupyter_server", f"--port={self.port}"]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*self.launcher, *command, "--ServerApp.port_retries=0"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own group, like a server started in a terminal
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.request("GET", "jobs", timeout=10)
                return True
            except OSError:  # not listening yet, or another's port (URLError, a timeout)
                if self.proc.poll() is not None:
                    with open(self.log_path, "rb") as log:
                        log.seek(log_start)
                        if PORT_IN_USE in log.read().decode(errors="replace"):
                            return False
                    raise AssertionError(self.log_path.read_text()) from None
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

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        url = f"http://{self.address}:{self.port}/jupyter-jobs/{path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {TOKEN}")
        with urllib.request.urlopen(request, timeout=timeout) as response:
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
