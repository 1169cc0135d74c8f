"""Private files: what jupyter-jobs writes is readable and writable by its owner only.

A job's input, output and recorded values are the user's own, and a jobs root
often sits on a cluster's shared filesystem. So directories are made 0700 and
files 0600 whatever the umask (a umask only removes bits, and a library that
creates a file uses the umask's default, so the mode is always set explicitly),
an existing root that others could write into is refused, and nothing is
unpickled from a file somebody else could have put or changed there.

This module imports nothing heavy: the runner and code inside jobs import it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from .errors import JobsError

DIR_MODE = 0o700
FILE_MODE = 0o600
SCRIPT_MODE = 0o700  # an executable file of the user's (the SLURM batch script)
# Bits that let somebody other than the owner change a file or a directory's entries.
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
OTHERS_ANY = 0o077

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "UnsafeFile",
    "UnsafeRoot",
    "check_owned_private",
    "create_private",
    "ensure_private_root",
    "make_private_dir",
    "open_private",
    "private_copy",
    "tighten_file",
    "touch_private",
    "write_private_atomically",
]


class UnsafeRoot(JobsError, PermissionError):
    """A directory jupyter-jobs keeps its files in is not the user's alone: nothing starts."""


class UnsafeFile(JobsError, PermissionError):
    """A file somebody else owns or could have written: it is not unpickled."""

    http_status = 403


def make_private_dir(path: str | os.PathLike[str], parents: bool = False) -> Path:
    """Create a directory 0700 (its missing parents too with parents=True); an existing one
    is left as it is. Returns the path."""
    path = Path(path)
    if parents and not path.parent.is_dir():
        make_private_dir(path.parent, parents=True)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise
        return path
    os.chmod(path, DIR_MODE)  # a umask that removes owner bits would leave it unusable
    return path


def open_private(
    path: str | os.PathLike[str],
    mode: str = "w",
    encoding: str | None = None,
    exclusive: bool = False,
) -> IO[Any]:
    """open() for writing ("w", "a", "wb", "ab"), creating the file 0600.

    An existing file is tightened to 0600 too: it is ours, and it may predate this rule.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    flags |= os.O_APPEND if mode.startswith("a") else os.O_TRUNC
    if exclusive:
        flags |= os.O_EXCL
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        if "b" in mode:
            return os.fdopen(fd, mode)
        return os.fdopen(fd, mode, encoding=encoding or "utf-8")
    except BaseException:
        os.close(fd)
        raise


def create_private(path: str | os.PathLike[str]) -> None:
    """Create an empty file 0600 if absent; an existing one keeps its content and times."""
    with open_private(path, "ab"):
        pass


def touch_private(path: str | os.PathLike[str]) -> None:
    """Path.touch(), but a new file is 0600 (an existing one keeps its content)."""
    with open_private(path, "ab") as f:
        os.utime(f.fileno())


def write_private_atomically(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace path by a 0600 file holding data: a reader sees the old file or the new one.

    os.replace keeps the temporary file's mode, so that file is made 0600 from the start.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open_private(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tighten_file(path: str | os.PathLike[str]) -> None:
    """Make an existing file 0600 (one a library wrote with the umask's mode); best effort:
    absent or not ours is left as it is."""
    with suppress(OSError):
        os.chmod(path, FILE_MODE)


def private_copy(
    source: str | os.PathLike[str], target: str | os.PathLike[str], keep_times: bool = True
) -> None:
    """Copy a file's content (and times), not its mode as shutil.copy2 would: target is 0600."""
    import shutil

    with open(source, "rb") as src, open_private(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
        info = os.fstat(src.fileno())
    if keep_times:
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def ensure_private_root(
    path: str | os.PathLike[str], what: str, tighten: bool = True
) -> str | None:
    """Create the directory 0700, or check an existing one is safe to keep private files in.

    Refused (UnsafeRoot) when group or others can write it (they could plant or
    replace files: a pickle, a database), or when it is not the current user's.
    One that others can only read is tightened to 0700 with tighten=True (the jobs
    root: it holds nothing but jobs) and left alone otherwise (a database's
    directory may be a home directory). Returns a note of what was tightened, if anything.
    """
    path = Path(path)
    if not path.exists():
        make_private_dir(path, parents=True)
        return None
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeRoot(f"The {what} {path} is not a directory")
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():
        raise UnsafeRoot(
            f"The {what} {path} belongs to {_user(info.st_uid)}, not to you "
            f"({_user(os.geteuid())}): its owner could read or change your jobs. "
            "Use a directory of your own."
        )
    if mode & OTHERS_WRITE:
        fix = (
            "Use a directory of your own instead"
            if info.st_mode & stat.S_ISVTX  # a shared scratch space such as /tmp
            else f"Fix it with: chmod 700 {path}"
        )
        raise UnsafeRoot(
            f"The {what} {path} can be written by {_who(mode)} (mode {mode:04o}): they could "
            f"change your jobs' files or plant code that runs as you. {fix}"
        )
    if tighten and mode & OTHERS_ANY:
        os.chmod(path, DIR_MODE)
        return f"The {what} {path} was readable by {_who(mode, 0o055)}: made it 0700"
    return None


def check_owned_private(fd: int, path: str | os.PathLike[str], what: str = "file") -> None:
    """Refuse (UnsafeFile) an open file not owned by the current user or writable by others."""
    info = os.fstat(fd)
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():
        raise UnsafeFile(
            f"Refusing to unpickle {path}: the {what} belongs to {_user(info.st_uid)}, "
            f"not to you ({_user(os.geteuid())}); unpickling runs code its writer chose"
        )
    if mode & OTHERS_WRITE:
        raise UnsafeFile(
            f"Refusing to unpickle {path}: the {what} can be written by {_who(mode)} "
            f"(mode {mode:04o}); unpickling runs code its writer chose"
        )


@contextmanager
def open_trusted(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open a file to unpickle, once it and its directory are known to be the user's alone.

    The file is checked through the open descriptor (and not followed if a symlink),
    so it cannot be swapped between the check and the read.
    """
    path = Path(path)
    folder_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        check_owned_private(folder_fd, path.parent, "directory")
        fd = os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
    try:
        check_owned_private(fd, path)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f


def _who(mode: int, bits: int = OTHERS_WRITE) -> str:
    group, others = mode & bits & 0o070, mode & bits & 0o007
    return " and ".join(w for w, b in (("its group", group), ("other users", others)) if b)


def _user(uid: int) -> str:
    try:
        import pwd

        return f"uid {uid} ({pwd.getpwuid(uid).pw_name})"
    except (ImportError, KeyError):
        return f"uid {uid}"
