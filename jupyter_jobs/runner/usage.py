"""What a job costs: its processes' CPU, memory and GPU memory, sampled while it runs.

The job's processes are every process carrying its marker (the kernel or the script,
and whatever they start), not the runner itself: its papermill and nbclient are
overhead, not the user's work. Samples go to usage.jsonl for the view's chart; the
summary (current figures, peaks, CPU time, wall time) to usage.json, replaced whole
at each sample so a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from typing import Any

import psutil

from ..jobdir import JobDirectory, empty_usage, utc_now
from ..private import open_private, write_private_atomically
from ..processes import job_processes

# The series keeps at most this many samples: at the limit every other one is dropped
# and the interval doubles, so a week-long job's chart still spans its whole run.
MAX_SAMPLES = 1000
NVIDIA_SMI_TIMEOUT = 5.0


class UsageSampler:
    """Samples the job's processes every `interval` seconds in a thread of the runner."""

    def __init__(self, job_id: str, jobdir: JobDirectory, interval: float):
        self.job_id = job_id
        self.jobdir = jobdir
        self.interval = max(0.1, interval)
        self._processes: dict[tuple[int, float], psutil.Process] = {}
        self._cpu_seconds: dict[tuple[int, float], float] = {}  # kept after a process ends
        self._started = time.monotonic()
        self._samples = 0
        self._peak_rss = 0
        self._peak_gpu: int | None = None
        self._gpu_query = shutil.which("nvidia-smi")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="usage-sampler", daemon=True)
        self.summary: dict[str, Any] = empty_usage()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Take a last sample and keep the summary (the job's processes may be gone by now)."""
        self._stopped.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            try:
                self._sample()
            except OSError:
                return  # the job directory is gone or full: the run itself says so
            if self._stopped.wait(self.interval):
                with contextlib.suppress(OSError):
                    self._sample(final=True)
                return

    def _sample(self, final: bool = False) -> None:
        cpu_percent = 0.0
        rss = 0
        seen: set[tuple[int, float]] = set()
        for proc in job_processes(self.job_id, exclude=os.getpid()):
            try:
                key = (proc.pid, proc.create_time())
                proc = self._processes.setdefault(key, proc)  # cpu_percent needs the same object
                with proc.oneshot():
                    cpu_percent += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
                    self._cpu_seconds[key] = times.user + times.system
                    self._peak_rss = max(self._peak_rss, _high_water_mark(proc.pid))
            except psutil.Error:
                continue  # it ended meanwhile
            seen.add(key)
        for key in set(self._processes) - seen:
            del self._processes[key]  # its CPU time stays in _cpu_seconds
        gpu = self._gpu_memory({key[0] for key in seen})
        self._peak_rss = max(self._peak_rss, rss)
        if gpu is not None:
            self._peak_gpu = max(self._peak_gpu or 0, gpu)
        running = bool(seen) and not final
        self.summary = {
            "cpu_percent": round(cpu_percent, 1) if running else None,
            "rss_bytes": rss if running else None,
            "peak_rss_bytes": self._peak_rss or None,
            "cpu_seconds": round(sum(self._cpu_seconds.values()), 2) if self._cpu_seconds else None,
            "gpu_memory_bytes": gpu if running else None,
            "peak_gpu_memory_bytes": self._peak_gpu,
            "wall_seconds": round(time.monotonic() - self._started, 1),
            "sampled_at": utc_now(),
        }
        write_private_atomically(self.jobdir.usage_path, json.dumps(self.summary))
        if seen:
            self._append(
                {
                    "time": self.summary["sampled_at"],
                    "cpu_percent": round(cpu_percent, 1),
                    "rss_bytes": rss,
                    "gpu_memory_bytes": gpu,
                }
            )

    def _append(self, sample: dict[str, Any]) -> None:
        path = self.jobdir.usage_samples_path
        if self._samples >= MAX_SAMPLES:
            with path.open("rb") as f:
                kept = f.readlines()[::2]
            write_private_atomically(path, b"".join(kept))
            self._samples = len(kept)
            self.interval *= 2
        with open_private(path, "a") as f:
            f.write(json.dumps(sample) + "\n")
        self._samples += 1

    def _gpu_memory(self, pids: set[int]) -> int | None:
        """Bytes of GPU memory the job's processes hold, where nvidia-smi answers; else None."""
        if self._gpu_query is None or not pids:
            return None
        try:
            answer = subprocess.run(
                [
                    self._gpu_query,
                    "--query-compute-apps=pid,used_memory",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                text=True,
                timeout=NVIDIA_SMI_TIMEOUT,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            self._gpu_query = None  # no driver, or it hangs: stop asking
            return None
        total = 0
        for line in answer.splitlines():
            pid, _, mib = line.partition(",")
            with contextlib.suppress(ValueError):
                if int(pid) in pids:
                    total += int(float(mib)) * 1024 * 1024
        return total


def _high_water_mark(pid: int) -> int:
    """The process's peak resident memory (Linux VmHWM): catches a spike between samples."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
