"""Which process this is, in a form another process of the same machine can check: whether a
job's runner is still alive."""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

_BOOT = Path("/proc/sys/kernel/random/boot_id")


def _started(pid: int) -> str | None:
    """When the process started, in clock ticks since boot (Linux); None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command's name


@cache
def _machine() -> str | None:
    """This machine and its boot (a process of an earlier boot is gone); None off Linux."""
    try:
        return f"{socket.gethostname()}/{_BOOT.read_text().strip()}"
    except OSError:
        return None


def this_process() -> str | None:
    """This process: machine, boot, pid and start time; None where they cannot be read."""
    machine, started = _machine(), _started(os.getpid())
    return f"{machine}/{os.getpid()}/{started}" if machine and started else None


def alive(identity: str | None) -> bool:
    """Whether the process `identity` names is known to run: on this machine, since its boot,
    a process of its pid started at its time."""
    if not identity or _machine() is None:
        return False
    machine, pid, started = identity.rsplit("/", 2)
    return machine == _machine() and _started(int(pid)) == started


def gone(identity: str | None) -> bool:
    """Whether the process `identity` names is known to have stopped: it ran on this machine
    since its boot, and no process of its pid started at its time. Of another machine, or
    unknown: not known (False)."""
    if not identity or _machine() is None:
        return False
    machine, pid, started = identity.rsplit("/", 2)
    return machine == _machine() and _started(int(pid)) != started
