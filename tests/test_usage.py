"""What a job costs: its processes' CPU and memory, sampled by the runner with psutil."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import JobsClient, write_notebook

MIB = 1024 * 1024
USAGE_KEYS = {"cpu_percent", "rss_bytes", "peak_rss_bytes", "cpu_seconds", "gpu_memory_bytes"}


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    jp_server_config["LocalBackend"]["usage_interval_seconds"] = 0.5
    return jp_server_config


async def test_a_notebook_that_holds_200_mb_shows_a_peak_of_at_least_that(
    jobs: JobsClient, root: Path
) -> None:
    # Written byte by byte (b"x" * n), so the pages are really resident, then held a while
    write_notebook(
        root / "big.ipynb",
        "import time\nblock = b'x' * (200 * 1024 * 1024)\ntime.sleep(1.5)",
        "total = sum(range(3_000_000))",
    )
    job = await jobs.submit("big.ipynb")
    assert set(job["usage"]) >= USAGE_KEYS  # known or not, every figure is there

    done = await jobs.wait_for(job["id"], "completed")

    usage = done["usage"]
    assert usage["peak_rss_bytes"] >= 200 * MIB
    assert usage["cpu_seconds"] > 0
    assert usage["wall_seconds"] >= 1.5
    # A finished job uses nothing now; no GPU here, so no GPU figure
    assert usage["rss_bytes"] is None and usage["cpu_percent"] is None
    assert usage["gpu_memory_bytes"] is None
    series = await jobs.request("GET", "jobs", job["id"], "usage")
    assert series["usage"] == usage
    assert series["samples"], "the runner sampled the kernel while it ran"
    assert max(s["rss_bytes"] for s in series["samples"]) >= 200 * MIB
    assert all(s["time"] and s["cpu_percent"] is not None for s in series["samples"])


async def test_a_running_script_shows_its_current_use_and_a_damaged_record_shows_none(
    jobs: JobsClient, root: Path, tmp_path: Path
) -> None:
    gate = root / "gate"
    (root / "spin.py").write_text(
        "import os, time\n"
        "block = b'y' * (64 * 1024 * 1024)\n"
        f"while not os.path.exists({str(gate)!r}):\n"
        "    sum(range(10000))\n"
    )
    job = await jobs.submit("spin.py")
    try:
        # While it runs, the current figures: its block resident, a core busy
        # (psutil's CPU figure needs two samples of a process)
        running = await _wait_for_usage(
            jobs, job["id"], lambda u: u["rss_bytes"] >= 64 * MIB and u["cpu_percent"] > 0
        )
        assert running["usage"]["peak_rss_bytes"] >= running["usage"]["rss_bytes"]
    finally:
        gate.write_text("")
    done = await jobs.wait_for(job["id"], "completed")
    assert done["usage"]["peak_rss_bytes"] >= 64 * MIB

    # A usage file that is garbage reads as unknown figures, never as a server error
    job_dir = tmp_path / "jobs-root" / job["id"]
    (job_dir / "usage.json").write_text("{not json")
    (job_dir / "usage.jsonl").write_text('garbage\n{"time": "t", "rss_bytes": 5}\n')
    series = await jobs.request("GET", "jobs", job["id"], "usage")
    assert set(series["usage"].values()) == {None}
    assert [s["rss_bytes"] for s in series["samples"]] == [5]


async def _wait_for_usage(jobs: JobsClient, job_id: str, holds: Any) -> dict[str, Any]:
    """The job as soon as its usage, sampled while it runs, holds."""
    deadline = time.monotonic() + 60
    while True:
        job = await jobs.get(job_id)
        if job["usage"]["rss_bytes"] is not None and holds(job["usage"]):
            return job
        assert time.monotonic() < deadline and job["status"] in ("queued", "running"), job
        await asyncio.sleep(0.2)
