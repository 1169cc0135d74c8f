"""The cells of a notebook job, numbered as its log events, for the live notebook view."""

from __future__ import annotations

from pathlib import Path

from conftest import JobsClient, write_notebook


async def test_cells_are_numbered_as_the_log_events_and_bad_requests_say_why(
    jobs: JobsClient, root: Path
) -> None:
    # Given a notebook whose parameters papermill injects a cell after
    write_notebook(root / "cells.ipynb", "print(greeting)", parameters="greeting = 'hi'")
    (root / "plain.py").write_text("print('script')\n")

    # When it runs with a parameter
    job = await jobs.submit("cells.ipynb", parameters={"greeting": "hello"})
    await jobs.wait_for(job["id"], "completed")
    answer = await jobs.request("GET", "jobs", job["id"], "cells")
    events = (await jobs.log(job["id"]))["events"]

    # Then the cells are those papermill ran, injected cell included, without outputs
    assert answer["executed"] is True
    cells = answer["cells"]
    assert [c["cell_type"] for c in cells] == ["code", "code", "code"]
    assert "injected-parameters" in cells[1]["tags"]
    assert set(cells[2]) == {"cell_type", "source", "execution_count", "tags"}
    # and the cell that printed is the one the events name
    printed = [
        e["cell_index"]
        for e in events
        if e["type"] == "output" and "hello" in str(e["output"].get("text", ""))
    ]
    assert printed and cells[printed[0]]["source"] == "print(greeting)"
    assert cells[printed[0]]["execution_count"] is not None

    # A script has no cells; an unknown job is not found
    script = await jobs.submit("plain.py")
    assert (await jobs.error("GET", "jobs", script["id"], "cells"))[0] == 404
    code, message = await jobs.error("GET", "jobs", "no-such-job", "cells")
    assert code == 404 and "no-such-job" in message
    await jobs.wait_for(script["id"])
