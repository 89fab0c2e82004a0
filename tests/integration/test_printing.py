"""Printers and print jobs: a real TCP printer on loopback gets the exact bytes, in order; a
printer that is down keeps its jobs queued until it comes back; workers never share a
printer; reprints and cancels."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

import labels
from repository.db import unit_of_work
from repository.errors import InvalidState, ValidationFailed
from repository.models import Item, Printer, PrintJob
from repository.models.base import utcnow
from repository.services import accounts, labelling, printing
from repository.vocabulary import PrintJobStatus, Role
from tests.conftest import make_collection, make_lot, make_strain
from tests.factories import add_printer
from tests.servers import free_port

SETTINGS = labels.Settings()


class LoopbackPrinter:
    """A raw printer port on 127.0.0.1: one connection at a time, each one's bytes kept."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                self.received.append(b"".join(chunks))

    def wait_for(self, count: int, seconds: float = 10) -> list[bytes]:
        """What the printer received, once it has `count` documents (or the time is up)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def close(self) -> None:
        with contextlib.suppress(OSError):  # wakes the thread's accept()
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def printer_port() -> Iterator[LoopbackPrinter]:
    printer = LoopbackPrinter()
    yield printer
    printer.close()


def tcp_printer(db, port: int, name: str = "Cold room 2") -> Printer:
    make_collection(db)
    return add_printer(
        db,
        {
            "name": name,
            "protocol": "zpl",
            "transport": "tcp",
            "address": "127.0.0.1",
            "port": port,
            "dpi": 203,
            "location": "cold room 2",
        },
    )


def queue_lot(db, printer: Printer, items: int = 3) -> PrintJob:
    lot = make_lot(db, make_strain(db), items=items)
    things = labelling.lot_labels(db, lot.id)
    return printing.submit(db, printer, things, f"lot {lot.id}", "cryovial", SETTINGS)


def test_jobs_reach_a_tcp_printer_exactly_and_in_order(committing_factory, printer_port):
    with unit_of_work(committing_factory) as db:
        printer = tcp_printer(db, printer_port.port)
        first, second = queue_lot(db, printer, 3), queue_lot(db, printer, 2)
        documents = [first.document, second.document]
        assert first.document.count(b"^XA") == 3 and b"^BQN" in first.document
    done = printing.work(committing_factory)
    assert (done.sent, done.failed) == (2, 0)
    assert printer_port.wait_for(2) == documents  # one connection per job, oldest first
    with unit_of_work(committing_factory, write=False) as db:
        jobs = db.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        assert [j.status for j in jobs] == [PrintJobStatus.SENT] * 2
        assert all(j.sent_at is not None and j.attempts == 1 for j in jobs)


def test_a_printer_that_is_down_keeps_its_jobs_until_it_comes_back(committing_factory):
    port = free_port()  # nobody listens: the printer is down
    with unit_of_work(committing_factory) as db:
        printer = tcp_printer(db, port)
        documents = [queue_lot(db, printer, 2).document, queue_lot(db, printer, 1).document]
    done = printing.work(committing_factory)
    assert (done.sent, done.failed) == (0, 1)  # the second waits behind the first
    with unit_of_work(committing_factory, write=False) as db:
        first, second = db.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        assert first.status is PrintJobStatus.QUEUED and first.attempts == 1
        assert "127.0.0.1" in first.last_error
        assert second.attempts == 0
        retry_at = first.next_attempt_at
    assert printing.work(committing_factory).sent == 0  # not due yet: nothing is tried
    back = LoopbackPrinter(port)
    try:
        later = utcnow() + timedelta(minutes=10)
        assert printing.work(committing_factory, now=later).sent == 2
        assert back.wait_for(2) == documents
    finally:
        back.close()
    assert retry_at is not None


def test_two_workers_never_share_a_printer(committing_factory, printer_port):
    with unit_of_work(committing_factory) as db:
        printer_id = tcp_printer(db, printer_port.port).id
        queue_lot(db, db.get(Printer, printer_id), 1)
    assert printing._lease(committing_factory, printer_id, utcnow())  # another worker holds it
    done = printing.work(committing_factory)
    assert (done.sent, done.busy) == (0, 1)
    expired = utcnow() + printing.LEASE + timedelta(seconds=1)
    assert printing.work(committing_factory, now=expired).sent == 1  # a dead worker's lease


def test_reprint_and_cancel(factory, tmp_path):
    with unit_of_work(factory) as db:
        make_collection(db)
        printer = add_printer(
            db,
            {
                "name": "Office",
                "protocol": "pdf",
                "transport": "directory",
                "address": str(tmp_path),
            },
        )
        job = queue_lot(db, printer, 2)
        assert job.document.startswith(b"%PDF") and job.media_type == "application/pdf"
        copy = printing.reprint(db, job)
        assert copy.document == job.document and copy.reprint_of == job.id
        printing.cancel(db, copy)
        with pytest.raises(InvalidState):
            printing.cancel(db, copy)
        printer.active = False
        with pytest.raises(InvalidState):
            queue_lot(db, printer, 1)


def test_printers_must_be_reachable(factory):
    with unit_of_work(factory) as db:
        with pytest.raises(ValidationFailed) as no_address:
            add_printer(db, {"name": "X", "protocol": "zpl", "transport": "tcp"})
        assert "address" in no_address.value.errors
        with pytest.raises(ValidationFailed) as no_agent:
            add_printer(db, {"name": "Y", "protocol": "zpl", "transport": "pull"})
        assert "agent" in no_agent.value.errors
        accounts.register_user(db, "tech@example.org", "T", roles=[(Role.TECHNICIAN, None)])
        with pytest.raises(ValidationFailed) as not_agent:
            add_printer(
                db,
                {"name": "Z", "protocol": "zpl", "transport": "pull", "agent": "tech@example.org"},
            )
        assert "agent" in not_agent.value.errors
        with pytest.raises(ValidationFailed):
            add_printer(
                db,
                {"name": "D", "protocol": "zpl", "transport": "tcp", "address": "h", "dpi": 150},
            )


def test_labels_follow_the_item_and_its_kind(factory):
    with unit_of_work(factory) as db:
        make_collection(db)
        lot = make_lot(db, make_strain(db), items=2)
        barcodes = list(db.scalars(select(Item.barcode).where(Item.lot_id == lot.id)))
        vial, cap = (
            labelling.item_labels(db, barcodes[:1])[0],
            labelling.item_labels(db, barcodes[1:], "cap")[0],
        )
        assert vial.template == "cryovial" and vial.code == barcodes[0]
        assert vial.title == lot.material.accession_number
        assert f"Lot {lot.number}" in vial.lines and any("-80 °C" in t for t in vial.lines)
        assert cap.template == "cap"
        linked = labelling.item_labels(db, barcodes[:1], url="https://biorepo.example/i/{barcode}")
        assert linked[0].code == f"https://biorepo.example/i/{barcodes[0]}"
        assert linked[0].code_text == barcodes[0]  # the barcode printed, not the link
        with pytest.raises(ValidationFailed):
            labelling.item_labels(db, barcodes, "box")
