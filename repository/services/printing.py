"""Printers and print jobs: a document is rendered once when queued, then sent in order per
printer by a worker of the queue (or fetched by a pull agent), retried with back-off until the
printer takes it, and reprintable."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

import labels

from .. import later, tracing
from ..db import unit_of_work
from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..heartbeat import beating
from ..models import Printer, PrintJob
from ..models.base import aware, utcnow
from ..schemas.admin import EditPrinter, NewPrinter, unreachable
from ..schemas.fields import given
from ..sql import rows_changed
from ..vocabulary import PrinterProtocol, PrinterTransport, PrintJobStatus, Role
from . import labelling
from .accounts import get_user

log = logging.getLogger(__name__)
# What a label printer (ZPL) cannot print, in words: it prints labels, nothing laid out on a page.
SHEETS = {labels.BoxMap: "box map", labels.PackingList: "packing list"}
LEASE = timedelta(minutes=2)  # a worker holds a printer at most this long without renewing
# (the default: a worker's lease is configured, api.background)
BUSY_AGAIN = timedelta(seconds=2)  # when to look again at a printer another worker holds
DELIVER = "print_job"  # the background work of a queued job (repository.later)
MAX_BACKOFF = timedelta(minutes=5)
# A job of a large selection holds this, then its items (JSON), and is rendered when it is sent.
DEFERRED = b"biorepo-labels\n"
_BATCH = re.compile(r" · batch (\d+)$")


def create_printer(session: Session, command: NewPrinter) -> Printer:
    return _apply(session, Printer(), given(command))


def edit_printer(session: Session, printer: Printer, command: EditPrinter) -> Printer:
    """Change a printer; the result must still be reachable (an address, or a pull agent)."""
    changes = dict(command.changes)
    current = {
        "transport": printer.transport,
        "address": printer.address,
        "agent": printer.agent.email if printer.agent else None,
    }
    whole = {**current, **changes}
    problem = unreachable(whole["transport"], whole["address"], whole["agent"])
    if problem is not None:
        raise ValidationFailed(problem)
    return _apply(session, printer, changes)


def _apply(session: Session, printer: Printer, fields: dict) -> Printer:
    name = fields.get("name", printer.name)
    same_name = select(Printer.id).where(Printer.name == name)
    if printer.id is not None:
        same_name = same_name.where(Printer.id != printer.id)
    if session.scalar(same_name):
        raise Conflict(f"A printer named {name!r} exists.", field="name")
    if "agent" in fields:
        email = fields.pop("agent")
        printer.agent_id = agent_of(session, email) if email else None
    for field, value in fields.items():
        setattr(printer, field, value)
    session.add(printer)
    session.flush()
    return printer


def agent_of(session: Session, email: str) -> int:
    """The user id of a printer agent (a user with the printer role)."""
    user = get_user(session, email)
    if not any(g.role is Role.PRINTER for g in user.grants):
        raise ValidationFailed({"agent": [f"{email} does not have the printer role."]})
    return user.id


def get_printer(session: Session, name: str) -> Printer:
    printer = session.scalar(select(Printer).where(Printer.name == name))
    if printer is None:
        raise NotFound(f"No printer named {name!r}.", field="printer")
    return printer


class WrongPrinter(ValidationFailed):
    """The printer cannot print this document: a ZPL printer prints labels, and a box map or a
    packing list needs a PDF printer. `document` names what was asked ("box map", ...)."""

    def __init__(self, printer: Printer, document: str) -> None:
        message = f"Printer {printer.name} takes ZPL labels; a {document} needs a PDF printer."
        super().__init__({"printer": [message]}, message)
        self.field = "printer"
        self.document = document


def check_printable(printer: Printer, things: Sequence[Any]) -> None:
    """Refuse, before rendering, a document the printer's language cannot hold."""
    if printer.protocol is not PrinterProtocol.ZPL:
        return
    for thing in things:
        if type(thing) in SHEETS:
            raise WrongPrinter(printer, SHEETS[type(thing)])


class Waiting(StrEnum):
    """Why a queued job is not printed yet."""

    SWITCHED_OFF = "switched_off"  # the printer is switched off in biorepo
    AGENT = "agent"  # a pull printer: its agent has not fetched the job yet
    RETRYING = "retrying"  # the last try failed (last_error); tried again from next_attempt_at
    DELIVERY = "delivery"  # sent by a worker of the queue (`biorepo worker`) when one runs


def waiting_for(job: PrintJob) -> Waiting | None:
    """Why the job waits (None if it is not queued)."""
    if job.status is not PrintJobStatus.QUEUED:
        return None
    if not job.printer.active:
        return Waiting.SWITCHED_OFF
    if job.printer.transport is PrinterTransport.PULL:
        return Waiting.AGENT
    return Waiting.RETRYING if job.last_error else Waiting.DELIVERY


