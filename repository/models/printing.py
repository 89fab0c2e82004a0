"""Printers and their print jobs: a queue per printer, kept until the printer takes each job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import tracing
from ..vocabulary import PrinterProtocol, PrinterTransport, PrintJobStatus
from .base import Base, Timestamp, choice, utcnow
from .people import User


class Printer(Base):
    """A label printer: what it speaks, how it is reached, its resolution and stock."""

    __tablename__ = "printers"
    __table_args__ = (
        CheckConstraint("dpi IN (203, 300, 600)", name="dpi"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    protocol: Mapped[PrinterProtocol] = mapped_column(choice(PrinterProtocol, "protocol"))
    transport: Mapped[PrinterTransport] = mapped_column(choice(PrinterTransport, "transport"))
    address: Mapped[str | None] = mapped_column(String(500))  # host, folder or CUPS queue
    port: Mapped[int] = mapped_column(Integer, default=9100)
    dpi: Mapped[int] = mapped_column(Integer, default=300)
    template: Mapped[str] = mapped_column(String(32), default="cryovial")  # the stock it holds
    location: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # pull: who fetches
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The worker sending to this printer holds it until then (one connection at a time).
    lease_until: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    agent: Mapped[User | None] = relationship()


class PrintJob(Base):
    """A rendered document queued for a printer, sent in order, retried until taken."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        Index("ix_print_jobs_printer_id_status_id", "printer_id", "status", "id"),
        CheckConstraint("labels >= 1", name="labels"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id"))
    status: Mapped[PrintJobStatus] = mapped_column(
        choice(PrintJobStatus, "print_job_status"), default=PrintJobStatus.QUEUED
    )
    title: Mapped[str] = mapped_column(String(200))  # what it prints, e.g. "lot 12: 24 vials"
    template: Mapped[str] = mapped_column(String(32))
    labels: Mapped[int] = mapped_column(Integer)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # the HTTP request that queued it (its X-Request-Id): the job's log lines carry it too
    request_id: Mapped[str | None] = mapped_column(String(100), default=tracing.request_id)

    printer: Mapped[Printer] = relationship()
