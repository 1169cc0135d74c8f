from conftest import stdout_text, write_notebook


async def test_smoke(jobs, root):
    write_notebook(root / "nb.ipynb", "print(n * 2)", parameters="n = 1")
    job = await jobs.submit("nb.ipynb", parameters={"n": 21})
    job = await jobs.wait_for(job["id"])
    print(job)
    assert job["status"] == "completed"
    events = (await jobs.log(job["id"]))["events"]
    assert "42" in stdout_text(events)
