"""Printers (admins register them) and print jobs: staff queue labels and follow, cancel or
reprint jobs; a pull agent behind a firewall fetches its printers' jobs and acknowledges them."""

from __future__ import annotations

from itertools import islice

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.schemas.fields import UtcDateTime
from repository.errors import NotFound
from repository.models import Printer, PrintJob
from repository.schemas.admin import EditPrinter, NewPrinter, PrinterChanges, PrinterSchema
from repository.schemas.fields import Boolean, Integer
from repository.services import labelling, printing
from repository.visibility import print_jobs_filter, sees_print_job
from repository.vocabulary import PrintJobStatus

from ..context import database, page, principal
from ..policy import Permission, allowed, require
from .labels import Selection, document_response, selected

blp = Blueprint("printing", __name__, url_prefix="/api/v1", description="Printers, print jobs.")


class PrinterOut(Schema):
    id = Integer()
    name = fields.String()
    protocol = fields.String()
    transport = fields.String()
    address = fields.String(allow_none=True)
    port = Integer()
    dpi = Integer()
    template = fields.String()
    location = fields.String(allow_none=True)
    agent = fields.Function(lambda p: p.agent.email if p.agent else None)
    active = Boolean()


class JobIn(Selection):
    printer = fields.String(required=True, validate=validate.Length(min=1, max=100))


class JobQuery(Schema):
    printer = fields.String(validate=validate.Length(min=1, max=100))
    status = fields.Enum(PrintJobStatus, by_value=True)


class JobOut(Schema):
    id = Integer()
    printer = fields.Function(lambda j: j.printer.name)
    status = fields.String()
    title = fields.String()
    template = fields.String()
    labels = Integer()
    media_type = fields.String()
    attempts = Integer()
    next_attempt_at = UtcDateTime()
    last_error = fields.String(allow_none=True)
    reprint_of = Integer(allow_none=True)
    batch = fields.Function(printing.batch_of, metadata={"type": "integer", "nullable": True})
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


class ProgressOut(Schema):
    """A batch of print jobs, counted in labels."""

    batch = Integer()
    jobs = Integer()
    total = Integer()
    printed = Integer()
    queued = Integer()
    cancelled = Integer()
    failing = Integer(metadata={"description": "Labels of queued jobs whose last try failed."})
    done = Boolean(metadata={"description": "Nothing is left queued."})


class AckIn(Schema):
    printed = Boolean(required=True)
    error = fields.String(validate=validate.Length(max=2000))


@blp.get("/printers")
@blp.response(200, PrinterOut(many=True))
@blp.paginate()
def list_printers(pagination_parameters) -> list[Printer]:
    """The printers, by name, with where they stand."""
    require(Permission.PRINT)
    return page(select(Printer).order_by(Printer.name), pagination_parameters)


@blp.post("/printers")
@blp.arguments(PrinterSchema)
@blp.response(201, PrinterOut)
def create_printer(command: NewPrinter) -> Printer:
    """Register a printer: ZPL or PDF; reached over raw TCP (port 9100 by default), a folder,
    a CUPS queue, or pulled by an agent (a user with the printer role)."""
    require(Permission.ADMIN)
    return printing.create_printer(database(), command)


@blp.get("/printers/<id:printer_id>")
@blp.etag
@blp.response(200, PrinterOut)
def get_printer(printer_id: int) -> Printer:
    """One printer."""
    require(Permission.PRINT)
    return _printer(printer_id)


@blp.patch("/printers/<id:printer_id>")
@blp.etag
@blp.arguments(PrinterChanges(partial=True))
@blp.response(200, PrinterOut)
def edit_printer(command: EditPrinter, printer_id: int) -> Printer:
    """Change a printer (send the ETag you read as If-Match); `active: false` holds its queue."""
    require(Permission.ADMIN)
    printer = _printer(printer_id)
    blp.check_etag(printer, PrinterOut)
    return printing.edit_printer(database(), printer, command)


@blp.post("/print-jobs")
@blp.arguments(JobIn)
@blp.response(201, JobOut)
def submit(body: dict) -> PrintJob:
    """Queue labels for a printer (items, a lot, a box or the items a search matches, with a
    template or each item's own). The document is rendered now, in the printer's language
    and resolution; past 500 items, the labels are queued as a batch of jobs of 500, each
    rendered when it is sent, in order (follow it at /print-jobs/{batch}/progress)."""
    return queue(body)


