"""Another "host" on this machine, for multi-host tests: Linux namespaces around real processes.

A process started through `host_command()` runs with a hostname of its own (a UTS
namespace), a process table of its own (a PID namespace, with /proc mounted for it), and
optionally a network of its own (a `Network`: a network namespace joined to this one by a
veth pair). It sees the same files, like a login node or compute node on a shared
filesystem. Nothing of it needs a container runtime: root and `ip` (iproute2) suffice.

Run as a script (that is what `host_command()` builds), this file is the launcher:

    python hosts.py [--hostname NAME] [--netns PATH] -- COMMAND...

It enters the namespaces, forks the new PID namespace's init (which runs COMMAND, reaps
orphans and ends with it: the host "goes down" with its command, every process on it
included), forwards SIGTERM, SIGINT and SIGHUP to it, and exits with COMMAND's status.
If the launcher is killed, the init is killed too, and with it everything on the host.
Standard library only: it runs before anything is imported from the project.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_REC, MS_PRIVATE = 1 << 14, 1 << 18
PR_SET_PDEATHSIG = 1
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
LAUNCHER = str(Path(__file__).resolve())
# Test networks are /30s in 10.213.N.0, N >= 1 (10.213.0.0/24 is slurm-local.sh's node2).
SUBNET_PREFIX = "10.213."


def host_command(hostname: str | None = None, network: Network | None = None) -> list[str]:
    """The prefix that runs a command on another host: this machine's hostname unless
    `hostname` is given, this machine's network unless `network` is, a PID namespace
    of its own always (so that neither host sees, or can signal, the other's pids)."""
    command = [sys.executable, LAUNCHER]
    if hostname is not None:
        command += ["--hostname", hostname]
    if network is not None:
        command += ["--netns", network.path]
    return [*command, "--"]


def _ip(*args: str) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


class Network:
    """A network namespace joined to this one by a veth pair with a /30 of its own.

    `address` is the namespace's end (where a server there listens), `host_address`
    this machine's end. Addresses exist only on the pair this object made; `remove()`
    takes both away (a namespace some process still uses lives on until it ends).
    """

    def __init__(self, tag: str = "") -> None:
        # Interface names have at most 15 characters; the pid keeps parallel runs apart.
        base = f"jjh{os.getpid()}{tag}"[:13]
        self.name = base
        self.path = f"/run/netns/{base}"
        self.host_veth, self.veth = f"{base}a", f"{base}b"
        self.host_address = self.address = ""

    def create(self) -> Network:
        if not Path(self.path).exists():
            _ip("netns", "add", self.name)
        used = {
            int(word.split(".")[2])
            for word in _ip("-o", "-4", "addr", "show").split()
            if word.startswith(SUBNET_PREFIX)
        }
        third = next(n for n in range(1, 255) if n not in used)
        self.host_address, self.address = f"{SUBNET_PREFIX}{third}.1", f"{SUBNET_PREFIX}{third}.2"
        _ip("link", "add", self.host_veth, "type", "veth", "peer", "name", self.veth)
        _ip("link", "set", self.veth, "netns", self.name)
        _ip("addr", "add", f"{self.host_address}/30", "dev", self.host_veth)
        _ip("link", "set", self.host_veth, "up")
        _ip("-n", self.name, "addr", "add", f"{self.address}/30", "dev", self.veth)
        _ip("-n", self.name, "link", "set", self.veth, "up")
        _ip("-n", self.name, "link", "set", "lo", "up")  # kernels talk to runners over lo
        return self

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            _ip("link", "delete", self.host_veth)  # takes its peer along
        with contextlib.suppress(RuntimeError):
            _ip("netns", "delete", self.name)


# -- the launcher ----------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _forward_to(pid: int) -> None:
    for signum in FORWARDED:
        signal.signal(signum, lambda signum, _frame: os.kill(pid, signum))


def _init(command: list[str]) -> None:
    """PID 1 of the new namespace: mount its /proc, run the command, reap, end with it."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    os.setsid()  # signals reach it only through the launcher: each arrives once
    _check(
        _libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
        "mount /proc",
    )
    child = subprocess.Popen(command, start_new_session=True)
    _forward_to(child.pid)
    while True:
        pid, status = os.wait()  # orphans of the host end up here too
        if pid == child.pid:
            os._exit(_exit_code(status))


def _exit_code(status: int) -> int:
    """A shell's convention: the exit code, or 128 + the signal that ended the process."""
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run a command on another host.")
    parser.add_argument("--hostname")
    parser.add_argument("--netns", help="a network namespace, e.g. /run/netns/NAME")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    if args.netns:
        fd = os.open(args.netns, os.O_RDONLY)
        _check(_libc.setns(fd, CLONE_NEWNET), f"setns {args.netns}")
        os.close(fd)
    _check(_libc.unshare(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS), "unshare")
    if args.hostname:
        import socket

        socket.sethostname(args.hostname)
    # Mounts made on this host (its /proc) stay on it.
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    pid = os.fork()  # the first child is PID 1 of the new PID namespace
    if pid == 0:
        try:
            _init(args.command)
        except BaseException:
            traceback.print_exc()
        os._exit(127)
    _forward_to(pid)
    while True:
        waited, status = os.waitpid(pid, 0)
        if waited == pid:
            return _exit_code(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
