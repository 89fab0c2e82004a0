"""The labels of an item, a lot, a box or an item search: template, preview, print on a printer
or download the PDF; the print jobs with their status and last error, reprint and cancel; a
batch's progress."""

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
from ...resources.labels import SORTS, LabelSearch, Selection, document, selected
from ...resources.printing import JobIn, queue, visible_job
from .. import forms
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
        "count": selected(source["body"]).label_count(db),
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
        "Print jobs are sent by a background worker (`biorepo worker`; `make run` starts one"
        " beside the server): check that one runs."
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
    chosen = selected(source["body"])
    if source["format"] == "png":
        chosen, _ = next(chosen.parts(database(), 1))
    return document(chosen, source["format"], 300)


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


# The orders the labels of a search come in, in the user's words.
ORDERS = {
    "location": _l("Storage order (box by box, position by position)"),
    "barcode": _l("By code"),
}


def _search(args: Any) -> dict[str, Any]:
    """The labels of an item search (its filters, or `saved`: a saved search) that a page's
    query or form names, in the API's terms; the order and template the page chose."""
    values = forms.given(args, LabelSearch._declared_fields)
    if values.get("sort") not in SORTS:  # the search page's other sorts: the page's default
        values.pop("sort", None)
    raw: dict[str, Any] = {"search": values}
    template = (args.get("template") or "").strip()
    if template:
        raw["template"] = template
    return {"raw": raw, "pairs": forms.pairs({k: v for k, v in values.items() if k != "sort"})}


def _search_values(source: dict[str, Any]) -> dict[str, Any]:
    db = database()
    printers = db.scalars(select(Printer).where(Printer.active).order_by(Printer.name)).all()
    return {
        "filters": source["pairs"],
        "form_values": _chosen(source),
        "orders": [(key, ORDERS[key]) for key in SORTS],
        "templates": [(t, t) for t in labelling.ITEM_TEMPLATES],
        "printers": [(p.name, f"{p.name} · {p.protocol.value.upper()}") for p in printers],
        "count": 0,
        "query": [*source["pairs"], *((k, v) for k, v in _chosen(source).items())],
    }


def _chosen(source: dict[str, Any]) -> dict[str, str]:
    """The order and template chosen (the order as the page shows it: storage order first)."""
    search = source["raw"]["search"]
    chosen = {"sort": search.get("sort", SORTS[0])}
    if "template" in source["raw"]:
        chosen["template"] = source["raw"]["template"]
    return chosen


def _with_order(source: dict[str, Any]) -> dict[str, Any]:
    """The selection with the page's order (storage order unless another is chosen)."""
    search = {**source["raw"]["search"], "sort": _chosen(source)["sort"]}
    return {**source["raw"], "search": search}


def search_labels_page() -> tuple[str, int]:
    """The labels of every item a search matches (?<the item search's filters> or ?saved=):
    how many, in which order and template; download them (PDF) or print them."""
    require(Permission.PRINT)
    source = _search(request.args)
    values = _search_values(source)
    try:
        chosen = selected(forms.load_data(Selection, _with_order(source)))
        values["count"] = chosen.label_count(database())
    except DomainError as error:
        return refused("search_labels.html", error, **values)
    return show("search_labels.html", form=values.pop("form_values"), **values)


def search_labels_document() -> Response:
    """The search's labels as one PDF, streamed (it starts at once, however many)."""
    require(Permission.PRINT)
    body = forms.load_data(Selection, _with_order(_search(request.args)))
    return document(selected(body), "pdf", 300)


def search_labels_print() -> Response | tuple[str, int]:
    """Queue the search's labels on a printer (a batch of jobs when there are many), then
    follow them on the batch's page."""
    require(Permission.PRINT)
    source = _search(request.form)
    made: list[PrintJob] = []

    def submit() -> None:
        body = {**_with_order(source), "printer": request.form.get("printer", "")}
        try:
            made.append(queue(forms.load_data(JobIn, body)))
        except LabelError as error:
            raise ValidationFailed({"template": [str(error)]}) from None

    error = attempt(submit)
    if error is not None:
        return refused("search_labels.html", _refusal(error), **_search_values(source))
    return back("web.label_batch", job_id=made[0].id)


def batch_page(job_id: int) -> tuple[str, int]:
    """Where a print job, or the batch of jobs it belongs to, stands: labels printed of all,
    still queued, failing; the page looks again every few seconds until none is queued."""
    require(Permission.PRINT)
    job = visible_job(job_id)
    done = printing.progress(database(), job)
    waiting = database().scalar(
        select(PrintJob)
        .where(PrintJob.printer_id == job.printer_id, PrintJob.status == PrintJobStatus.QUEUED)
        .where(PrintJob.id >= done.batch)
        .order_by(PrintJob.id)
        .limit(1)
    )
    why = _waiting(waiting) if waiting is not None and not done.done else None
    return show("label_batch.html", job=job, progress=done, why=why)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/labels", "labels", page)
    web.add_url_rule("/labels/document", "label_document", preview)
    web.add_url_rule("/labels/print", "print_labels", print_labels, methods=["POST"])
    web.add_url_rule(
        "/labels/jobs/<id:job_id>/<action>", "job_action", job_action, methods=["POST"]
    )
    web.add_url_rule("/labels/search", "search_labels", search_labels_page)
    web.add_url_rule("/labels/search/document", "search_labels_document", search_labels_document)
    web.add_url_rule(
        "/labels/search/print", "search_labels_print", search_labels_print, methods=["POST"]
    )
    web.add_url_rule("/labels/batches/<id:job_id>", "label_batch", batch_page)
