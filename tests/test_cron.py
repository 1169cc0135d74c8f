"""Schedules from a terminal, and fired by Debian's real cron through `jupyter jobs run-due`.

The cron test needs Debian's `cron` (scripts/test.sh installs it) and starts the
daemon if it is not running; it waits for a real minute of cron's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import wait_until

from jupyter_jobs import api, crontab, schedule_api
from jupyter_jobs.cli import main
from jupyter_jobs.cron import from_utc_text
from jupyter_jobs.scheduler import CLOCK_OFFSET_ENV


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`jupyter jobs ARGS` as a user runs it, with this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_jobs.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`jupyter jobs ARGS` in this process: the same code, without a Python start-up."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def users_crontab() -> Iterator[list[str]]:
    """The user's crontab as it was, put back as it was after the test."""
    before = crontab.read()
    yield before
    if before:
        crontab.write(before)
    else:
        subprocess.run(["crontab", "-r"], capture_output=True, timeout=30)


@pytest.fixture
def cron_daemon() -> None:
    """Debian's cron, running (started here if it is not; it stays, as a system daemon)."""
    if not crontab.cron_running():
        subprocess.run(["cron"], check=True, timeout=30)
        wait_until(crontab.cron_running, timeout=30, what="cron to start")


def test_cron_fires_run_due_every_minute(work: Path, users_crontab, cron_daemon):
    # Given a line of the user's own in the crontab, and a script scheduled every minute
    own = "# a line of the user's own: jupyter-jobs leaves it be"
    crontab.write([*users_crontab, own])
    (work / "tick.py").write_text("print('fired by cron')\n")
    made = cli("schedule", "tick.py", "--cron", "* * * * *", "--tz", "UTC", cwd=work)
    assert made.returncode == 0, made.stderr
    schedule_id = made.stdout.strip()
    assert "frozen" in made.stderr or "copy" in made.stderr
    # When cron-install runs twice
    first = cli("cron-install", cwd=work)
    second = cli("cron-install", cwd=work)
    # Then the crontab holds the user's line and exactly one run-due line for this store
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    lines = crontab.read()
    ours = [line for line in lines if "run-due" in line and "jupyter_jobs.cli" in line]
    assert lines[: len(users_crontab) + 1] == [*users_crontab, own]
    assert len(ours) == 1 and ours[0].startswith("* * * * * ")
    assert first.stdout.strip() == ours[0]
    assert "already" in second.stderr
    store = Path(api._manager().store.path)
    assert str(store) in ours[0] and sys.executable in ours[0]

    # When cron's next minute comes (a real wait of one to two minutes)
    job_id = wait_until(
        lambda: schedule_api.get_schedule(schedule_id).info["last_job_id"],
        timeout=180,
        what="cron to fire run-due",
    )
    # Then cron's run-due fired it, and the job ran
    log = (store.parent / "run-due.log").read_text()
    assert f"fired schedule {schedule_id}: job {job_id}" in log
    job = api.get(job_id)
    job.wait(timeout=120)
    assert job.info["schedule_id"] == schedule_id
    assert job.log() == "fired by cron\n"

    # When cron-uninstall runs
    gone = cli("cron-uninstall", cwd=work)
    # Then only its line went
    assert gone.returncode == 0, gone.stderr
    assert crontab.read() == [*users_crontab, own]
    again = cli("cron-uninstall", cwd=work)
    assert again.returncode == 0 and "no jupyter-jobs run-due line" in again.stderr


def test_schedule_commands(work: Path, capsys, monkeypatch):
    # Given a notebook-free script with a parameter
    (work / "daily.py").write_text("import sys\nprint('daily', *sys.argv[1:])\n")
    # When it is scheduled from the terminal
    code, out, err = cli_here(
        capsys,
        *("schedule", "daily.py", "--cron", "0 6 * * 1-5", "--tz", "Europe/Berlin"),
        *("-p", "region", "emea", "--name", "morning", "--catch-up", "once"),
    )
    assert code == 0, err
    schedule_id = out.strip()
    # Then it is listed, for people and for scripts
    code, out, _ = cli_here(capsys, "schedules")
    assert code == 0 and schedule_id in out and "0 6 * * 1-5" in out and "Europe/Berlin" in out
    code, out, _ = cli_here(capsys, "schedules", "--json")
    [info] = json.loads(out)
    assert info["name"] == "morning" and info["parameters"] == {"region": "emea"}
    assert info["catch_up"] == "once" and info["paused"] is False
    assert cli_here(capsys, "schedules", "-q")[1].split() == [schedule_id]
    # And paused it is shown so, and fires nothing when run-due looks at its time
    assert cli_here(capsys, "schedule-pause", schedule_id)[0] == 0
    assert "paused" in cli_here(capsys, "schedules")[1]
    due = from_utc_text(info["next_run_at"]) + timedelta(seconds=5)
    offset = (due - datetime.now(timezone.utc)).total_seconds()
    monkeypatch.setenv(CLOCK_OFFSET_ENV, str(offset))
    code, out, _ = cli_here(capsys, "run-due")
    assert code == 0 and out == ""
    # When resumed, run-due at its next time fires it once
    monkeypatch.delenv(CLOCK_OFFSET_ENV)
    assert cli_here(capsys, "schedule-resume", schedule_id)[0] == 0
    resumed = schedule_api.get_schedule(schedule_id).info
    due = from_utc_text(resumed["next_run_at"]) + timedelta(seconds=5)
    offset = (due - datetime.now(timezone.utc)).total_seconds()
    monkeypatch.setenv(CLOCK_OFFSET_ENV, str(offset))
    code, out, err = cli_here(capsys, "run-due")
    assert code == 0, err
    [fired] = out.split()
    assert cli_here(capsys, "run-due")[1] == ""
    # And run now starts another at once
    code, out, _ = cli_here(capsys, "schedule-run", schedule_id)
    assert code == 0
    now_job = out.strip()
    for job_id in (fired, now_job):
        job = api.get(job_id)
        job.wait(timeout=120)
        assert job.log() == "daily --region emea\n" and job.info["schedule_id"] == schedule_id
    assert [job.id for job in schedule_api.get_schedule(schedule_id).jobs()] == [now_job, fired]
    # And removed, it is gone with its jobs kept; an unknown one is exit code 3
    assert cli_here(capsys, "schedule-rm", schedule_id)[0] == 0
    assert cli_here(capsys, "schedules", "-q")[1] == ""
    assert api.get(fired).info["schedule_id"] == schedule_id
    assert cli_here(capsys, "schedule-pause", schedule_id)[0] == 3
    # And bad input is exit code 2, saying why
    code, _, err = cli_here(capsys, "schedule", "daily.py", "--cron", "every day")
    assert code == 2 and "cron" in err
    code, _, err = cli_here(capsys, "schedule", "daily.py", "--cron", "@daily", "--tz", "Mars")
    assert code == 2 and "time zone" in err
    assert schedule_api.schedules() == []
