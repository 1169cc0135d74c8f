"""A warm runner: imports once what every notebook job needs, then forks a runner per job.

A cold runner spends over a second importing papermill, nbclient and
jupyter_client before its kernel even starts; a fork of this process starts
with all that done. Each job still gets a fresh process and a fresh kernel.

Protocol on stdin/stdout, one JSON object a line: it says {"ready": true} once
warm, then answers each {"job_dir": ...} with {"pid": ...}. It exits when its
stdin closes, which is when the server that started it is gone; the runners
it forked live on in their own sessions.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback

from ..jobdir import JobDirectory


def serve() -> None:
    from . import notebook, run  # noqa: F401  (the imports are the point)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps forked runners
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _reply({"ready": True})
    for line in sys.stdin:
        job_dir = json.loads(line)["job_dir"]
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _run_forked(job_dir)
        _reply({"pid": pid})


def _reply(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _run_forked(job_dir: str) -> None:
    code = 70
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the runner waits for its own children
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        log = os.open(
            JobDirectory(job_dir).runner_log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        os.fchmod(log, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        from .run import run

        code = run(job_dir)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    serve()
