"""Running a notebook through papermill, recording each output as it arrives."""

from __future__ import annotations

import asyncio
import inspect
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import (
    NBClientEngine,
    NotebookExecutionManager,
    catch_nb_assignment,
    papermill_engines,
)
from papermill.exceptions import PapermillExecutionError
from traitlets import Any as AnyTrait

from ..jobdir import JobDirectory, JobSpec, output_placeholder
from ..private import write_private_atomically
from ..processes import signal_group
from .recorder import RunRecorder
from .stop import StopRequest

ENGINE_NAME = "jupyter_jobs"
# Stream text is gathered this long before it is written: a loop printing a
# million lines gives a few thousand events, not a million.
STREAM_FLUSH_SECONDS = 0.05
STREAM_FLUSH_BYTES = 64 * 1024
# An output bigger than this (as JSON) is logged as a small placeholder: it is whole in the
# output notebook, and the log (and every page of it a client reads) stays small.
OUTPUT_EVENT_MAX_BYTES = 1024 * 1024
# A kernel that dies before it answers is started again, up to this many kernels in all.
KERNEL_START_ATTEMPTS = 3
# Stream text is logged in pieces of at most this many characters (12 bytes each at worst as JSON).
STREAM_EVENT_MAX_CHARS = 64 * 1024


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
        self.output_path = Path()
        self.notebook_manager: AtomicSaveManager | None = None

    def begin(self, nb: nbformat.NotebookNode) -> None:
        self.total = sum(1 for cell in nb.cells if _executes(cell))
        self.recorder.update(progress={"done": 0, "total": self.total})

    def kernel_started(self, km: Any) -> None:
        pid, pgid = km.provisioner.pid, km.provisioner.pgid
        self.recorder.update(kernel_pid=pid, kernel_pgid=pgid)
        self.stop.attach(
            interrupt=_interrupter(km, pgid),
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
            self.events.append("output", cell_index=cell_index, output=_small(_plain(output)))
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
                "update_display",
                cell_index=cell_index,
                display_id=display_id,
                output=_small(output),
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
        for start in range(0, len(text), STREAM_EVENT_MAX_CHARS):
            piece = text[start : start + STREAM_EVENT_MAX_CHARS]
            output = {"output_type": "stream", "name": name, "text": piece}
            self.events.append("output", cell_index=cell_index, output=output)


def _interrupter(km: Any, pgid: int) -> Callable[[], None]:
    """How to interrupt this kernel: the way its kernelspec's `interrupt_mode` says."""
    if km.kernel_spec is not None and km.kernel_spec.interrupt_mode == "message":
        # An interrupt_request on the control channel: a signal may never reach such a
        # kernel (behind a launcher, in a container). The stop comes from a signal
        # handler, so the kernel manager's own interrupt runs on the client's loop.
        loop = asyncio.get_running_loop()
        sending: set[asyncio.Future[Any]] = set()

        def send() -> None:
            interrupted = km.interrupt_kernel()
            if inspect.isawaitable(interrupted):
                future = asyncio.ensure_future(interrupted)
                sending.add(future)
                future.add_done_callback(sending.discard)

        def interrupt() -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(send)

        return interrupt
    # What ipykernel takes as an interrupt; the whole group, so a child `sleep` stops too.
    return lambda: signal_group(pgid, signal.SIGINT)


def _executes(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.source.strip())


def _small(output: dict[str, Any]) -> dict[str, Any]:
    """The output, or a placeholder if it is too big to log (a huge image, a huge table)."""
    size = len(json.dumps(output))
    return output if size <= OUTPUT_EVENT_MAX_BYTES else output_placeholder(size)


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
        self._kernel_kwargs = kwargs
        await super().async_start_new_kernel(**kwargs)
        self.run.kernel_started(self.km)

    # nbclient binds the sync name to its own coroutine: rebind it to ours.
    start_new_kernel = run_sync(async_start_new_kernel)

    async def async_start_new_kernel_client(self) -> Any:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                return await super().async_start_new_kernel_client()
            except RuntimeError as e:
                # A kernel that dies as it starts has most likely lost the race for its ports
                # to another kernel starting at the same moment (the runs of a sweep do):
                # jupyter_client picks free ports, then the kernel binds them. A fresh kernel.
                if "Kernel died" not in str(e) or self.run.stop.requested:
                    raise
                if attempt == KERNEL_START_ATTEMPTS:
                    raise
                self.log.warning("The kernel died as it started (%s); starting another", e)
                self.km = self.create_kernel_manager()  # the dead one's was cleaned up
                await self.async_start_new_kernel(**self._kernel_kwargs)
        raise AssertionError("unreachable")

    start_new_kernel_client = run_sync(async_start_new_kernel_client)


class AtomicSaveManager(NotebookExecutionManager):
    """papermill's execution manager, saving the output notebook whole or not at all.

    Each save writes a temporary file in the job directory and renames it over
    the output notebook, so a reader never sees half a notebook; a full disk
    stops the job and says so (the recorder's `writing`).
    """

    def __init__(self, nb: Any, run: NotebookRun, path: Path, **kwargs: Any):
        super().__init__(nb, output_path=None, **kwargs)  # papermill's own writes stay off
        self.run = run
        self.path = path

    @catch_nb_assignment
    def save(self, **kwargs: Any) -> None:
        text = nbformat.writes(self.nb)
        with self.run.recorder.writing():
            write_private_atomically(self.path, text)  # readers never see half a notebook
        self.last_save_time = self.now()


class RecordingEngine(NBClientEngine):
    """A papermill engine: papermill's own, with a RecordingNotebookClient and atomic saves."""

    @classmethod
    def execute_notebook(  # type: ignore[override]
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        *,
        run: NotebookRun,
        **kwargs: Any,
    ) -> Any:
        """papermill's Engine.execute_notebook with an AtomicSaveManager (papermill has no hook)."""
        nb.metadata.papermill["output_path"] = str(run.output_path)
        nb_man = AtomicSaveManager(
            nb,
            run,
            run.output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        run.notebook_manager = nb_man
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, run=run, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

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
    run.output_path = jobdir.output_notebook_path.absolute()  # saved from inside the cwd
    try:
        papermill.execute_notebook(
            str(jobdir.input_path(spec)),
            None,  # the engine saves the output notebook itself, atomically
            parameters=spec.parameters,
            kernel_name=spec.kernel_name,
            cwd=spec.cwd,
            engine_name=ENGINE_NAME,
            progress_bar=False,
            run=run,
        )
    except PapermillExecutionError as e:
        if run.notebook_manager is not None:
            run.notebook_manager.save()  # with papermill's note of the error on top
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