def render(things: Sequence[Any], printer: Printer, settings: labels.Settings) -> bytes:
    """The document for `printer`: ZPL at its resolution, or PDF at the stock size."""
    return labels.render(things, printer.protocol.value, dpi=printer.dpi, settings=settings)


def submit(
    session: Session,
    printer: Printer,
    things: Sequence[Any],
    title: str,
    template: str,
    settings: labels.Settings,
    created_by: int | None = None,
) -> PrintJob:
    """Queue the labels for the printer (rendered now: a reprint sends the same bytes)."""
    if not printer.active:
        raise InvalidState(f"Printer {printer.name} is switched off in biorepo.", field="printer")
    check_printable(printer, things)
    job = PrintJob(
        printer=printer,
        title=title[:200],
        template=template,
        labels=len(things),
        document=render(things, printer, settings),
        media_type=labels.MEDIA_TYPES[printer.protocol.value],
        created_by=created_by,
        next_attempt_at=utcnow(),
    )
    session.add(job)
    session.flush()
    _deliver_later(session, job)
    return job


def _deliver_later(session: Session, job: PrintJob) -> None:
    """A job a worker sends (not a pull agent's) goes to the queue once it is committed."""
    if job.printer.transport is not PrinterTransport.PULL:
        later.after_commit(session, DELIVER, job.id)


def submit_parts(
    session: Session,
    printer: Printer,
    selected: labelling.Selected,
    title: str,
    template: str,
    created_by: int | None = None,
) -> list[PrintJob]:
    """Queue the items of a large selection as a job per `labelling.CHUNK` of them or so (a
    cage's animals in one, on its card), in order, each rendered when it is sent (so nothing
    here grows with the labels but their ids). The jobs make one batch, named in each title
    by the first job's id (`progress`), counted in labels."""
    if not printer.active:
        raise InvalidState(f"Printer {printer.name} is switched off in biorepo.", field="printer")
    if selected.things:
        raise ValueError("box maps, lids and packing lists are queued whole (submit)")
    parts = list(selected.parts(session, labelling.CHUNK))  # the cages read once
    jobs, first, total = [], 1, sum(count for _, count in parts)
    for part, count in parts:
        spec = {"ids": list(part.ids), "template": part.template, "url": part.url}
        job = PrintJob(
            printer=printer,
            title=title[:120],
            template=template,
            labels=count,
            document=DEFERRED + json.dumps(spec).encode("ascii"),
            media_type=labels.MEDIA_TYPES[printer.protocol.value],
            created_by=created_by,
            next_attempt_at=utcnow(),
        )
        session.add(job)
        session.flush()  # in order: the worker sends a printer's jobs by id
        job.title = f"{title[:120]}: labels {first}–{first + job.labels - 1} of {total}"
        first += job.labels
        jobs.append(job)
    for job in jobs:
        job.title += f" · batch {jobs[0].id}"
        _deliver_later(session, job)
    session.flush()
    if jobs:  # the first one's task sends the rest after it (deliver)
        _deliver_later(session, jobs[0])
    return jobs


def batch_of(job: PrintJob) -> int | None:
    """The batch a job belongs to (the id of its first job), if it is one of a batch."""
    found = _BATCH.search(job.title)
    return int(found[1]) if found else None


@dataclass(frozen=True)
class Progress:
    """Where a batch of print jobs stands, in labels (each job's count); `batch` is the id of
    its first job."""

    batch: int
    jobs: int
    total: int
    printed: int
    queued: int
    cancelled: int
    failing: int  # labels of queued jobs whose last try failed

    @property
    def done(self) -> bool:
        return self.queued == 0


def progress(session: Session, job: PrintJob) -> Progress:
    """Where the batch `job` belongs to stands (the job alone, if it is in no batch)."""
    batch = batch_of(job)
    jobs = [job]
    if batch is not None:
        jobs = list(
            session.scalars(
                select(PrintJob)
                .where(PrintJob.id >= batch, PrintJob.title.endswith(f" · batch {batch}"))
                .order_by(PrintJob.id)
            )
        )

    def count(*statuses: PrintJobStatus, failing: bool = False) -> int:
        return sum(j.labels for j in jobs if j.status in statuses and (not failing or j.last_error))

    return Progress(
        batch=jobs[0].id,
        jobs=len(jobs),
        total=sum(j.labels for j in jobs),
        printed=count(PrintJobStatus.SENT),
        queued=count(PrintJobStatus.QUEUED),
        cancelled=count(PrintJobStatus.CANCELLED),
        failing=count(PrintJobStatus.QUEUED, failing=True),
    )


