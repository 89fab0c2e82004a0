"""The labels of an item, a lot or a box: template, preview, print on a printer or download the
PDF; the print jobs with their status and last error, reprint and cancel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.wrappers import Response

from labels import LabelError
from repository.errors import DomainError, NotFound, ValidationFailed
from repository.models import Lot, Printer, PrintJob
from repository.schemas.fields import Integer
from repository.services import labelling, printing
from repository.vocabulary import PrintJobStatus

from ...context import database
from ...policy import Permission, require
from ...resources.labels import document, selected
from ...resources.printing import JobIn, queue, visible_job
from ..pages import attempt, back, refused, safe_next, show

Code = fields.String(validate=validate.Length(min=1, max=32))
# What a ZPL printer cannot print (printing.SHEETS), in the user's words.
SHEETS = {"box map": _l("a box map"), "packing list": _l("a packing list")}


class Source(Schema):
    """What to label: one item, a lot or a box; a template; the document's format."""

    item = Code
    lot = Integer()
    box = Code
    template = fields.String(validate=validate.OneOf(labelling.TEMPLATES))
    format = fields.String(load_default="pdf", validate=validate.OneOf(["pdf", "png"]))


def _source(args: Any) -> dict[str, Any]:
    """The selection (in the API's terms) a page's query or form names."""
    given = {k: v for k, v in args.items() if k in Source._declared_fields and v.strip()}
    try:
        found = Source().load(given)
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None
    picked = {k: found[k] for k in ("item", "lot", "box") if k in found}
    if len(picked) != 1:
        raise NotFound(_("Choose one item, lot or box to label."))
    body = {"barcodes": [picked["item"]]} if "item" in picked else dict(picked)
    if "template" in found:
        body["template"] = found["template"]
    return {"body": body, "format": found["format"], "key": picked}


def _title_prefix(key: dict[str, Any]) -> str:
    """How the print jobs of this source start their title (see the API's job titles)."""
    if "lot" in key:
        return f"lot {key['lot']}:"
    if "box" in key:
        return f"box {key['box']}:"
    return str(key["item"])


def _values(source: dict[str, Any]) -> dict[str, Any]:
    db = database()
    key = source["key"]
    templates = labelling.TEMPLATES if "box" in key else labelling.ITEM_TEMPLATES
    jobs = db.scalars(
        select(PrintJob)
        .where(PrintJob.title.startswith(_title_prefix(key), autoescape=True))
        .order_by(PrintJob.id.desc())
        .limit(20)
    ).all()
    printers = db.scalars(select(Printer).where(Printer.active).order_by(Printer.name)).all()
    return {
        "key": key,
        "what": next(iter(key)),
        "code": next(iter(key.values())),
        "chosen": source["body"].get("template", ""),
        "templates": [(t, t) for t in templates],
        "printers": [(p.name, f"{p.name} · {p.protocol.value.upper()}") for p in printers],
        "jobs": jobs,
        "lot": db.get(Lot, key["lot"]) if "lot" in key else None,
        "count": len(selected(source["body"])),
        "queued": PrintJobStatus.QUEUED,
        "waiting": _waiting,
    }


def _waiting(job: PrintJob) -> str | None:
    """Why a queued job is not printed yet, and what to do, in the user's words."""
    why = printing.waiting_for(job)
    if why is printing.Waiting.SWITCHED_OFF:
        return _(
            "Printer %(printer)s is switched off in biorepo; an administrator can switch it on"
            " again.",
            printer=job.printer.name,
        )
    if why is printing.Waiting.AGENT:
        return _(
            "Waiting for the printer's agent (%(agent)s) to fetch it: check that the agent runs"
            " on the computer beside the printer.",
            agent=job.printer.agent.email if job.printer.agent else "?",
        )
    delivery = _(
        "Print jobs are sent by the delivery worker, which `make run` does not start: run"
        " `biorepo printers work` beside the server (`--once` sends what is queued now)."
    )
    if why is printing.Waiting.RETRYING:
        return " ".join(
            (
                _(
                    "The last try failed (see the last error); the next try is from %(time)s UTC."
                    " Check that the printer is on and reachable.",
                    time=job.next_attempt_at.strftime("%H:%M"),
                ),
                delivery,
            )
        )
    if why is printing.Waiting.DELIVERY:
        return " ".join((_("Waiting to be sent to the printer."), delivery))
    return None


def _refusal(error: DomainError) -> DomainError:
    """A printer that cannot print the document, said in the user's words and language."""
    if not isinstance(error, printing.WrongPrinter):
        return error
    message = _(
        "This printer takes ZPL labels; %(document)s needs a PDF printer.",
        document=SHEETS[error.document],
    )
    return ValidationFailed({"printer": [message]}, message)


def page() -> tuple[str, int]:
    """The labels of ?item=, ?lot= or ?box= (with ?template=)."""
    require(Permission.PRINT)
    return show("labels.html", form=request.args, **_values(_source(request.args)))


def preview() -> Response:
    """The document (PDF) or a preview of the first label (PNG) for an <img>."""
    require(Permission.PRINT)
    source = _source(request.args)
    things = selected(source["body"])
    if source["format"] == "png":
        things = things[:1]
    return document(things, source["format"], 300)


def print_labels() -> Response | tuple[str, int]:
    require(Permission.PRINT)
    source = _source(request.form)

    made: list[PrintJob] = []

    def submit() -> None:
        body = {**source["body"], "printer": request.form.get("printer", "")}
        try:
            made.append(queue(JobIn().load(body)))
        except ValidationError as error:
            raise ValidationFailed(error.normalized_messages()) from None
        except LabelError as error:  # e.g. a code too big for the stock: said on the form
            raise ValidationFailed({"template": [str(error)]}) from None

    error = attempt(submit)
    if error is not None:
        return refused("labels.html", _refusal(error), **_values(source))
    return back("web.labels", **source["key"], queued=made[0].id)


def job_action(job_id: int, action: str) -> Response:
    """Reprint a job, or cancel it while queued; then back to the page it was done from."""
    who = require(Permission.PRINT)
    job = visible_job(job_id)
    if action == "reprint":
        printing.reprint(database(), job, who.user_id)
    elif action == "cancel":
        printing.cancel(database(), job)
    else:
        raise NotFound(_("No such action."))
    target = safe_next(request.form.get("next"))
    joiner = "&" if "?" in target else "?"
    return redirect(f"{target}{joiner}done={action}", code=303)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/labels", "labels", page)
    web.add_url_rule("/labels/document", "label_document", preview)
    web.add_url_rule("/labels/print", "print_labels", print_labels, methods=["POST"])
    web.add_url_rule(
        "/labels/jobs/<id:job_id>/<action>", "job_action", job_action, methods=["POST"]
    )
