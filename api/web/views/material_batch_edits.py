"""The batch edit pages of materials: the materials of a search (among the collections one
curates) take the same changes at once — choose them, preview every material's fields before
and after (refusals first, a page at a time), commit; or upload a sheet keyed by accession
number; a batch's page lists its materials and undoes it. The item pages' twins, on the same
templates' parts."""

from __future__ import annotations

import dataclasses
from math import ceil
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from repository.errors import DomainError
from repository.exchange.batch_sheets import MATERIALS
from repository.exchange.problems import ImportRejected
from repository.models import ItemBatch
from repository.schemas.batch_edits import UndoIn
from repository.schemas.material_batch_edits import MaterialBatchEditIn, MaterialFilters
from repository.schemas.materials import KIND_FIELDS, MaterialPatchSchema
from repository.services import material_batch_edits
from repository.vocabulary import AbsStatus, AccessLevel, MaterialKind

from ...context import database
from ...policy import Permission, require
from ...resources.batch_edits import sheet_of
from .. import forms
from ..inputs import LABELS, Input, inputs
from ..pages import attempt, back, refused, show
from ..terms import term

TEMPLATE = "material_batch_edit.html"
CHANGES = (
    "access_level",
    "risk_group",
    "abs_status",
    "abs_permits",
    "ipr",
    "restrictions_on_use",
    "remarks",
    "internal_remarks",
)
SHOWN = {
    "changes.access_level": _l("Access level"),
    "changes.risk_group": _l("Risk group"),
    "changes.abs_status": _l("ABS (Nagoya) status"),
    "changes.abs_permits": _l("ABS permits"),
    "changes.ipr": _l("Intellectual property"),
    "changes.restrictions_on_use": _l("Restrictions on use"),
    "changes.remarks": _l("Remarks"),
    "changes.internal_remarks": _l("Internal remarks"),
    "changes": _l("Changes"),
    "q": _l("Text"),
    "kind": _l("Kind"),
    "collection": _l("Collection"),
    "skip_refused": _l("Leave out the materials that cannot take the changes"),
    "search": _l("Search"),
    "materials": _l("Materials"),
    "file": _l("Sheet of changes (CSV)"),
    "problems": _l("Sheet of changes (CSV)"),
} | {
    f"changes.{name}": LABELS.get(name, name.replace("_", " "))
    for names in KIND_FIELDS.values()
    for name in names
}
YES_NO = [("true", _l("Yes")), ("false", _l("No"))]


def _kind_inputs(kind: str | None) -> list[Input]:
    """The inputs of the own fields of the kind the search chooses (none without one): a
    yes/no as a choice, since a box left unticked would say nothing."""
    if kind not in set(MaterialKind):
        return []
    return [
        dataclasses.replace(i, type="select", options=YES_NO) if i.type == "checkbox" else i
        for i in inputs(MaterialPatchSchema, list(KIND_FIELDS[MaterialKind(kind)]))
    ]


def _body(source: MultiDict[str, str]) -> dict[str, Any]:
    """A batch edit in the API's terms from a page's query or form."""
    names = [*CHANGES, *(i.name for i in _kind_inputs(source.get("kind", "").strip()))]
    changes = {
        name: source.get(f"changes.{name}", "").strip()
        for name in names
        if source.get(f"changes.{name}", "").strip()
    }
    page = source.get("page", "1").strip()
    return {
        "search": forms.given(source, MaterialFilters._declared_fields),
        "changes": changes,
        "skip_refused": source.get("skip_refused") == "on",
        "page": page or "1",
    }


def _values(body: dict[str, Any]) -> dict[str, Any]:
    form = {f"changes.{k}": v for k, v in body["changes"].items()} | body["search"]
    if body["skip_refused"]:
        form["skip_refused"] = "on"

    def of(vocabulary: Any, name: str) -> list[tuple[str, str]]:
        return [("", "")] + [(m.value, term(m, name)) for m in vocabulary]

    return {
        "form": form,
        "filters": forms.pairs(body["search"]),
        "levels": of(AccessLevel, "access_level"),
        "abs_statuses": of(AbsStatus, "abs_status"),
        "kinds": of(MaterialKind, "kind"),
        "kind_fields": _kind_inputs(body["search"].get("kind")),
        "labels": SHOWN,
        "preview": None,
    }


