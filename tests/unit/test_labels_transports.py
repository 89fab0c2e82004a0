"""Printer transports: raw TCP, a directory, CUPS."""

from __future__ import annotations

import socket
import threading

import pytest

from labels import Destination, LabelError, TransportError, send
from labels.transports import send_cups


def serve_once() -> tuple[int, list[bytes], threading.Thread]:
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def run() -> None:
        with server:
            connection, _ = server.accept()
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                received.append(b"".join(chunks))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return server.getsockname()[1], received, thread


def test_tcp_printer_receives_exactly_the_bytes() -> None:
    port, received, thread = serve_once()
    data = b"^XA^CI28^FDx^FS^XZ\n" * 5000 + "枯草".encode()
    assert send(data, Destination("tcp", "127.0.0.1", port)) is None
    thread.join(5)
    assert received == [data]


def test_a_closed_port_raises_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError, match="cannot be reached"):
        send(b"^XA^XZ", Destination("tcp", "127.0.0.1", port, connect_timeout=1))
    assert issubclass(TransportError, LabelError)


def test_directory_gets_a_new_whole_file_each_time(tmp_path) -> None:
    first = send(b"one", Destination("directory", str(tmp_path), suffix=".zpl"))
    second = send(b"two", Destination("directory", str(tmp_path), suffix=".zpl"))
    assert first != second
    assert first.read_bytes() == b"one" and second.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])
    with pytest.raises(TransportError):
        send(b"x", Destination("directory", str(tmp_path / "missing")))


def test_cups_without_lp_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr("labels.transports.shutil.which", lambda name: None)
    with pytest.raises(TransportError, match="lp"):
        send_cups(b"x", "zebra")


def test_unknown_kind() -> None:
    with pytest.raises(LabelError):
        Destination("usb", "x")
