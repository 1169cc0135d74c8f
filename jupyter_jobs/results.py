"""Results: named values a job keeps with `jupyter_jobs.record`, loaded back with `job.result()`.

Inside a job (the runner sets JUPYTER_JOBS_JOB_DIR for the kernel or the script),
`record(name, value)` writes the value into the job directory::

    results/index.json        [{"name", "format", "size", "type", "recorded_at"}, ...]
    results/<name>.json       plain data: None, bool, int, float, str, and lists and
                              dicts (with string keys) of those
    results/<name>.pickle     any other picklable Python object: numpy arrays, fitted models

Each value may take at most 100 MB once serialized (JUPYTER_JOBS_RECORD_MAX_BYTES or
`max_bytes=` change that); a bigger one raises ResultTooLarge and nothing is kept.
Recording a name again replaces its value. The files are written whole or not at
all, so a reader never sees half a value.

The files are the owner's alone (0600 in a 0700 folder). Loading unpickles what
the job wrote, so a pickle is loaded only from a file, in a folder, that belongs
to the current user and that nobody else can write (UnsafeFile otherwise).
This module imports nothing heavy: code inside jobs imports it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import re
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from .jobdir import JOB_DIR_ENV, utc_now
from .private import make_private_dir, open_private, open_trusted, write_private_atomically

RESULTS_DIR = "results"
INDEX_NAME = "index.json"
MAX_BYTES_ENV = "JUPYTER_JOBS_RECORD_MAX_BYTES"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
FORMATS = ("json", "pickle")

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "ResultTooLarge",
    "list_results",
    "load_code",
    "load_results",
    "record",
]


class ResultTooLarge(ValueError):
    """A value is bigger than the size limit of `record`; nothing was kept."""


class _Oversize(Exception):
    pass


class _LimitedWriter:
    """A binary file that refuses to grow past a limit (so a huge value is never written whole)."""

    def __init__(self, file: IO[bytes], limit: int):
        self._file = file
        self._limit = limit
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += memoryview(data).nbytes
        if self.size > self._limit:
            raise _Oversize
        return self._file.write(data)


def record(
    name: str, value: Any, *, format: str | None = None, max_bytes: int | None = None
) -> None:
    """Keep `value` under `name` as a result of the running job.

    Plain data (None, bool, int, float, str, lists and string-keyed dicts of
    those) is kept as JSON, anything else with pickle; `format="pickle"` forces
    pickle. Outside a job the value is checked (it must serialize and fit the
    limit) and then dropped, with a warning, so that a notebook can be tried
    interactively before it is submitted.

    Raises ResultTooLarge past the size limit (100 MB unless `max_bytes` or the
    JUPYTER_JOBS_RECORD_MAX_BYTES environment variable says otherwise), ValueError
    for a bad name or format, and pickle's own errors for what cannot be pickled.
    """
    _check_name(name)
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    chosen = format or ("json" if _is_plain(value) else "pickle")
    limit = _max_bytes(max_bytes)
    job_dir = os.environ.get(JOB_DIR_ENV)
    if not job_dir:
        _serialize(value, chosen, limit, _Discard(), name)
        warnings.warn(
            f"jupyter_jobs.record({name!r}, ...) outside a job: the value was checked, not kept",
            stacklevel=2,
        )
        return
    folder = make_private_dir(Path(job_dir) / RESULTS_DIR)
    target = folder / f"{name}.{chosen}"
    tmp = folder / f".{name}.{chosen}.{os.getpid()}.tmp"
    try:
        with open_private(tmp, "wb") as f:
            size = _serialize(value, chosen, limit, f, name)
            f.flush()
            os.fsync(f.fileno())
        with _locked(folder):
            entries = [e for e in _read_index(folder) if e["name"] != name]
            for other in FORMATS:
                if other != chosen:
                    (folder / f"{name}.{other}").unlink(missing_ok=True)
            os.replace(tmp, target)
            entries.append(
                {
                    "name": name,
                    "format": chosen,
                    "size": size,
                    "type": _type_name(value),
                    "recorded_at": utc_now(),
                }
            )
            _write_index(folder, entries)
    finally:
        tmp.unlink(missing_ok=True)


def list_results(job_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """What a job recorded, in recording order: name, format, size (bytes), type, recorded_at.

    Only values whose file is there are listed. Should the index be damaged, the
    listing comes from the value files themselves (type unknown), so nothing is lost.
    """
    folder = Path(job_dir) / RESULTS_DIR
    listed = []
    for entry in _read_index(folder):
        path = folder / f"{entry['name']}.{entry['format']}"
        if not path.is_file():
            continue
        if entry["size"] is None:
            with contextlib.suppress(OSError):
                entry["size"] = path.stat().st_size
        listed.append(entry)
    return listed


def load_results(
    job_dir: str | os.PathLike[str], formats: tuple[str, ...] = FORMATS
) -> dict[str, Any]:
    """The values a job recorded, by name.

    Pickled values are unpickled only from files of the current user's that nobody
    else can write, in a folder likewise: UnsafeFile (a PermissionError) says which
    file is refused and why. `formats=("json",)` loads the plain data only, which
    needs no library of the job's and no trust.
    """
    folder = Path(job_dir) / RESULTS_DIR
    values: dict[str, Any] = {}
    for entry in list_results(job_dir):
        if entry["format"] not in formats:
            continue
        path = folder / f"{entry['name']}.{entry['format']}"
        if entry["format"] == "json":
            with path.open("rb") as f:
                values[entry["name"]] = json.load(f)
        else:
            with open_trusted(path) as f:
                values[entry["name"]] = pickle.load(f)
    return values


def load_code(
    job_id: str,
    job_dir: str | os.PathLike[str],
    entries: list[dict[str, Any]],
    job_name: str | None = None,
) -> str:
    """Python that loads a job's results into a session: `results`, and a variable per name.

    It reads the files itself, with nothing but the standard library, so that the
    user sees what runs (and a kernel without jupyter_jobs can run it): JSON values
    with json alone; pickle is imported only for values that need it, each checked
    first as load_results does. Names that are not Python identifiers stay in the
    `results` dict only.
    """
    title = f"{job_name!r} ({job_id})" if job_name else job_id
    by_format = {
        format: [str(e["name"]) for e in entries if e.get("format") == format] for format in FORMATS
    }
    lines = [f"# Results of job {title}", "import json", "import os"]
    if by_format["pickle"]:
        lines.append("import pickle")
    lines += ["", f"_folder = {_literal(Path(job_dir) / RESULTS_DIR)}", "results = {}"]
    if by_format["json"]:
        lines += [
            f"for _name in {_literal(by_format['json'])}:",
            '    with open(os.path.join(_folder, _name + ".json"), encoding="utf-8") as _f:',
            "        results[_name] = json.load(_f)",
        ]
    if by_format["pickle"]:
        lines += [
            "",
            "",
            f"# These need pickle (they are not plain data): {', '.join(by_format['pickle'])}",
            "# Unpickling runs code its writer chose, so each is loaded only from a file (and",
            "# folder) that is yours and that nobody else can write.",
            *_TRUSTED_OPEN_CODE,
            "",
            "",
            f"for _name in {_literal(by_format['pickle'])}:",
            '    with _open_trusted(os.path.join(_folder, _name + ".pickle")) as _f:',
            "        results[_name] = pickle.load(_f)",
        ]
    lines.append("del " + ("_open_trusted, " if by_format["pickle"] else "") + "_folder, _name, _f")
    for name in by_format["json"] + by_format["pickle"]:
        if name.isidentifier() and not _is_keyword(name) and name != "results":
            lines.append(f"{name} = results[{_literal(name)}]")
    return "\n".join(lines) + "\n"


# What jupyter_jobs.private.open_trusted does, in code the user can read and run anywhere.
_TRUSTED_OPEN_CODE = (
    "def _open_trusted(path):",
    "    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)",
    "    folder = os.stat(os.path.dirname(path))",
    '    for what, info in (("folder", folder), ("file", os.fstat(fd))):',
    "        if info.st_uid != os.geteuid() or info.st_mode & 0o022:",
    "            os.close(fd)",
    "            raise PermissionError(",
    '                f"Refusing to unpickle {path}: its {what} belongs to uid {info.st_uid} "',
    '                f"(you are uid {os.geteuid()}) with mode {info.st_mode & 0o7777:04o}; "',
    '                "it must be yours and not writable by group or others"',
    "            )",
    '    return os.fdopen(fd, "rb")',
)


def _literal(value: str | os.PathLike[str] | list[str]) -> str:
    """A Python literal of a string or a list of strings, double-quoted as formatters like."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:  # a path with bytes that are not UTF-8
        return repr(value)