def document_of(session: Session, job: PrintJob, settings: labels.Settings) -> bytes:
    """The bytes the job prints: as rendered when queued, or, for a part of a large
    selection, its items' labels rendered now."""
    if not job.document.startswith(DEFERRED):
        return job.document
    spec = json.loads(job.document[len(DEFERRED) :])
    things = labelling.labels_of(session, spec["ids"], spec["template"], spec["url"])
    return render(list(things), job.printer, settings)


def reprint(session: Session, job: PrintJob, created_by: int | None = None) -> PrintJob:
    """The same document again, as a new job at the end of the printer's queue."""
    copy = PrintJob(
        printer_id=job.printer_id,
        title=job.title,
        template=job.template,
        labels=job.labels,
        document=job.document,
        media_type=job.media_type,
        reprint_of=job.id,
        created_by=created_by,
        next_attempt_at=utcnow(),
    )
    session.add(copy)
    session.flush()
    _deliver_later(session, copy)
    return copy


def cancel(session: Session, job: PrintJob) -> PrintJob:
    if job.status is not PrintJobStatus.QUEUED:
        raise InvalidState(f"Job {job.id} is {job.status.value}; only queued jobs are cancelled.")
    job.status = PrintJobStatus.CANCELLED
    session.flush()
    return job


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... up to 5 minutes between tries."""
    return min(timedelta(seconds=5 * 2 ** min(attempts - 1, 16)), MAX_BACKOFF)


def record_failure(job: PrintJob, error: str, now: datetime) -> None:
    job.attempts += 1
    job.last_error = error[:2000]
    job.next_attempt_at = now + backoff(job.attempts)


def record_sent(job: PrintJob, now: datetime) -> None:
    job.attempts += 1
    job.status = PrintJobStatus.SENT
    job.sent_at = now
    job.last_error = None


# The pull model: an agent (a user with the printer role) fetches the jobs of its printers.


def agent_jobs(session: Session, agent_id: int, limit: int = 20) -> list[PrintJob]:
    """The queued jobs of the printers this agent serves, oldest first per printer."""
    return list(
        session.scalars(
            select(PrintJob)
            .join(Printer, Printer.id == PrintJob.printer_id)
            .where(
                Printer.agent_id == agent_id,
                Printer.transport == PrinterTransport.PULL,
                PrintJob.status == PrintJobStatus.QUEUED,
            )
            .order_by(PrintJob.printer_id, PrintJob.id)
            .limit(limit)
        )
    )


def acknowledge(session: Session, job: PrintJob, printed: bool, error: str | None) -> PrintJob:
    """The agent reports a job printed, or failed (it stays queued and is offered again)."""
    if job.status is not PrintJobStatus.QUEUED:
        raise InvalidState(f"Job {job.id} is already {job.status.value}.")
    now = utcnow()
    if printed:
        record_sent(job, now)
    else:
        record_failure(job, error or "the agent reported a failure", now)
    session.flush()
    return job


# The push model: the worker sends to raw TCP ports, folders and CUPS queues.


@dataclass
class Round:
    """What one pass of the worker did."""

    sent: int = 0
    failed: int = 0
    busy: int = 0  # printers another worker holds


def work(
    factory: sessionmaker[Session],
    now: datetime | None = None,
    settings: labels.Settings = labels.DEFAULT_SETTINGS,
    lease: timedelta = LEASE,
) -> Round:
    """One pass over the printers with due jobs: each printer is leased for `lease`, renewed
    after each job (so two workers never talk to one printer at once; a worker that stopped
    leaves it to another once its lease ends), its jobs sent oldest first; the first failure
    stops that printer's queue until its retry time, so labels never come out of order."""
    done = Round()
    with unit_of_work(factory, write=False) as db:
        due = list(
            db.scalars(
                select(PrintJob.printer_id)
                .join(Printer, Printer.id == PrintJob.printer_id)
                .where(
                    PrintJob.status == PrintJobStatus.QUEUED,
                    Printer.active.is_(True),
                    Printer.transport != PrinterTransport.PULL,
                )
                .distinct()
            )
        )
    for printer_id in due:
        if not _lease(factory, printer_id, now or utcnow(), lease):
            done.busy += 1
            continue
        try:
            _drain(factory, printer_id, done, now, settings, lease)
        finally:
            _release(factory, printer_id)
    return done


