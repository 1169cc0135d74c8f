"""Running a notebook through papermill, recording each output as it arrives."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import nbformat
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from traitlets import Any as AnyTrait

from ..jobdir import JobDirectory, JobSpec
from ..processes import signal_group
from .recorder import RunRecorder
from .stop import StopRequest

ENGINE_NAME = "jupyter_jobs"
# Stream text is gathered this long before it is written: a loop printing a
# million lines gives a few thousand events, not a million.
STREAM_FLUSH_SECONDS = 0.05
STREAM_FLUSH_BYTES = 64 * 1024


class NotebookRun:
    """Turns the kernel's messages and nbclient's cell hooks into job events."""

    def __init__(self, recorder: RunRecorder, stop: StopRequest):
        self.recorder = recorder
        self.events = recorder.events
        self.stop = stop
        self.done = 0
        self.total = 0
        self._stream: tuple[int, str] | None = None  # (cell_index, name) being gathered
        self._stream_text: list[str] = []
        self._stream_size = 0
        self._flush_handle: asyncio.TimerHandle | None = None

    def begin(self, nb: nbformat.NotebookNode) -> None:
        self.total = sum(1 for cell in nb.cells if _executes(cell))
        self.recorder.update(progress={"done": 0, "total": self.total})

    def kernel_started(self, km: Any) -> None:
        pid, pgid = km.provisioner.pid, km.provisioner.pgid
        self.recorder.update(kernel_pid=pid, kernel_pgid=pgid)
        # What ipykernel takes as an interrupt; the whole group, so a child `sleep` stops too.
        self.stop.attach(
            interrupt=lambda: signal_group(pgid, signal.SIGINT),
            kill=lambda: signal_group(pgid, signal.SIGKILL),
        )

    def cell_started(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        if _executes(cell):
            self.flush_stream()
            self.events.append("cell_start", cell_index=cell_index)

    def cell_executed(
        self, cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict[str, Any]
    ) -> None:
        self.flush_stream()
        if execute_reply["content"]["status"] == "ok":  # a failed cell is not done
            self.done += 1
        progress = {"done": self.done, "total": self.total}
        self.events.append("cell_end", cell_index=cell_index, progress=progress)
        self.recorder.update(progress=progress)

    def message(self, msg: dict[str, Any], cell_index: int, output: Any) -> None:
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type == "stream":
            self._gather_stream(cell_index, content["name"], content["text"])
        elif msg_type in ("display_data", "execute_result", "error") and output is not None:
            self.flush_stream()
            self.events.append("output", cell_index=cell_index, output=_plain(output))
        elif msg_type == "clear_output":
            self.flush_stream()
            self.events.append(
                "clear_output", cell_index=cell_index, wait=content.get("wait", False)
            )
        elif msg_type == "update_display_data":
            self.flush_stream()
            display_id = (content.get("transient") or {}).get("display_id")
            output = {
                "output_type": "display_data",
                "data": content["data"],
                "metadata": content["metadata"],
            }
            self.events.append(
                "update_display", cell_index=cell_index, display_id=display_id, output=output
            )

    def _gather_stream(self, cell_index: int, name: str, text: str) -> None:
        if self._stream != (cell_index, name):
            self.flush_stream()
            self._stream = (cell_index, name)
        self._stream_text.append(text)
        self._stream_size += len(text)
        if self._stream_size >= STREAM_FLUSH_BYTES:
            self.flush_stream()
        elif self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(
                STREAM_FLUSH_SECONDS, self.flush_stream
            )

    def flush_stream(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._stream is None or not self._stream_text:
            return
        cell_index, name = self._stream
        text = "".join(self._stream_text)
        self._stream_text, self._stream_size = [], 0
        output = {"output_type": "stream", "name": name, "text": text}
        self.events.append("output", cell_index=cell_index, output=output)


def _executes(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.source.strip())


def _plain(node: Any) -> Any:
    """A NotebookNode as plain JSON-able dicts and lists."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


class RecordingNotebookClient(PapermillNotebookClient):
    """papermill's client, telling a NotebookRun about every message and the kernel."""

    run = AnyTrait()

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        output = super().process_message(msg, cell, cell_index)
        self.run.message(msg, cell_index, output)
        return output

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        await super().async_start_new_kernel(**kwargs)
        self.run.kernel_started(self.km)

    # nbclient binds the sync name to its own coroutine: rebind it to ours.
    start_new_kernel = run_sync(async_start_new_kernel)


class RecordingEngine(NBClientEngine):
    """A papermill engine: papermill's own, with a RecordingNotebookClient."""

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        run: NotebookRun,
        start_timeout: float = 60,
        **_: Any,
    ) -> Any:
        run.begin(nb_man.nb)
        client = RecordingNotebookClient(
            nb_man,
            run=run,
            kernel_name=kernel_name,
            startup_timeout=start_timeout,
            on_cell_start=run.cell_started,
            on_cell_executed=run.cell_executed,
        )
        try:
            return client.execute()
        finally:
            run.flush_stream()


papermill_engines.register(ENGINE_NAME, RecordingEngine)


def run_notebook(
    spec: JobSpec, jobdir: JobDirectory, recorder: RunRecorder, stop: StopRequest
) -> tuple[str, dict[str, Any] | None]:
    """Run the notebook job; returns its final status and error."""
    import papermill

    run = NotebookRun(recorder, stop)
    try:
        papermill.execute_notebook(
            str(jobdir.input_path(spec)),
            str(jobdir.output_notebook_path),
            parameters=spec.parameters,
            kernel_name=spec.kernel_name,
            cwd=spec.cwd,
            engine_name=ENGINE_NAME,
            progress_bar=False,
            run=run,
        )
    except PapermillExecutionError as e:
        if stop.requested:
            return "cancelled", None
        error = {
            "message": f"{e.ename}: {e.evalue} (in cell {e.cell_index})",
            "ename": e.ename,
            "evalue": e.evalue,
            "cell_index": e.cell_index,
            "traceback": list(e.traceback),
        }
        return "failed", error
    except DeadKernelError:
        if stop.requested:
            return "cancelled", None
        return "failed", {
            "message": "The kernel died while running the notebook",
            "ename": "DeadKernelError",
        }
    finally:
        stop.detach()
    # A stop that came after the last cell finished changes nothing: the results are whole.
    return "completed", None
