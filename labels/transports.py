"""Printer transports: raw TCP (port 9100), a directory (atomic files), a CUPS queue (`lp`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import LabelError, TransportError

KINDS = ("tcp", "directory", "cups")

# One connection at a time per printer: a Zebra prints one job per connection, in order.
_locks: dict[tuple[str, int], threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class Destination:
    """Where to send rendered bytes.

    - kind "tcp": `address` is the printer's host, `port` 9100 by default;
    - kind "directory": `address` is a directory; each job becomes a new file there
      (`suffix` e.g. ".zpl" or ".pdf");
    - kind "cups": `address` is the CUPS queue name, sent with `lp -d QUEUE`.
    `connect_timeout` and `timeout` (seconds) bound connecting and sending."""

    kind: str
    address: str
    port: int = 9100
    connect_timeout: float = 5.0
    timeout: float = 30.0
    suffix: str = ".zpl"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LabelError(f"unknown destination kind {self.kind!r} (known: {', '.join(KINDS)})")
        if not self.address:
            raise LabelError(f"a {self.kind} destination needs an address")


def send_tcp(
    data: bytes, host: str, port: int = 9100, connect_timeout: float = 5.0, timeout: float = 30.0
) -> None:
    """Send the bytes over one raw TCP connection (JetDirect / port 9100) and close it."""
    with _locks_guard:
        lock = _locks.setdefault((host, port), threading.Lock())
    with lock:
        try:
            connection = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as error:
            raise TransportError(f"printer {host}:{port} cannot be reached: {error}") from error
        try:
            with connection:
                connection.settimeout(timeout)
                connection.sendall(data)
                connection.shutdown(socket.SHUT_WR)
        except OSError as error:
            raise TransportError(f"sending to printer {host}:{port} failed: {error}") from error


def send_directory(data: bytes, directory: str | os.PathLike[str], suffix: str = ".zpl") -> Path:
    """Write the bytes to a new, uniquely named file in the directory, atomically: a reader
    watching it sees either no file or the whole file. Returns the file's path."""
    folder = Path(directory)
    if not folder.is_dir():
        raise TransportError(f"directory {folder} does not exist")
    target = folder / f"label-{uuid.uuid4().hex}{suffix}"
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".label-", suffix=".part")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except OSError as error:
        raise TransportError(f"writing to {folder} failed: {error}") from error
    return target


def send_cups(data: bytes, queue: str, timeout: float = 30.0) -> None:
    """Hand the bytes to a CUPS queue with `lp -d QUEUE` (raw: the printer gets them as is)."""
    lp = shutil.which("lp")
    if lp is None:
        raise TransportError("the CUPS client `lp` is not installed")
    try:
        done = subprocess.run(
            [lp, "-d", queue, "-o", "raw"],
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TransportError(f"lp -d {queue} failed: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise TransportError(f"lp -d {queue} failed ({done.returncode}): {message}")


def send(data: bytes, destination: Destination) -> Path | None:
    """Send rendered bytes to a destination; returns the written file for a directory."""
    if destination.kind == "tcp":
        send_tcp(
            data,
            destination.address,
            destination.port,
            destination.connect_timeout,
            destination.timeout,
        )
        return None
    if destination.kind == "directory":
        return send_directory(data, destination.address, destination.suffix)
    send_cups(data, destination.address, destination.timeout)
    return None
