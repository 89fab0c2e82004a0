"""Label documents: one item's label, or the labels of many items, a lot or a box, as PDF
(rolls or sheets), ZPL, or a PNG / SVG preview."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

import labels
from repository.db import unit_of_work
from repository.errors import ValidationFailed
from repository.schemas.fields import Integer
from repository.schemas.search import ItemSearchQuery
from repository.services import labelling
from repository.vocabulary import LabelTemplate

from ..context import database, principal
from ..policy import Permission, require

blp = Blueprint("labels", __name__, url_prefix="/api/v1", description="Labels.")
FORMATS = ("pdf", "zpl", "png", "svg")
PREVIEWS = ("png", "svg")  # one label each
SOURCES = ("barcodes", "lot", "box", "request", "search")
SORTS = ("location", "barcode")  # storage order (box by box, position by position), or by code
Barcode = fields.String(validate=validate.Length(min=1, max=32))


class SheetIn(Schema):
    """A sheet of labels (instead of a roll, one label per page): a cut-label stock by name
    (its published layout; the labels are laid out at its labels' size), or a grid of `cols`
    x `rows` on `page` with margins in mm (centred where `left` / `top` are not given)."""

    stock = fields.String(validate=validate.OneOf(list(labels.SHEETS)))
    cols = Integer(validate=validate.Range(1, 20))
    rows = Integer(validate=validate.Range(1, 40))
    page = fields.String(load_default="A4", validate=validate.OneOf(list(labels.PAGES)))
    left = fields.Float(validate=validate.Range(0, 100))  # margins, mm
    top = fields.Float(validate=validate.Range(0, 100))
    gap_x = fields.Float(load_default=0, validate=validate.Range(0, 50))
    gap_y = fields.Float(load_default=0, validate=validate.Range(0, 50))
    start = Integer(load_default=1, validate=validate.Range(1, 800))  # first free cell

    @validates_schema
    def _stock_or_grid(self, data: dict, **_: object) -> None:
        if "stock" in data:
            return
        if "cols" not in data or "rows" not in data:
            raise ValidationError("Give a stock, or cols and rows.", "stock")


class LabelSearch(ItemSearchQuery):
    """The items an item search matches (the filters of GET /api/v1/items, or `saved`: a
    saved search of yours), in storage order (`sort=location`) or by code (`barcode`, the
    default)."""

    PAGING = frozenset()
    sort = fields.String(validate=validate.OneOf(SORTS))


class Selection(Schema):
    """Which labels: barcodes, or a lot's items, or a box (its lid, its map, or its items), or
    the items a search matches (at most 10,000), or a request's packing list (or, with an
    item template, its reserved items' labels in storage order); `template` defaults to each
    item's own (vials: cryovial; packets, animals), `box`, or the packing list."""

    barcodes = fields.List(Barcode, validate=validate.Length(min=1, max=labelling.MAX_LABELS))
    lot = Integer()
    box = Barcode
    request = Integer()
    search = fields.Nested(LabelSearch)
    template = fields.Enum(LabelTemplate, by_value=True)

    @validates_schema
    def _one_source(self, data: dict, **_: object) -> None:
        if sum(key in data for key in SOURCES) != 1:
            raise ValidationError(
                "Give exactly one of barcodes, lot, box, search or request.", "barcodes"
            )


class DocumentIn(Selection):
    format = fields.String(load_default="pdf", validate=validate.OneOf(FORMATS))
    dpi = Integer(load_default=300, validate=validate.OneOf([203, 300, 600]))
    sheet = fields.Nested(SheetIn)


class LabelQuery(Schema):
    template = fields.Enum(LabelTemplate, by_value=True)
    format = fields.String(load_default="pdf", validate=validate.OneOf(FORMATS))
    dpi = Integer(load_default=300, validate=validate.OneOf([203, 300, 600]))


def document_response(description: str) -> dict:
    """The OpenAPI description of a binary document response (PDF, ZPL, PNG or SVG)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {media: binary for media in labels.MEDIA_TYPES.values()}
    return {"responses": {"200": {"description": description, "content": content}}}


def selected(body: dict) -> labelling.Selected:
    """What a selection labels (the items' ids; their labels are read as they are drawn)."""
    return labelling.selection(
        database(),
        principal(),
        barcodes=body.get("barcodes"),
        lot=body.get("lot"),
        box=body.get("box"),
        request=body.get("request"),
        search=body.get("search"),
        template=body.get("template"),
        url=current_app.config["LABEL_URL"],
    )


def document(chosen: labelling.Selected, fmt: str, dpi: int, sheet: dict | None = None) -> Response:
    """The document, streamed: its first bytes leave before any but the first label is read
    (the first is drawn beforehand, so that a label the stock cannot hold is a 422, not a
    broken download); the labels are read and drawn a chunk at a time in a read-only unit of
    work of the response's own (the request's has ended when the body is sent)."""
    if fmt in PREVIEWS and chosen.label_count(database()) != 1:
        raise ValidationFailed({"format": [f"A {fmt} preview shows one label: use pdf or zpl."]})
    if fmt == "zpl" and not all(isinstance(t, labels.Label) for t in chosen.things):
        raise ValidationFailed({"format": ["Box maps and packing lists are A4 PDF, not ZPL."]})
    settings = current_app.extensions["biorepo.labels"]
    layout = {}
    if sheet:
        layout["start"] = sheet["start"]
        layout["sheet"] = labels.sheet_of(
            sheet.get("stock") or f"{sheet['cols']}x{sheet['rows']}",
            page=sheet["page"],
            left=sheet.get("left"),
            top=sheet.get("top"),
            gap_x=sheet["gap_x"],
            gap_y=sheet["gap_y"],
        )
    if not chosen.ids:  # documents made whole: a box's lid or map, a packing list
        data = labels.render(chosen.things, fmt, dpi=dpi, settings=settings, **layout)
        return Response(data, mimetype=labels.MEDIA_TYPES[fmt])
    first = list(islice(chosen.labels(database()), 1))
    drawn = labels.render(first, fmt, dpi=dpi, settings=settings, **layout)
    if fmt in PREVIEWS:
        return Response(drawn, mimetype=labels.MEDIA_TYPES[fmt])
    factory = current_app.extensions["biorepo"]

    def pieces() -> Iterator[bytes]:
        with unit_of_work(factory, write=False) as db:
            yield from labels.stream(chosen.labels(db), fmt, dpi=dpi, settings=settings, **layout)

    return Response(pieces(), mimetype=labels.MEDIA_TYPES[fmt])


@blp.get("/items/<string:barcode>/label")
@blp.arguments(LabelQuery, location="query")
@blp.doc(**document_response("The label document."))
def item_label(query: dict, barcode: str) -> Response:
    """One item's label: PDF at the stock size, ZPL for the printer's resolution, or a PNG /
    SVG preview."""
    require(Permission.INVENTORY_READ)
    body = {"barcodes": [barcode], "template": query.get("template")}
    return document(selected(body), query["format"], query["dpi"])


@blp.post("/labels")
@blp.arguments(DocumentIn)
@blp.doc(**document_response("The label document."))
def label_document(body: dict) -> Response:
    """The labels of many items, a lot, a box or the items a search matches (up to 10,000,
    streamed: the document starts at once) in one document: PDF on a roll (one label a page)
    or on a sheet (a grid, from a start cell so half-used sheets are reused), or ZPL; or a
    request's packing list (A4 PDF, a code per item, the terms that travel with it)."""
    require(Permission.INVENTORY_READ)
    return document(selected(body), body["format"], body["dpi"], body.get("sheet"))
