"""Schedules: real servers fire due runs once, catch up after being down, pause, run now.

The servers of this module read the scheduler's clock through a file
(JUPYTER_JOBS_SCHEDULER_CLOCK_OFFSET names it): a test moves that clock to a
run's time instead of waiting for it. One test waits for a real minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from conftest import wait_until, write_notebook
from server_process import TOKEN, ServerProcess
from test_openapi import schema
from tornado.websocket import websocket_connect
from traitlets.config import Config

from jupyter_jobs.configuration import JobsConfig
from jupyter_jobs.cron import from_utc_text, parse, utc_text
from jupyter_jobs.events import JOB_EVENT_SCHEMA_ID
from jupyter_jobs.processes import kill_job_processes
from jupyter_jobs.scheduler import CLOCK_OFFSET_ENV, ScheduleManager

SERVER_CONFIG = {
    "LocalBackend": {"max_concurrent_jobs": 4},
    "JobsApp": {"watch_interval": 0.2, "schedule_interval": 0.5},
}
FINAL = ("completed", "failed", "cancelled")


class Clock:
    """The offset, in seconds, the servers' scheduler adds to the real time."""

    def __init__(self, path: Path):
        self.path = path
        self.set(0)

    def set(self, seconds: float) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(seconds))
        tmp.replace(self.path)  # a server never reads half a number

    def move_to(self, moment: str, after: float = 1.0) -> None:
        """Make the servers' time `after` seconds past moment (ISO 8601), from now on."""
        delta = from_utc_text(moment) - datetime.now(timezone.utc)
        self.set(delta.total_seconds() + after)


