"""The batch edit pages: the items of a search (from the item search page) take the same
changes at once — choose them, preview every item's values before and after (refusals first,
a page at a time), commit; a batch's page lists its items and undoes it."""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from repository.errors import DomainError
from repository.exchange.problems import ImportRejected
from repository.models import ItemBatch
from repository.schemas.batch_edits import BatchEditIn, UndoIn
from repository.schemas.search import ItemSearchIn
from repository.services import batch_edits
from repository.vocabulary import EDITABLE_STATUSES

from ...context import database
from ...policy import Permission, require
from ...resources.batch_edits import sheet_of
from .. import forms
from ..pages import attempt, back, refused, show
from ..terms import term
from .search import LABELS

CHANGES = ("status", "quantity", "note")
SHOWN = {
    "changes.status": _l("New status"),
    "changes.quantity": _l("Quantity left"),
    "changes.note": _l("Note (the reason of a destruction)"),
    "skip_refused": _l("Leave out the items that cannot take the changes"),
    "search": _l("Search"),
    "items": _l("Items"),
    "file": _l("Sheet of changes (CSV)"),
    "problems": _l("Sheet of changes (CSV)"),
    **{name: label for name, label in LABELS.items()},
}


def _body(source: MultiDict[str, str]) -> dict[str, Any]:
    """A batch edit in the API's terms from a page's query or form: the search's filters (or a
    saved search), the changes given, whether refused items are left out, the page."""
    changes = {
        name: source.get(f"changes.{name}", "").strip()
        for name in CHANGES
        if source.get(f"changes.{name}", "").strip()
    }
    body: dict[str, Any] = {
        "search": forms.given(source, ItemSearchIn._declared_fields),
        "changes": changes,
        "skip_refused": source.get("skip_refused") == "on",
    }
    page = source.get("page", "1").strip()
    body["page"] = page if page else "1"
    return body


def _values(body: dict[str, Any]) -> dict[str, Any]:
    """What the page shows besides the preview: the form, the search as links and hidden
    inputs, the statuses an edit sets."""
    form = {f"changes.{k}": v for k, v in body["changes"].items()}
    if body["skip_refused"]:
        form["skip_refused"] = "on"
    filters = forms.pairs(body["search"])
    return {
        "form": form,
        "filters": filters,
        "statuses": [(s.value, term(s, "status")) for s in EDITABLE_STATUSES],
        "labels": SHOWN,
        "preview": None,
    }


def _refused(error: DomainError, values: dict[str, Any]) -> tuple[str, int]:
    """The page again with what was wrong and the changes as typed."""
    shown = {k: v for k, v in values.items() if k != "form"}
    if isinstance(error, ImportRejected):  # a bad sheet: its problems, line by line
        return show("batch_edit.html", 422, form=values["form"], report=error.report, **shown)
    return refused("batch_edit.html", error, form_values=values["form"], **shown)


def edit_page() -> tuple[str, int]:
    """Choose the changes for the items of a search; with changes chosen, the preview."""
    who = require(Permission.INVENTORY_WRITE)
    body = _body(request.args)
    values = _values(body)
    if not body["changes"]:
        return show("batch_edit.html", **values)
    try:
        command = forms.load_data(BatchEditIn, body)
        preview = batch_edits.preview(database(), who, command)
    except DomainError as error:
        return _refused(error, values)
    changes = [(k, v) for k, v in values["form"].items() if k != "skip_refused"]
    pages = ceil(preview.matched / preview.page_size)

    def page_url(number: int) -> str:
        query = [*values["filters"], *changes, ("page", number)]
        return f"{url_for('web.batch_edit')}?{urlencode(query)}"

    return show(
        "batch_edit.html", **{**values, "preview": preview, "pages": pages, "page_url": page_url}
    )


def commit() -> Response | tuple[str, int]:
    """Commit the batch edit the page previewed; then its page."""
    who = require(Permission.INVENTORY_WRITE)
    body = _body(request.form)
    made: list[ItemBatch] = []

    def write() -> None:
        made.append(batch_edits.commit(database(), who, forms.load_data(BatchEditIn, body)))

    error = attempt(write)
    if error is not None:
        values = _values(body)
        return _refused(error, values)
    return back("web.batch", batch_id=made[0].id)


def sheet() -> Response | tuple[str, int]:
    """A sheet of changes uploaded: its preview (the counts, the first page of its lines,
    refused first), or, to commit, applied as a batch; then the batch's page."""
    who = require(Permission.INVENTORY_WRITE)
    values = _values(_body(request.form))
    skip = request.form.get("skip_refused") == "on"
    if request.form.get("action") == "commit":
        made: list[ItemBatch] = []

        def write() -> None:
            read = sheet_of(request.files.get("file"))
            made.append(batch_edits.commit_sheet(database(), who, read, skip))

        error = attempt(write)
        if error is not None:
            return _refused(error, {**values, "sheet": True})
        return back("web.batch", batch_id=made[0].id)
    try:
        preview = batch_edits.preview_sheet(database(), who, sheet_of(request.files.get("file")))
    except DomainError as error:
        return _refused(error, {**values, "sheet": True})
    return show("batch_edit.html", **{**values, "preview": preview, "pages": 1, "sheet": True})


def batch_page(batch_id: int) -> tuple[str, int]:
    """A batch edit: who, when, what it was given, the counts, a page of its items (before,
    after, changed since), and the undo."""
    who = require(Permission.INVENTORY_READ)
    try:
        number = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    seen = batch_edits.view(database(), who, batch_id, number)
    pages = ceil(seen.total / seen.page_size)
    return show("batch.html", seen=seen, pages=pages, page=number, form={}, labels=SHOWN)


def undo(batch_id: int) -> Response | tuple[str, int]:
    """Undo a batch edit (all of it, or only the items not changed since)."""
    who = require(Permission.INVENTORY_WRITE)
    given = {"only_unchanged": request.form.get("only_unchanged") == "on"}

    def run() -> None:
        batch_edits.undo(database(), who, batch_id, forms.load_data(UndoIn, given))

    error = attempt(run)
    if error is not None:
        seen = batch_edits.view(database(), who, batch_id)
        pages = ceil(seen.total / seen.page_size)
        return refused(
            "batch.html", error, seen=seen, pages=pages, page=1, labels=SHOWN, form_values=given
        )
    return back("web.batch", batch_id=batch_id)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/items/batch-edit", "batch_edit", edit_page)
    web.add_url_rule("/items/batch-edit", "batch_commit", commit, methods=["POST"])
    web.add_url_rule("/items/batch-edit/sheet", "batch_sheet", sheet, methods=["POST"])
    web.add_url_rule("/items/batch-edits/<id:batch_id>", "batch", batch_page)
    web.add_url_rule("/items/batch-edits/<id:batch_id>/undo", "batch_undo", undo, methods=["POST"])
