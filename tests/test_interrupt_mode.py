"""Cancel interrupts a kernel the way its kernelspec says: `interrupt_mode` signal or message."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import no_process_left, stdout_text, write_notebook

# A kernel behind a launcher, as a containerised or remote kernel is: the launcher is what
# the kernel manager started and can signal, and it ignores SIGINT; the kernel runs in a
# session of its own, where no signal to the launcher's group reaches it. Only its control
# channel does: why such a kernelspec says `"interrupt_mode": "message"`.
LAUNCHER = """\
import signal, subprocess, sys
kernel = subprocess.Popen(
    [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]], start_new_session=True
)
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(kernel.wait())
"""


@pytest.fixture
def message_kernel(jp_data_dir: Path) -> str:
    """A real ipykernel kernelspec with interrupt_mode message, in the test's Jupyter path."""
    folder = jp_data_dir / "kernels" / "python3-message"
    folder.mkdir(parents=True)
    (folder / "launch.py").write_text(LAUNCHER)
    spec = {
        "argv": [sys.executable, "{resource_dir}/launch.py", "-f", "{connection_file}"],
        "display_name": "Python 3 (interrupted by message)",
        "language": "python",
        "interrupt_mode": "message",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return folder.name


async def test_cancel_sends_an_interrupt_request_to_a_message_mode_kernel(
    message_kernel, jobs, root
):
    # Given a notebook busy in a long loop on a kernel that takes interrupts as messages
    write_notebook(
        root / "loop.ipynb",
        "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.05)",
    )
    job = await jobs.submit("loop.ipynb", kernel_name=message_kernel)
    await jobs.wait_for_log(job["id"], lambda ev: "looping" in stdout_text(ev))
    # When it is cancelled
    await jobs.request("POST", "jobs", job["id"], "cancel")
    job = await jobs.wait_for(job["id"], "cancelled")
    # Then the kernel got the interrupt: the loop stopped with a KeyboardInterrupt,
    # rather than the kernel being killed after the grace period
    events = (await jobs.log(job["id"]))["events"]
    errors = [e["output"] for e in events if e.get("output", {}).get("output_type") == "error"]
    assert [e["ename"] for e in errors] == ["KeyboardInterrupt"], events
    nb = await jobs.request("GET", "jobs", job["id"], "output")
    assert nb["cells"][-1]["outputs"][-1]["ename"] == "KeyboardInterrupt"
    await no_process_left(job["id"])
