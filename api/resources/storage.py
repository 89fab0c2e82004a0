"""The storage tree: units, a box's grid, free positions, moving whole units, and emptying a
failed freezer into its twin."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from api.schemas.inventory import StorageUnitOut
from repository.errors import ValidationFailed
from repository.exchange import limits
from repository.exchange.rack_scans import read_rack_file
from repository.models import StorageUnit
from repository.schemas.fields import Integer
from repository.schemas.inventory import NewUnit, UnitIn
from repository.services import queries, stocktaking, storage

from ..context import database
from ..policy import Permission, require
from .exchange import UploadBlueprint

blp = UploadBlueprint("storage", __name__, url_prefix="/api/v1/storage", description="Storage.")


class UnitMoveIn(Schema):
    parent = fields.String(required=True, validate=validate.Length(min=1, max=32))
    slot = Integer(validate=validate.Range(min=1, max=10_000))
    note = fields.String(validate=validate.Length(max=5000))


class EvacuateIn(Schema):
    target = fields.String(required=True, validate=validate.Length(min=1, max=32))
    note = fields.String(validate=validate.Length(max=5000))


class EvacuateOut(Schema):
    moved = Integer()


class SpaceQuery(Schema):
    temperature = fields.Float(required=True, validate=validate.Range(-273, 100))
    count = Integer(required=True, validate=validate.Range(1, 10_000))
    contiguous = fields.Boolean(load_default=False)


class PlaceOut(Schema):
    container = fields.Function(lambda p: p.container.barcode)
    box = fields.Function(lambda p: p.container.name)
    row = Integer()
    col = Integer()
    position = fields.String(attribute="label")


class GridOut(Schema):
    box = fields.Nested(StorageUnitOut)
    rows = fields.List(fields.List(fields.Dict(allow_none=True)))


@blp.post("")
@blp.arguments(UnitIn)
@blp.response(201, StorageUnitOut)
def create(command: NewUnit) -> object:
    """A new storage unit under `parent` (a barcode; none for a site)."""
    require(Permission.STORAGE)
    return storage.create_unit(database(), command)


@blp.get("/free-positions")
@blp.arguments(SpaceQuery, location="query")
@blp.response(200, PlaceOut(many=True))
def free_positions(query: dict) -> list:
    """N free box positions at a temperature (fullest boxes first), contiguous if asked."""
    require(Permission.INVENTORY_READ)
    db = database()
    return storage.find_free_positions(
        db, query["temperature"], query["count"], contiguous=query["contiguous"]
    )


@blp.get("/<string:barcode>")
@blp.response(200, StorageUnitOut)
def get(barcode: str) -> object:
    """A storage unit, with its parent and children."""
    require(Permission.INVENTORY_READ)
    db = database()
    unit = storage.get_unit(db, barcode)
    return unit


@blp.get("/<string:barcode>/grid")
@blp.response(200, GridOut)
def grid(barcode: str) -> dict:
    """A box as rows of cells, each the item there or null."""
    require(Permission.INVENTORY_READ)
    db = database()
    box = storage.get_unit(db, barcode)
    return {"box": box, "rows": queries.box_grid(db, box)}


@blp.post("/<string:barcode>/move")
@blp.arguments(UnitMoveIn)
@blp.response(200, StorageUnitOut)
def move(body: dict, barcode: str) -> StorageUnit:
    """Move a box, rack or freezer with everything in it; every item keeps its position."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    unit = storage.get_unit(db, barcode)
    storage.move_unit(
        db, unit, storage.get_unit(db, body["parent"]), body.get("slot"), body.get("note")
    )
    return unit


@blp.post("/<string:barcode>/evacuate")
@blp.arguments(EvacuateIn)
@blp.response(200, EvacuateOut)
def evacuate(body: dict, barcode: str) -> dict:
    """Empty a failed freezer into an identically laid out one, keeping every position."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    moved = storage.evacuate(
        db,
        storage.get_unit(db, barcode),
        storage.get_unit(db, body["target"]),
        body.get("note"),
    )
    return {"moved": moved}


class RackScanQuery(Schema):
    apply = fields.Boolean(load_default=False)
    version = fields.String(validate=validate.Length(min=1, max=64))


class RackScanIn(Schema):
    """A rack scanner's file as an upload (`file`) or as text (`lines`), and a note for the
    history of what applying changes. Neither is required by the schema, so that a refusal
    of the permission comes first."""

    file = Upload()
    lines = fields.String(validate=validate.Length(max=limits.RACK_FILE))
    note = fields.String(validate=validate.Length(max=5000))


class RackEntryOut(Schema):
    seen = fields.String()
    position = fields.String()
    row = Integer()
    col = Integer()
    tube = fields.String(allow_none=True)
    was = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    line = Integer(allow_none=True)


class RackScanOut(Schema):
    box = fields.String()
    version = fields.String()
    applied = fields.Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    entries = fields.List(fields.Nested(RackEntryOut))


@blp.post("/<string:barcode>/rack-scan")
@blp.arguments(RackScanQuery, location="query")
@blp.arguments(RackScanIn, location="files")
@blp.response(200, RackScanOut)
def rack_scan(query: dict, form: dict, barcode: str) -> dict:
    """Compare a box with a rack scanner's file (one line per position: rack, position such as
    A01, tube code, or NO TUBE / NO READ; CSV with or without a header, `,` `;` or tab):
    matched, moved within the box, arrived from elsewhere (with where it was), unknown code,
    missing (in the records, read nowhere) and no read. With `apply=true`, apply it in one step
    (the moved and arrived placed where read, the missing marked missing, missing ones read
    again found, the box's last count recorded), refused with a 409 if the box changed since
    the verify that gave `version`. A bad file is a 422 naming each line. Staff."""
    require(Permission.INVENTORY_WRITE if query["apply"] else Permission.INVENTORY_READ)
    data = rack_bytes(form.get("file"), form.get("lines"))
    return rack_scan_of(
        database(), barcode, data, query["apply"], query.get("version"), form.get("note")
    )


def rack_bytes(upload: FileStorage | None, lines: str | None) -> bytes:
    """A rack file's bytes from an upload or from its lines given as text (the API and the
    page); an upload is read up to one byte past the limit, which says it is past it."""
    if upload is not None:
        return upload.read(limits.RACK_FILE + 1)
    if lines is not None:
        return lines.encode()
    raise ValidationFailed({"file": ["Give the rack file (file) or its lines (lines)."]})


def rack_scan_of(
    db: Session,
    barcode: str,
    data: bytes,
    apply: bool,
    version: str | None,
    note: str | None = None,
) -> dict[str, Any]:
    """A rack file verified against the box `barcode`, or applied to it (the API and the page)."""
    box = stocktaking.rack_box(db, barcode)
    rack = read_rack_file(data, box.rows or 0, box.cols or 0)
    stocktaking.check_rack(db, box, rack)
    if apply:
        if version is None:
            raise ValidationFailed({"version": ["Give the version of the verify to apply."]})
        comparison = stocktaking.apply(db, box, rack.scans, version, note)
    else:
        comparison = stocktaking.verify(db, box, rack.scans)
    return {
        "box": comparison.box,
        "version": comparison.version,
        "applied": apply,
        "counts": comparison.counts,
        "entries": comparison.entries,
    }