def call(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Status and JSON answer of a request, 4xx included."""
    url = f"http://{server.address}:{server.port}/jupyter-jobs/{path}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "null")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("schedules")
    (base / "root").mkdir()
    yield base
    for spec in base.glob("**/jobs-root/*/spec.json"):
        kill_job_processes(spec.parent.name)


@pytest.fixture(scope="module")
def clock(base: Path) -> Clock:
    return Clock(base / "clock-offset")


@pytest.fixture(scope="module")
def server(base: Path, clock: Clock) -> Iterator[ServerProcess]:
    server = ServerProcess(
        base / "root", base / "state", SERVER_CONFIG, env={CLOCK_OFFSET_ENV: str(clock.path)}
    )
    server.start()
    yield server
    server.kill()


@pytest.fixture(autouse=True)
def fresh_schedules(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no schedules and a true clock; it leaves none behind."""
    yield
    if "server" not in request.fixturenames:
        return
    server = request.getfixturevalue("server")
    request.getfixturevalue("clock").set(0)
    if server.proc is not None and server.proc.poll() is None:
        for schedule in server.request("GET", "schedules")["schedules"]:
            server.request("DELETE", f"schedules/{schedule['id']}")


def store_settings(base: Path) -> dict[str, Any]:
    return {
        "JobsConfig": {
            "jobs_root": str(base / "state" / "jobs-root"),
            "db_path": str(base / "state" / "jobs.sqlite"),
        }
    }


def schedule_jobs(server: ServerProcess, schedule_id: str, count: int = 1) -> list[str]:
    """Wait until the schedule has started `count` jobs; their ids, newest first."""
    return wait_until(
        lambda: (
            (ids := server.request("GET", f"schedules/{schedule_id}")["jobs"])
            and len(ids) >= count
            and ids
        ),
        timeout=60,
        what=f"{count} job(s) of schedule {schedule_id}",
    )


def output_text(server: ServerProcess, job_id: str) -> str:
    server.wait_for(job_id, "completed")
    url = f"http://127.0.0.1:{server.port}/jupyter-jobs/jobs/{job_id}/output"
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


# -- the server fires -----------------------------------------------------------------------


def test_the_server_fires_a_schedule_at_its_time_from_the_frozen_input(server, clock):
    # Given a script scheduled for 06:00 in Berlin, then edited after the schedule was made
    script = server.root / "report.py"
    script.write_text("print('as scheduled')\n")
    code, schedule = call(
        server,
        "POST",
        "schedules",
        {"path": "report.py", "cron": "0 6 * * *", "timezone": "Europe/Berlin", "name": "daily"},
    )
    assert code == 201 and schedule["cron"] == "0 6 * * *"
    script.write_text("print('edited later')\n")
    # Then it shows when it runs: 06:00 Berlin time, three times ahead, and no job yet
    runs = [from_utc_text(t).astimezone(ZoneInfo("Europe/Berlin")) for t in schedule["next_runs"]]
    assert [(r.hour, r.minute) for r in runs] == [(6, 0)] * 3
    assert schedule["next_run_at"] == schedule["next_runs"][0]
    assert schedule["last_job_id"] is None and schedule["paused"] is False
    assert schedule["catch_up"] == "skip" and schedule["timezone"] == "Europe/Berlin"

    # When the server's clock reaches its time
    clock.move_to(schedule["next_run_at"])

    # Then the server fires one ordinary job, marked with the schedule, from the frozen copy
    [job_id] = schedule_jobs(server, schedule["id"])
    job = server.request("GET", f"jobs/{job_id}")
    assert job["schedule_id"] == schedule["id"] and job["name"] == "daily"
    assert job["path"] == "report.py"
    assert output_text(server, job_id) == "as scheduled\n"
    # And the schedule moved on to the next day, its last job this one, and fired nothing more
    after = server.request("GET", f"schedules/{schedule['id']}")
    assert after["last_job_id"] == job_id
    assert after["next_run_at"] == schedule["next_runs"][1]
    assert after["jobs"] == [job_id]


def test_a_real_one_minute_schedule_fires_in_real_time(server, clock):
    # Given a notebook scheduled every minute, on the true clock
    clock.set(0)
    write_notebook(server.root / "minutely.ipynb", "print('tick')")
    _, schedule = call(server, "POST", "schedules", {"path": "minutely.ipynb", "cron": "* * * * *"})
    first = from_utc_text(schedule["next_run_at"])
    assert first - datetime.now(timezone.utc) <= timedelta(minutes=1)
    # When its minute comes (a real wait of up to a minute)
    job_id = wait_until(
        lambda: server.request("GET", f"schedules/{schedule['id']}")["last_job_id"],
        timeout=120,
        what="a real minute's firing",
    )
    # Then the job ran the notebook, and was created at its minute, not before
    job = server.request("GET", f"jobs/{job_id}")
    assert from_utc_text(job["created_at"]) >= first
    assert job["schedule_id"] == schedule["id"] and job["kernel_name"] == "python3"
    assert "tick" in output_text(server, job_id)


def test_two_servers_and_run_due_on_one_store_fire_a_run_once(server, clock, base):
    # Given a second server on the same job store, reading the same clock
    second = ServerProcess(
        base / "root",
        base / "second-state",
        {**SERVER_CONFIG, **store_settings(base)},
        env={CLOCK_OFFSET_ENV: str(clock.path)},
    )
    second.start()
    try:
        (server.root / "once.py").write_text("print('once')\n")
        _, schedule = call(
            server,
            "POST",
            "schedules",
            {"path": "once.py", "cron": "15 4 * * *", "timezone": "UTC"},
        )
        # When the run comes due for both servers, and `jupyter jobs run-due` runs meanwhile
        clock.move_to(schedule["next_run_at"])
        run_due = subprocess.run(
            [sys.executable, "-m", "jupyter_jobs.cli", "run-due"],
            env=dict(
                os.environ,
                JUPYTER_CONFIG_DIR=str(server.config_dir),
                **{CLOCK_OFFSET_ENV: str(clock.path)},
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run_due.returncode == 0, run_due.stderr
        # Then exactly one of them fired it: one job, and still one once it has run (both
        # servers looked again meanwhile), from one claim
        [job_id] = schedule_jobs(server, schedule["id"])
        assert output_text(server, job_id) == "once\n"
        assert second.request("GET", f"schedules/{schedule['id']}")["jobs"] == [job_id]
        with sqlite3.connect(base / "state" / "jobs.sqlite") as db:
            claims = db.execute(
                "SELECT due_at, job_id FROM schedule_firings WHERE schedule_id = ?",
                (schedule["id"],),
            ).fetchall()
        assert claims == [(schedule["next_run_at"], job_id)]
        after = second.request("GET", f"schedules/{schedule['id']}")
        assert after["next_run_at"] == schedule["next_runs"][1]
    finally:
        second.kill()


def test_many_schedulers_racing_for_one_due_run_create_one_job(tmp_path: Path):
    # Given eight schedulers, each with its own connection to one store, and a due run
    settings = {
        "JobsConfig": {"jobs_root": str(tmp_path / "jobs"), "db_path": str(tmp_path / "j.sqlite")}
    }
    (tmp_path / "race.py").write_text("print('raced')\n")
    managers = [
        ScheduleManager(
            JobsConfig(config=Config(settings)).create_manager(str(tmp_path), confine_to_root=False)
        )
        for _ in range(8)
    ]
    try:
        schedule = managers[0].create(str(tmp_path / "race.py"), "0 3 * * *", timezone="UTC")
        due = from_utc_text(schedule["next_run_at"]) + timedelta(seconds=1)
        # When all fire at once
        start = threading.Barrier(len(managers))
        fired: list[list[dict[str, Any]]] = []

        def fire(manager: ScheduleManager) -> None:
            start.wait()
            fired.append(manager.fire_due(due))

        threads = [threading.Thread(target=fire, args=(m,)) for m in managers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Then one of them created the one job
        jobs = [job for each in fired for job in each]
        assert len(fired) == 8 and len(jobs) == 1
        assert managers[3].job_ids(schedule["id"]) == [jobs[0]["id"]]
        job_id = jobs[0]["id"]
        wait_until(lambda: managers[0].jobs.get(job_id)["status"] in FINAL)
        assert managers[0].jobs.get(job_id)["status"] == "completed"
    finally:
        for manager in managers:
            manager.jobs.close()


# -- catch-up, pause, run now, edits ---------------------------------------------------------


def test_after_the_server_was_down_skip_fires_nothing_and_once_fires_one_late_run(
    server, clock, base
):
    # Given a stopped server, and two hourly schedules made meanwhile from Python
    server.stop()
    from jupyter_jobs import api, schedule_api

    (server.root / "hourly.py").write_text("print('late')\n")
    api.configure(store_settings(base))
    try:
        skip = schedule_api.schedule(server.root / "hourly.py", "0 * * * *", timezone="UTC")
        once = schedule_api.schedule(
            server.root / "hourly.py", "0 * * * *", timezone="UTC", catch_up="once"
        )
    finally:
        api.configure()
    missed_from = skip.info["next_run_at"]
    # When the server starts again two and a half hours after the first missed run
    clock.move_to(missed_from, after=2.5 * 3600)
    server.start()
    # Then "once" fired a single late run, and both moved on to the hour after the server's now
    [job_id] = schedule_jobs(server, once.id)
    expected_next = utc_text(from_utc_text(missed_from) + timedelta(hours=3))
    for schedule_id in (skip.id, once.id):
        wait_until(
            lambda schedule_id=schedule_id: (
                server.request("GET", f"schedules/{schedule_id}")["next_run_at"] == expected_next
            ),
            what="the next run after catching up",
        )
    assert server.request("GET", f"schedules/{once.id}")["jobs"] == [job_id]
    assert server.request("GET", f"schedules/{skip.id}")["jobs"] == []
    assert output_text(server, job_id) == "late\n"


def test_a_paused_schedule_fires_nothing_until_resumed(server, clock):
    # Given two schedules at the same time, one of them paused
    (server.root / "paused.py").write_text("print('resumed')\n")
    body = {"path": "paused.py", "cron": "40 5 * * *", "timezone": "UTC"}
    _, paused = call(server, "POST", "schedules", body)
    _, witness = call(server, "POST", "schedules", body)
    code, paused = call(server, "PATCH", f"schedules/{paused['id']}", {"paused": True})
    assert code == 200 and paused["paused"] is True and paused["next_run_at"] is None
    # When their time comes and the other one fires
    clock.move_to(witness["next_run_at"])
    schedule_jobs(server, witness["id"])
    # Then the paused one fired nothing
    assert server.request("GET", f"schedules/{paused['id']}")["jobs"] == []
    # When it is resumed: its next run is the next one after now (the missed one is not caught up)
    _, resumed = call(server, "PATCH", f"schedules/{paused['id']}", {"paused": False})
    assert resumed["paused"] is False
    assert resumed["next_run_at"] == witness["next_runs"][1]
    # Then it fires at that time
    clock.move_to(resumed["next_run_at"])
    [job_id] = schedule_jobs(server, paused["id"])
    assert output_text(server, job_id) == "resumed\n"


def test_run_now_edit_and_remove(server, clock):
    # Given a schedule of a script with a parameter
    script = server.root / "params.py"
    script.write_text("import sys\nprint('v1', *sys.argv[1:])\n")
    _, schedule = call(
        server,
        "POST",
        "schedules",
        {"path": "params.py", "cron": "0 0 1 1 *", "parameters": {"n": 7}, "catch_up": "once"},
    )
    assert schedule["parameters"] == {"n": 7} and schedule["kind"] == "script"
    script.write_text("import sys\nprint('v2', *sys.argv[1:])\n")
    # When it is run now
    code, job = call(server, "POST", f"schedules/{schedule['id']}/run")
    # Then a job of the frozen input starts at once, marked with the schedule
    assert code == 201 and job["schedule_id"] == schedule["id"]
    assert "v1 --n 7" in output_text(server, job["id"])
    # When the schedule is saved with its path again and new parameters, then run now
    code, edited = call(
        server,
        "PATCH",
        f"schedules/{schedule['id']}",
        {"path": "params.py", "parameters": {"n": 8}, "cron": "@daily"},
    )
    assert (
        code == 200
        and edited["cron"] == "@daily"
        and edited["next_run_at"] != (schedule["next_run_at"])
    )
    _, second = call(server, "POST", f"schedules/{schedule['id']}/run")
    # Then the input was frozen anew
    assert "v2 --n 8" in output_text(server, second["id"])
    got = server.request("GET", f"schedules/{schedule['id']}")
    assert got["jobs"] == [second["id"], job["id"]] and got["last_job_id"] == second["id"]
    # And an ordinary job is marked with no schedule
    assert server.request("POST", "jobs", {"path": "params.py"})["schedule_id"] is None
    # When it is removed
    assert call(server, "DELETE", f"schedules/{schedule['id']}") == (204, None)
    # Then it is gone, with its frozen input, and its jobs stay
    assert call(server, "GET", f"schedules/{schedule['id']}")[0] == 404
    assert not (server.root.parent / "state" / "jobs-root" / ".schedules" / schedule["id"]).exists()
    assert server.request("GET", f"jobs/{job['id']}")["schedule_id"] == schedule["id"]


def test_the_push_channel_and_the_jobs_list_follow_a_schedule(server, clock):
    (server.root / "pushed.py").write_text("print('pushed')\n")
    other = server.request("POST", "jobs", {"path": "pushed.py"})  # a job of no schedule

    async def watch() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        url = f"ws://127.0.0.1:{server.port}/api/events/subscribe?token={TOKEN}"
        connection = await websocket_connect(url)
        seen: list[dict[str, Any]] = []

        async def until(what: str, check: Any) -> dict[str, Any]:
            while True:
                found = next((event for event in seen if check(event)), None)
                if found is not None:
                    return found
                message = await asyncio.wait_for(connection.read_message(), timeout=30)
                assert message is not None, f"the event stream closed before {what}"
                event = json.loads(message)
                if event.pop("schema_id", None) == JOB_EVENT_SCHEMA_ID:
                    seen.append(event)

        try:
            # Given a schedule created while the panel listens
            _, schedule = await asyncio.to_thread(
                call, server, "POST", "schedules", {"path": "pushed.py", "cron": "0 3 * * *"}
            )
            mine = lambda e: e.get("schedule", {}).get("id") == schedule["id"]  # noqa: E731
            await until("the schedule's creation", mine)
            # When it fires, is paused, then removed
            clock.move_to(schedule["next_run_at"])
            await until("its firing", lambda e: mine(e) and e["schedule"]["last_job_id"])
            await asyncio.to_thread(
                call, server, "PATCH", f"schedules/{schedule['id']}", {"paused": True}
            )
            await until("its pause", lambda e: mine(e) and e["schedule"]["paused"])
            await asyncio.to_thread(call, server, "DELETE", f"schedules/{schedule['id']}")
            await until("its removal", lambda e: e["action"] == "schedule-removed")
            return schedule, seen
        finally:
            connection.close()

    schedule, seen = asyncio.run(watch())
    # Then each change came pushed, as GET schedules shows the schedule, in order
    pushed = [e["schedule"] for e in seen if e["action"] == "schedule-updated"]
    pushed = [p for p in pushed if p["id"] == schedule["id"]]
    assert pushed[0] == schedule | {"next_runs": pushed[0]["next_runs"]}
    fired = next(p for p in pushed if p["last_job_id"])
    assert fired["next_run_at"] == schedule["next_runs"][1]
    assert pushed[-1]["paused"] is True and pushed[-1]["next_run_at"] is None
    assert {"action": "schedule-removed", "schedule_id": schedule["id"]} in seen
    # And the job it fired came as a job's event, marked with it
    job_id = fired["last_job_id"]
    assert any(
        e["action"] == "updated" and e["job"]["id"] == job_id and e["job"]["schedule_id"]
        for e in seen
    )
    # And GET jobs?schedule_id= lists its jobs only (they outlive it), as sweep_id= does
    listed = server.request("GET", f"jobs?schedule_id={schedule['id']}")
    assert ([j["id"] for j in listed["jobs"]], listed["total"]) == ([job_id], 1)
    assert other["id"] not in [j["id"] for j in listed["jobs"]]
    assert server.request("GET", "jobs?schedule_id=nosuchschedule") == {"jobs": [], "total": 0}
    # And so do the CLI (`list --schedule`) and the Python API under it, on the same store
    listed_here = subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", "list", "--schedule", schedule["id"], "-q"],
        env=dict(os.environ, JUPYTER_CONFIG_DIR=str(server.config_dir)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed_here.stdout.split() == [job_id], listed_here.stderr


def test_every_refused_input_says_why_and_creates_nothing(server, base):
    (server.root / "ok.py").write_text("print(1)\n")
    (server.root / "notes.txt").write_text("no\n")
    write_notebook(server.root / "nb.ipynb", "print(1)")
    (base / "outside.py").write_text("print('outside')\n")
    frozen = base / "state" / "jobs-root" / ".schedules"
    before = set(frozen.iterdir()) if frozen.exists() else set()
    good = {"path": "ok.py", "cron": "0 6 * * *"}
    refused = {
        "invalid cron": ({**good, "cron": "61 * * * *"}, 400, "cron"),
        "six fields": ({**good, "cron": "* * * * * *"}, 400, "five fields"),
        "cron that never runs": ({**good, "cron": "0 0 30 2 *"}, 400, "never runs"),
        "no cron": ({"path": "ok.py"}, 400, "cron"),
        "unknown time zone": ({**good, "timezone": "Mars/Olympus_Mons"}, 400, "time zone"),
        "time zone not a name": ({**good, "timezone": 1}, 400, "timezone"),
        "path outside the root": ({**good, "path": "../outside.py"}, 400, "outside"),
        "absolute path": ({**good, "path": str(base / "outside.py")}, 400, "absolute"),
        "no such file": ({**good, "path": "missing.py"}, 404, "No such file"),
        "not a notebook or script": ({**good, "path": "notes.txt"}, 400, "neither"),
        "unknown backend": ({**good, "backend": "mainframe"}, 400, "Unknown backend"),
        "unknown field": ({**good, "every": "day"}, 400, "Unknown field"),
        "bad catch_up": ({**good, "catch_up": "all"}, 400, "catch_up"),
        "bad parameters": ({**good, "parameters": {"not valid": 1}}, 400, "identifier"),
        "bad resources": ({**good, "resources": {"warp_drive": 1}}, 400, "resource"),
        "unknown kernel": ({**good, "path": "nb.ipynb", "kernel_name": "cobol"}, 400, "kernel"),
    }
    for what, (body, status, words) in refused.items():
        code, answer = call(server, "POST", "schedules", body)
        assert code == status, f"{what}: {code} {answer}"
        assert words.lower() in answer["message"].lower(), f"{what}: {answer}"
    code, answer = call(server, "POST", "schedules", "not an object")
    assert code == 400
    # Then nothing was created
    assert server.request("GET", "schedules") == {"schedules": [], "total": 0}
    assert (set(frozen.iterdir()) if frozen.exists() else set()) == before
    # And an edit that is refused changes nothing
    _, schedule = call(server, "POST", "schedules", good)
    jsonschema.validate(schedule, schema("Schedule"))
    jsonschema.validate(answer, schema("Error"))
    for body in (
        {"cron": "nope"},
        {"timezone": "Nowhere/Land"},
        {"paused": "yes"},
        {"path": "../outside.py"},
        {"catch_up": 3},
        {"id": "other"},
        {"backend": "mainframe", "name": "renamed"},
    ):
        code, answer = call(server, "PATCH", f"schedules/{schedule['id']}", body)
        assert code == 400, f"{body}: {code} {answer}"
    after = server.request("GET", f"schedules/{schedule['id']}")
    assert {k: v for k, v in after.items() if k not in ("jobs", "next_runs")} == {
        k: v for k, v in schedule.items() if k != "next_runs"
    }
    # And the preview of the dialog says why, or gives the next three runs
    assert call(server, "GET", "schedules/preview?cron=61+*+*+*+*")[0] == 400
    code, answer = call(server, "GET", "schedules/preview?cron=0+6+*+*+1-5&timezone=Nowhere/x")
    assert code == 400 and "time zone" in answer["message"]
    preview = server.request("GET", "schedules/preview?cron=0+6+*+*+1-5&timezone=Europe/Berlin")
    assert preview["timezone"] == "Europe/Berlin"
    listing = server.request("GET", "schedules")
    assert listing["total"] == 1 and listing["schedules"][0]["id"] == schedule["id"]
    jsonschema.validate(listing["schedules"][0], schema("Schedule"))
    assert len(preview["next_runs"]) == 3
    for run in preview["next_runs"]:
        local = from_utc_text(run).astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.hour, local.minute) == (6, 0) and local.weekday() < 5
    # And unknown schedules are 404s
    for method, path in (
        ("GET", "schedules/nope"),
        ("PATCH", "schedules/nope"),
        ("DELETE", "schedules/nope"),
        ("POST", "schedules/nope/run"),
    ):
        assert call(server, method, path, {} if method == "PATCH" else None)[0] == 404


# -- daylight saving, catch-up rules, one scheduler in this process ---------------------------


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[ScheduleManager]:
    settings = {
        "JobsConfig": {"jobs_root": str(tmp_path / "jobs"), "db_path": str(tmp_path / "j.sqlite")}
    }
    manager = JobsConfig(config=Config(settings)).create_manager(
        str(tmp_path), confine_to_root=False
    )
    yield ScheduleManager(manager)
    manager.close()


def test_cron_times_across_daylight_saving_changes():
    berlin = ZoneInfo("Europe/Berlin")
    daily = parse("30 2 * * *", "Europe/Berlin")
    hourly = parse("0 * * * *", "Europe/Berlin")
    # Spring forward (2027-03-28, 02:00 -> 03:00): 02:30 does not exist; it runs at 03:00, once
    spring = datetime(2027, 3, 27, 12, tzinfo=timezone.utc)
    runs = daily.next_runs(spring, 2)
    assert [r.astimezone(berlin).isoformat() for r in runs] == [
        "2027-03-28T03:00:00+02:00",
        "2027-03-29T02:30:00+02:00",
    ]
    # ...and an hourly one runs each real hour, 02:00 being skipped
    runs = hourly.next_runs(datetime(2027, 3, 27, 23, tzinfo=timezone.utc), 4)
    assert [r.astimezone(berlin).strftime("%H:%M%z") for r in runs] == [
        "01:00+0100",
        "03:00+0200",
        "04:00+0200",
        "05:00+0200",
    ]
    # Fall back (2027-10-31, 03:00 -> 02:00): 02:30 comes twice; it runs once, the first time
    runs = daily.next_runs(datetime(2027, 10, 30, 12, tzinfo=timezone.utc), 2)
    assert [r.astimezone(berlin).isoformat() for r in runs] == [
        "2027-10-31T02:30:00+02:00",
        "2027-11-01T02:30:00+01:00",
    ]
    # ...and an hourly one runs in both passes of the repeated hour: every real hour
    runs = hourly.next_runs(datetime(2027, 10, 30, 22, 30, tzinfo=timezone.utc), 4)
    assert [r - runs[0] for r in runs] == [timedelta(hours=h) for h in range(4)]
    assert [r.astimezone(berlin).strftime("%H:%M%z") for r in runs] == [
        "01:00+0200",
        "02:00+0200",
        "02:00+0100",
        "03:00+0100",
    ]
    # And the last run at or before a moment agrees with them
    assert daily.latest_at_or_before(datetime(2027, 10, 31, 1, 45, tzinfo=timezone.utc)) == (
        datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    )
    new_york = parse("30 2 * * *", "America/New_York")
    assert new_york.next_after(datetime(2027, 3, 14, 5, tzinfo=timezone.utc)) == datetime(
        2027, 3, 14, 7, tzinfo=timezone.utc
    )  # 03:00 EDT


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-03-28", "2027-03-28T01:00:00.000Z"),  # spring forward: at 03:00 CEST
        ("2027-10-31", "2027-10-31T00:30:00.000Z"),  # fall back: at the first 02:30 (CEST)
    ],
)
def test_a_schedule_fires_once_on_a_daylight_saving_day(
    scheduler: ScheduleManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, day, expected
):
    # Given a schedule at 02:30 Berlin time, made the evening before the change
    (tmp_path / "dst.py").write_text("print('dst')\n")
    evening = datetime.fromisoformat(f"{day}T00:00:00+00:00") - timedelta(hours=3)
    monkeypatch.setenv(
        CLOCK_OFFSET_ENV, str((evening - datetime.now(timezone.utc)).total_seconds())
    )
    schedule = scheduler.create(str(tmp_path / "dst.py"), "30 2 * * *", timezone="Europe/Berlin")
    assert schedule["next_run_at"] == expected
    # When the scheduler looks every five minutes through that night
    fired = []
    moment = evening
    while moment < evening + timedelta(hours=8):
        fired += [(utc_text(moment), job["id"]) for job in scheduler.fire_due(moment)]
        moment += timedelta(minutes=5)
    # Then it fired once, at its time
    assert len(fired) == 1
    assert from_utc_text(fired[0][0]) - from_utc_text(expected) < timedelta(minutes=5)
    assert scheduler.get(schedule["id"])["jobs"] == [fired[0][1]]


def test_missed_runs_give_at_most_one_late_run_per_call(scheduler: ScheduleManager, tmp_path):
    (tmp_path / "m.py").write_text("print('m')\n")
    path = str(tmp_path / "m.py")
    skip = scheduler.create(path, "0 * * * *", timezone="UTC")
    once = scheduler.create(path, "0 * * * *", timezone="UTC", catch_up="once")
    # When the scheduler looks again ten minutes after the sixth missed run
    first = from_utc_text(once["next_run_at"])
    late = first + timedelta(hours=5, minutes=10)
    fired = scheduler.fire_due(late)
    # Then "once" gives one late run and "skip" none; both go on from the next hour
    assert [job["schedule_id"] for job in fired] == [once["id"]]
    for schedule in (skip, once):
        assert scheduler.get(schedule["id"])["next_run_at"] == utc_text(first + timedelta(hours=6))
    # And a second look at the same time fires nothing more
    assert scheduler.fire_due(late) == []
    # And a run found a little late (the machine was busy) still fires, under either rule
    busy = first + timedelta(hours=6, minutes=2)
    assert {job["schedule_id"] for job in scheduler.fire_due(busy)} == {skip["id"], once["id"]}


def test_a_firing_that_cannot_start_its_job_says_why_and_moves_on(
    scheduler: ScheduleManager, tmp_path: Path
):
    # Given a schedule whose frozen input was deleted behind its back
    script = tmp_path / "gone.py"
    script.write_text("print('back')\n")
    schedule = scheduler.create(str(script), "0 9 * * *", timezone="UTC")
    record = scheduler.store.get(schedule["id"])
    assert record is not None and Path(record.input_copy).read_text() == "print('back')\n"
    Path(record.input_copy).unlink()
    # When its run comes due
    due = from_utc_text(schedule["next_run_at"]) + timedelta(seconds=1)
    # Then no job is made, the schedule says why, and it goes on to its next run
    assert scheduler.fire_due(due) == []
    after = scheduler.get(schedule["id"])
    assert after["jobs"] == [] and after["last_job_id"] is None
    assert "job directory" in after["last_error"]["message"]
    assert after["next_run_at"] == schedule["next_runs"][1]
    assert [claim["error"] is not None for claim in scheduler.store.claims(schedule["id"])] == [
        True
    ]
    assert not list((scheduler.jobs.jobs_root).glob("[0-9a-f]*"))  # no job directory either
    # When it is saved with its path again, its input is frozen anew and it runs
    scheduler.update(schedule["id"], path=str(script))
    job = scheduler.run_now(schedule["id"])
    assert scheduler.get(schedule["id"])["last_error"] is None
    wait_until(lambda: scheduler.jobs.get(job["id"])["status"] in FINAL)
    assert scheduler.jobs.get(job["id"])["status"] == "completed"