def deliver(
    factory: sessionmaker[Session],
    job_id: int,
    now: datetime | None = None,
    settings: labels.Settings = labels.DEFAULT_SETTINGS,
    lease: timedelta = LEASE,
) -> tuple[int, datetime] | None:
    """Send job `job_id` (the task of the queue that carries it): its printer is leased and its
    due jobs sent oldest first, this one with them. What to try again and when (None: nothing
    of this printer waits for a worker): the job heading the printer's queue, at its retry
    time, or this job soon when another worker holds the printer (its lease `lease`, as in
    `work`)."""
    moment = now or utcnow()
    with unit_of_work(factory, write=False) as db:
        job = db.get(PrintJob, job_id)
        if job is None or not _sent_by_worker(job):
            return None
        printer_id = job.printer_id
    if not _lease(factory, printer_id, moment, lease):
        head = _head(factory, printer_id)
        return (job_id, moment + BUSY_AGAIN) if head and head[0] == job_id else None
    try:
        _drain(factory, printer_id, Round(), now, settings, lease)
    finally:
        _release(factory, printer_id)
    head = _head(factory, printer_id)
    return None if head is None else (head[0], max(head[1], moment + BUSY_AGAIN))


def _sent_by_worker(job: PrintJob) -> bool:
    return (
        job.status is PrintJobStatus.QUEUED
        and job.printer.active
        and job.printer.transport is not PrinterTransport.PULL
    )


def _head(factory: sessionmaker[Session], printer_id: int) -> tuple[int, datetime] | None:
    """The job heading the printer's queue (those behind it wait for it) and when it is due;
    None when nothing waits for a worker there."""
    with unit_of_work(factory, write=False) as db:
        job = db.scalar(
            select(PrintJob)
            .where(PrintJob.printer_id == printer_id, PrintJob.status == PrintJobStatus.QUEUED)
            .order_by(PrintJob.id)
            .limit(1)
        )
        if job is None or not _sent_by_worker(job):
            return None
        return job.id, aware(job.next_attempt_at)


def _lease(
    factory: sessionmaker[Session], printer_id: int, now: datetime, lease: timedelta = LEASE
) -> bool:
    with unit_of_work(factory) as db:
        taken = db.execute(
            update(Printer)
            .where(
                Printer.id == printer_id,
                or_(Printer.lease_until.is_(None), Printer.lease_until < now),
            )
            .values(lease_until=now + lease)
        )
        return rows_changed(taken) == 1


def _release(factory: sessionmaker[Session], printer_id: int) -> None:
    with unit_of_work(factory) as db:
        db.execute(update(Printer).where(Printer.id == printer_id).values(lease_until=None))


def _drain(
    factory: sessionmaker[Session],
    printer_id: int,
    done: Round,
    now: datetime | None,
    settings: labels.Settings,
    lease: timedelta,
) -> None:
    """Send the printer's due jobs oldest first, outside any transaction (a printer may take
    its time), recording each outcome and renewing the lease after it."""
    while True:
        moment = now or utcnow()
        with unit_of_work(factory, write=False) as db:
            job = db.scalar(
                select(PrintJob)
                .where(PrintJob.printer_id == printer_id, PrintJob.status == PrintJobStatus.QUEUED)
                .order_by(PrintJob.id)
                .limit(1)
            )
            if job is None or aware(job.next_attempt_at) > moment:
                return
            job_id, target, request_id = job.id, destination(job.printer), job.request_id
            try:
                document: bytes | None = document_of(db, job, settings)
                error = None
            except labels.LabelError as failure:  # a code too big for the stock, say
                document, error = None, str(failure)
        with tracing.traced(request_id):  # its lines carry the request that queued it
            if document is not None:
                try:  # the lease renewed while a slow printer takes its time
                    with beating(lambda: _renew(factory, printer_id, lease), lease / 4):
                        labels.send(document, target)
                except labels.TransportError as failure:
                    error = str(failure)
            with unit_of_work(factory) as db:
                job = db.get_one(PrintJob, job_id)
                if error is None:
                    record_sent(job, moment)
                    done.sent += 1
                else:
                    record_failure(job, error, moment)
                    done.failed += 1
                _hold(db, printer_id, lease)
            _log_outcome(job_id, printer_id, error)
        if error is not None:
            return


def _hold(session: Session, printer_id: int, lease: timedelta) -> None:
    """Renew this worker's lease on the printer."""
    session.execute(
        update(Printer).where(Printer.id == printer_id).values(lease_until=utcnow() + lease)
    )


def _renew(factory: sessionmaker[Session], printer_id: int, lease: timedelta) -> bool:
    with unit_of_work(factory) as db:
        _hold(db, printer_id, lease)
    return True


def _log_outcome(job_id: int, printer_id: int, error: str | None) -> None:
    extra = {"print_job": job_id, "printer_id": printer_id}
    if error is None:
        log.info("print job %s sent", job_id, extra=extra)
    else:
        log.warning("print job %s not sent: %s", job_id, error, extra=extra)


def destination(printer: Printer) -> labels.Destination:
    return labels.Destination(
        printer.transport.value,
        printer.address or "",
        printer.port,
        suffix=f".{printer.protocol.value}",
    )
