"""Running a Python script as a plain process, recording its output as it arrives."""

from __future__ import annotations

import codecs
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from typing import Any

from ..jobdir import JobDirectory, JobSpec
from ..processes import signal_group
from .recorder import RunRecorder
from .stop import StopRequest

GATHER_SECONDS = 0.05
# Gathered text is logged at once past this size: events stay small, however fast a script prints.
GATHER_BYTES = 64 * 1024


def script_arguments(parameters: dict[str, Any]) -> list[str]:
    """Parameters as `--name value` pairs: strings as they are, anything else as JSON."""
    argv: list[str] = []
    for name, value in parameters.items():
        argv += [f"--{name}", value if isinstance(value, str) else json.dumps(value)]
    return argv


def run_script(
    spec: JobSpec, jobdir: JobDirectory, recorder: RunRecorder, stop: StopRequest
) -> tuple[str, dict[str, Any] | None]:
    """Run the script job; returns its final status and error."""
    recorder.update(progress={"done": 0, "total": 1})
    argv = [spec.python or sys.executable, "-u", str(jobdir.input_path(spec))]
    argv += script_arguments(spec.parameters)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        argv,
        cwd=spec.cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # Its own process group: an interrupt reaches the script and its children only.
        start_new_session=True,
    )
    stop.attach(
        interrupt=lambda: signal_group(proc.pid, signal.SIGINT),
        kill=lambda: signal_group(proc.pid, signal.SIGKILL),
    )
    try:
        stderr_tail = _pump_output(proc, jobdir, recorder)
        returncode = proc.wait()
    finally:
        stop.detach()
    if stop.requested:
        return "cancelled", None
    if returncode == 0:
        recorder.update(progress={"done": 1, "total": 1})
        return "completed", None
    return "failed", _script_error(returncode, stderr_tail)


def _pump_output(proc: subprocess.Popen[bytes], jobdir: JobDirectory, recorder: RunRecorder) -> str:
    """Copy stdout and stderr to output.txt and the event log until both close.

    Text is gathered for a moment per stream (and up to GATHER_BYTES), so that a
    chatty script gives few, small events; returns the end of stderr, where a
    traceback ends. A full disk raises DiskFull (the recorder stops the script).
    """
    assert proc.stdout is not None and proc.stderr is not None
    selector = selectors.DefaultSelector()
    decoders = {}
    pending: dict[str, list[str]] = {"stdout": [], "stderr": []}
    gathered = 0
    for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        selector.register(pipe, selectors.EVENT_READ, name)
        decoders[name] = codecs.getincrementaldecoder("utf-8")(errors="replace")
    stderr_tail = ""
    last_flush = time.monotonic()
    with jobdir.output_text_path.open("w", encoding="utf-8") as combined:

        def flush() -> None:
            nonlocal gathered
            gathered = 0
            for name, chunks in pending.items():
                if chunks:
                    output = {"output_type": "stream", "name": name, "text": "".join(chunks)}
                    recorder.events.append("output", cell_index=None, output=output)
                    chunks.clear()

        while selector.get_map():
            for key, _ in selector.select(timeout=GATHER_SECONDS):
                data = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                name = key.data
                if not data:
                    selector.unregister(key.fileobj)
                    text = decoders[name].decode(b"", final=True)
                else:
                    text = decoders[name].decode(data)
                if text:
                    with recorder.writing():
                        combined.write(text)
                        combined.flush()
                    pending[name].append(text)
                    gathered += len(text)
                    if name == "stderr":
                        stderr_tail = (stderr_tail + text)[-4000:]
            if gathered >= GATHER_BYTES or time.monotonic() - last_flush >= GATHER_SECONDS:
                flush()
                last_flush = time.monotonic()
        flush()
    return stderr_tail


def _script_error(returncode: int, stderr_tail: str) -> dict[str, Any]:
    if returncode < 0:
        return {
            "message": f"The script was killed by {signal.Signals(-returncode).name}",
            "exit_code": returncode,
        }
    error: dict[str, Any] = {
        "message": f"The script exited with code {returncode}",
        "exit_code": returncode,
    }
    lines = [line for line in stderr_tail.splitlines() if line.strip()]
    if lines and ":" in lines[-1] and not lines[-1].startswith(" "):
        # The last line of a Python traceback: "ValueError: what went wrong".
        ename, _, evalue = lines[-1].partition(":")
        if ename.replace(".", "").isidentifier():
            error.update(ename=ename, evalue=evalue.strip(), message=lines[-1])
    return error
