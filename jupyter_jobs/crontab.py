"""The user's crontab line that runs `jupyter jobs run-due` every minute.

One line per job store, recognised by the comment it ends with, so that installing
twice leaves one line and uninstalling removes that line and nothing else. The line
carries what cron's bare environment lacks: this Python, the Jupyter config and data
directories, and the variables that choose the job store.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from .errors import BackendUnavailable, InvalidRequest

MARKER = "# jupyter-jobs run-due for"
# Debian's cron reads at most this many characters of a line (MAX_COMMAND).
MAX_LINE = 999
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
# Carried into the line when set: they decide which Python package, config and store it uses.
CARRIED_ENV = (
    "PYTHONPATH",
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_JOBS_ROOT",
    "JUPYTER_JOBS_DB_PATH",
)


def run_due_line(db_path: str, config_file: str | None = None) -> str:
    """The crontab line: every minute, run-due for this job store, its output in a log."""
    from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir

    # cron's PATH is /usr/bin:/bin: this Python's own directory (its tools) comes first.
    env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), *SYSTEM_PATH])}
    env |= {name: os.environ[name] for name in CARRIED_ENV if os.environ.get(name)}
    env["JUPYTER_CONFIG_DIR"] = os.path.abspath(jupyter_config_dir())
    env["JUPYTER_DATA_DIR"] = os.path.abspath(jupyter_data_dir())
    command = [sys.executable, "-m", "jupyter_jobs.cli"]
    if config_file:
        command += ["--config", os.path.abspath(config_file)]
    command.append("run-due")
    log = Path(db_path).parent / "run-due.log"
    words = [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    words += [shlex.quote(word) for word in command]
    line = f"* * * * * {' '.join(words)} >>{shlex.quote(str(log))} 2>&1 {marker(db_path)}"
    if "\n" in line or "\r" in line:
        raise InvalidRequest("A path or variable holds a line break: it cannot go in a crontab")
    # cron turns an unescaped % into a line break.
    line = line.replace("%", "\\%")
    if len(line) > MAX_LINE:
        raise InvalidRequest(
            f"The crontab line would be {len(line)} characters, more than cron reads "
            f"({MAX_LINE}): shorten the paths of the Python, config or job store"
        )
    return line


def marker(db_path: str) -> str:
    return f"{MARKER} {os.path.abspath(db_path)}"


def install(db_path: str, config_file: str | None = None) -> tuple[str, bool]:
    """Add the line for this store (replacing an older one); (the line, whether it changed)."""
    line = run_due_line(db_path, config_file)
    lines = read()
    kept = [old for old in lines if not _is_ours(old, db_path)]
    if [*kept, line] == lines:
        return line, False
    write([*kept, line])
    return line, True


def uninstall(db_path: str) -> bool:
    """Remove this store's line, and only it; whether there was one."""
    lines = read()
    kept = [old for old in lines if not _is_ours(old, db_path)]
    if kept == lines:
        return False
    write(kept)
    return True


def installed(db_path: str) -> str | None:
    return next((line for line in read() if _is_ours(line, db_path)), None)


def _is_ours(line: str, db_path: str) -> bool:
    return line.rstrip().endswith(marker(db_path).replace("%", "\\%"))


def read() -> list[str]:
    """The user's crontab as lines ([] when there is none)."""
    result = _crontab(["-l"])
    if result.returncode != 0:
        if "no crontab" in result.stderr.lower():
            return []
        raise BackendUnavailable(f"crontab -l failed: {result.stderr.strip()}")
    return result.stdout.splitlines()


def write(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    result = _crontab(["-"], text)
    if result.returncode != 0:
        raise BackendUnavailable(f"crontab - failed: {result.stderr.strip()}")


def _crontab(args: list[str], text: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["crontab", *args], input=text, capture_output=True, text=True, timeout=30
        )
    except FileNotFoundError:
        raise BackendUnavailable(
            "There is no crontab command: install cron (Debian: apt-get install cron)"
        ) from None


def cron_running() -> bool:
    """Whether a cron daemon runs on this machine (it reads crontabs; nothing fires without)."""
    import psutil

    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("cron", "crond"):
            return True
    return False