def _refused(error: DomainError, values: dict[str, Any]) -> tuple[str, int]:
    shown = {k: v for k, v in values.items() if k != "form"}
    if isinstance(error, ImportRejected):
        return show(TEMPLATE, 422, form=values["form"], report=error.report, **shown)
    return refused(TEMPLATE, error, form_values=values["form"], **shown)


def edit_page() -> tuple[str, int]:
    """Choose the materials and the changes; with changes chosen, the preview."""
    who = require(Permission.REGISTER)
    body = _body(request.args)
    values = _values(body)
    if not body["changes"]:
        return show(TEMPLATE, **values)
    try:
        command = forms.load_data(MaterialBatchEditIn, body)
        preview = material_batch_edits.preview(database(), who, command)
    except DomainError as error:
        return _refused(error, values)
    given = [(k, v) for k, v in values["form"].items() if k.startswith("changes.")]

    def page_url(number: int) -> str:
        query = [*values["filters"], *given, ("page", number)]
        return f"{url_for('web.material_batch_edit')}?{urlencode(query)}"

    pages = ceil(preview.matched / preview.page_size)
    return show(TEMPLATE, **{**values, "preview": preview, "pages": pages, "page_url": page_url})


def commit() -> Response | tuple[str, int]:
    """Commit the batch edit the page previewed; then its page."""
    who = require(Permission.REGISTER)
    body = _body(request.form)
    made: list[ItemBatch] = []

    def write() -> None:
        command = forms.load_data(MaterialBatchEditIn, body)
        made.append(material_batch_edits.commit(database(), who, command))

    error = attempt(write)
    if error is not None:
        return _refused(error, _values(body))
    return back("web.material_batch", batch_id=made[0].id)


def sheet() -> Response | tuple[str, int]:
    """A sheet of changes uploaded: its preview, or, to commit, applied as a batch."""
    who = require(Permission.REGISTER)
    values = {**_values(_body(request.form)), "sheet": True}
    skip = request.form.get("skip_refused") == "on"
    if request.form.get("action") == "commit":
        made: list[ItemBatch] = []

        def write() -> None:
            read = sheet_of(request.files.get("file"), MATERIALS)
            made.append(material_batch_edits.commit_sheet(database(), who, read, skip))

        error = attempt(write)
        if error is not None:
            return _refused(error, values)
        return back("web.material_batch", batch_id=made[0].id)
    try:
        read = sheet_of(request.files.get("file"), MATERIALS)
        preview = material_batch_edits.preview_sheet(database(), who, read)
    except DomainError as error:
        return _refused(error, values)
    return show(TEMPLATE, **{**values, "preview": preview, "pages": 1})


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def batch_page(batch_id: int) -> tuple[str, int]:
    """A batch edit of materials: the counts, a page of its materials, and the undo."""
    who = require(Permission.REGISTER)
    number = _page()
    seen = material_batch_edits.view(database(), who, batch_id, number)
    pages = ceil(seen.total / seen.page_size)
    values: dict[str, Any] = {"seen": seen, "pages": pages, "page": number, "labels": SHOWN}
    return show("material_batch.html", form={}, **values)


def undo(batch_id: int) -> Response | tuple[str, int]:
    """Undo a batch edit of materials (all of it, or only those not changed since)."""
    who = require(Permission.REGISTER)
    given = {"only_unchanged": request.form.get("only_unchanged") == "on"}

    def run() -> None:
        material_batch_edits.undo(database(), who, batch_id, forms.load_data(UndoIn, given))

    error = attempt(run)
    if error is not None:
        seen = material_batch_edits.view(database(), who, batch_id)
        pages = ceil(seen.total / seen.page_size)
        values: dict[str, Any] = {"seen": seen, "pages": pages, "page": 1, "labels": SHOWN}
        return refused("material_batch.html", error, form_values=given, **values)
    return back("web.material_batch", batch_id=batch_id)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/materials/batch-edit", "material_batch_edit", edit_page)
    web.add_url_rule("/materials/batch-edit", "material_batch_commit", commit, methods=["POST"])
    web.add_url_rule("/materials/batch-edit/sheet", "material_batch_sheet", sheet, methods=["POST"])
    web.add_url_rule("/materials/batch-edits/<id:batch_id>", "material_batch", batch_page)
    web.add_url_rule(
        "/materials/batch-edits/<id:batch_id>/undo",
        "material_batch_undo",
        undo,
        methods=["POST"],
    )