# -- helpers ----------------------------------------------------------------------------


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"A result name must start with a letter or '_' and have at most 100 letters, "
            f"digits, '_', '.' or '-': {name!r} does not"
        )


def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is not None:
        if not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a positive integer, not {max_bytes!r}")
        return max_bytes
    text = os.environ.get(MAX_BYTES_ENV)
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{MAX_BYTES_ENV} must be a positive number of bytes, not {text!r}")
    return value


def _is_plain(value: Any, depth: int = 0) -> bool:
    """Whether JSON gives exactly this value back (types included: no tuples, no numpy)."""
    if depth > 100:
        return False
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(_is_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _serialize(value: Any, format: str, limit: int, file: Any, name: str) -> int:
    writer = _LimitedWriter(file, limit)
    try:
        if format == "json":
            try:
                text = json.dumps(value, allow_nan=False, ensure_ascii=False)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Result {name!r} cannot be kept as JSON: {e}") from None
            data = text.encode("utf-8")
            if len(data) > limit:
                raise _Oversize
            writer.write(data)
        else:
            pickle.dump(value, writer, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
    except _Oversize:
        raise ResultTooLarge(
            f"Result {name!r} ({_type_name(value)}) is larger than the limit of "
            f"{human_size(limit)} as {format}: save it to a file of its own instead, or raise "
            f"the limit with record(..., max_bytes=N) or the {MAX_BYTES_ENV} environment variable"
        ) from None
    return writer.size


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("KB", "MB", "GB"):
        amount /= 1024
        if amount < 1024 or unit == "GB":
            break
    return f"{amount:.1f} {unit}" if amount < 100 else f"{amount:.0f} {unit}"


def _is_keyword(name: str) -> bool:
    import keyword

    return keyword.iskeyword(name) or keyword.issoftkeyword(name)


def _read_index(folder: Path) -> list[dict[str, Any]]:
    """The index's entries that make sense; what the value files show if it is damaged."""
    try:
        data = json.loads((folder / INDEX_NAME).read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValueError, RecursionError):
        return _entries_from_files(folder)
    entries = data.get("results") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return _entries_from_files(folder)
    return [_checked_entry(e) for e in entries if _names_a_value(e)]


def _names_a_value(entry: Any) -> bool:
    """Whether an index entry names a value file of the results folder (and nothing else)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and NAME_PATTERN.fullmatch(entry["name"]) is not None
        and entry.get("format") in FORMATS
    )


def _checked_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry["name"],
        "format": entry["format"],
        "size": entry.get("size") if _is_count(entry.get("size")) else None,
        "type": entry.get("type") if isinstance(entry.get("type"), str) else None,
        "recorded_at": entry.get("recorded_at")
        if isinstance(entry.get("recorded_at"), str)
        else None,
    }


def _entries_from_files(folder: Path) -> list[dict[str, Any]]:
    """Index entries rebuilt from the value files, oldest first (their type is not known)."""
    found: dict[str, tuple[float, dict[str, Any]]] = {}
    try:
        paths = list(folder.iterdir())
    except OSError:
        return []
    for path in paths:
        name, _, format = path.name.rpartition(".")
        if path.name == INDEX_NAME or format not in FORMATS or not NAME_PATTERN.fullmatch(name):
            continue
        try:
            if not path.is_file():
                continue
            stat = path.stat()
        except OSError:
            continue
        if stat.st_mtime < found.get(name, (0.0, {}))[0]:
            continue
        recorded_at = datetime.fromtimestamp(stat.st_mtime, timezone.utc)
        entry = {
            "name": name,
            "format": format,
            "size": stat.st_size,
            "type": None,
            "recorded_at": recorded_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        found[name] = (stat.st_mtime, entry)
    return [entry for _, entry in sorted(found.values(), key=lambda item: item[0])]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _write_index(folder: Path, entries: list[dict[str, Any]]) -> None:
    write_private_atomically(folder / INDEX_NAME, json.dumps({"results": entries}, indent=1))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer of the index at a time, across threads and processes of the job."""
    import fcntl

    with open_private(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