def queue(body: dict) -> PrintJob:
    """Queue the selected labels (JobIn's fields) on the named printer, as the asker (the API
    and the labels page share this): rendered now, or, past `labelling.CHUNK` items, as a
    batch of jobs rendered when sent (the first job is answered; its `batch` names them)."""
    who = require(Permission.PRINT)
    db = database()
    printer = printing.get_printer(db, body["printer"])
    chosen = selected(body)
    template = str(body.get("template") or ("box" if "box" in body else "per item"))
    settings = current_app.extensions["biorepo.labels"]
    if chosen.count > labelling.CHUNK and not chosen.things:
        first = list(islice(chosen.labels(db), 1))  # a label the stock cannot hold: refused now
        printing.check_printable(printer, first)
        printing.render(first, printer, settings)
        return printing.submit_parts(db, printer, chosen, _what(body), template, who.user_id)[0]
    things = list(chosen.labels(db))
    title = _title(body, len(things))
    return printing.submit(db, printer, things, title, template, settings, who.user_id)


@blp.get("/print-jobs/<id:job_id>/progress")
@blp.response(200, ProgressOut)
def job_progress(job_id: int) -> printing.Progress:
    """Where the batch of this job stands (a large selection is queued as a batch of jobs,
    `batch` being the first's id): its labels printed, still queued, cancelled, of all."""
    return printing.progress(database(), visible_job(job_id))


@blp.get("/print-jobs")
@blp.arguments(JobQuery, location="query")
@blp.response(200, JobOut(many=True))
@blp.paginate()
def list_jobs(query: dict, pagination_parameters) -> list[PrintJob]:
    """Print jobs, newest first; a printer agent sees its printers' jobs (filter
    `status=queued` for its work, oldest first)."""
    who = principal()
    if not allowed(who, Permission.PRINT):
        require(Permission.PRINT_AGENT)
    statement = (
        select(PrintJob)
        .join(Printer, Printer.id == PrintJob.printer_id)
        .where(print_jobs_filter(who))
    )
    if "printer" in query:
        statement = statement.where(Printer.name == query["printer"])
    if "status" in query:
        statement = statement.where(PrintJob.status == query["status"])
    queued = query.get("status") is PrintJobStatus.QUEUED
    order = PrintJob.id.asc() if queued else PrintJob.id.desc()
    return page(statement.order_by(order), pagination_parameters)


@blp.get("/print-jobs/<id:job_id>")
@blp.response(200, JobOut)
def get_job(job_id: int) -> PrintJob:
    """One job: its status, attempts and last error."""
    return visible_job(job_id)


@blp.get("/print-jobs/<id:job_id>/document")
@blp.doc(**document_response("The document, as sent to the printer."))
def job_document(job_id: int) -> Response:
    """The rendered document (ZPL or PDF), for the agent to print or anyone to check."""
    job = visible_job(job_id)
    settings = current_app.extensions["biorepo.labels"]
    return Response(printing.document_of(database(), job, settings), mimetype=job.media_type)


@blp.post("/print-jobs/<id:job_id>/ack")
@blp.arguments(AckIn)
@blp.response(200, JobOut)
def acknowledge(body: dict, job_id: int) -> PrintJob:
    """A pull agent reports the job printed, or failed (it stays queued, retried later)."""
    require(Permission.PRINT_AGENT)
    return printing.acknowledge(database(), visible_job(job_id), body["printed"], body.get("error"))


@blp.post("/print-jobs/<id:job_id>/reprint")
@blp.response(201, JobOut)
def reprint(job_id: int) -> PrintJob:
    """Print the same labels again (a new job at the end of the printer's queue)."""
    who = require(Permission.PRINT)
    return printing.reprint(database(), visible_job(job_id), who.user_id)


@blp.post("/print-jobs/<id:job_id>/cancel")
@blp.response(200, JobOut)
def cancel(job_id: int) -> PrintJob:
    """Cancel a job still queued."""
    require(Permission.PRINT)
    return printing.cancel(database(), visible_job(job_id))


def _printer(printer_id: int) -> Printer:
    printer = database().get(Printer, printer_id)
    if printer is None:
        raise NotFound("No such printer.")
    return printer


def visible_job(job_id: int) -> PrintJob:
    """A job the asker may see: staff any, a printer agent its printers' jobs."""
    who = principal()
    if not allowed(who, Permission.PRINT):
        require(Permission.PRINT_AGENT)
    job = database().get(PrintJob, job_id)
    if job is None or not sees_print_job(who, job):
        raise NotFound("No such print job.")
    return job


def _what(body: dict) -> str:
    """What a batch of jobs prints, as its titles begin."""
    for source in ("lot", "box", "request"):
        if source in body:
            return f"{source} {body[source]}"
    if "search" in body:
        return "search"
    return f"{body['barcodes'][0]} and more"


def _title(body: dict, count: int) -> str:
    if "lot" in body or "box" in body:
        return f"{_what(body)}: {count} labels"
    if "request" in body and body.get("template") not in labelling.ITEM_TEMPLATES:
        return f"packing list of request {body['request']}"
    if "request" in body or "search" in body:
        return f"{_what(body)}: {count} labels"
    first = body["barcodes"][0]
    return first if count == 1 else f"{first} and {count - 1} more"
