"""The storage tree: units, a box's grid, free positions, moving whole units, and emptying a
failed freezer into its twin."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from api.schemas.inventory import ItemOut, StorageUnitOut
from repository.errors import ValidationFailed
from repository.exchange import limits
from repository.exchange.rack_scans import read_rack_file
from repository.models import StorageUnit
from repository.schemas.fields import Boolean, Integer
from repository.schemas.inventory import NewUnit, RackLot, RackLotIn, UnitIn, rack_lot
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
    contiguous = Boolean(load_default=False)


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
    apply = Boolean(load_default=False)
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
    container = fields.String(allow_none=True)
    position = fields.String()
    row = Integer(allow_none=True)
    col = Integer(allow_none=True)
    tube = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    was = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    line = Integer(allow_none=True)


class RackScanOut(Schema):
    box = fields.String()
    version = fields.String()
    applied = Boolean()
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


class StocktakeIn(Schema):
    """What was read in a box, rack or freezer: a hand scanner's codes, one per line (`codes`:
    a container's code, then the tubes read in it), and the rack scanner's files of its boxes
    (`racks`, each naming its box); a note for the history of what applying changes."""

    codes = fields.String(validate=validate.Length(max=limits.RACK_FILE))
    racks = fields.List(Upload(), validate=validate.Length(max=limits.STOCKTAKE_RACKS))
    note = fields.String(validate=validate.Length(max=5000))


class StocktakeOut(RackScanOut):
    counted = Integer()


@blp.post("/<string:barcode>/stocktake")
@blp.arguments(RackScanQuery, location="query")
@blp.arguments(StocktakeIn, location="files")
@blp.response(200, StocktakeOut)
def stocktake(query: dict, form: dict, barcode: str) -> dict:
    """Stocktaking of a box, a rack or a freezer (everything under it): compare its records
    with what was read, by a hand scanner (`codes`, one per line; the code of a unit within it
    says where the tubes after it were read) and by a rack scanner (`racks`, one file per box,
    each naming its box), the same comparison as a box's rack scan: matched, moved within what
    was counted, arrived from elsewhere, unknown, missing (in the records, read nowhere) and no
    read. With `apply=true`, apply it in one step (the moved and arrived placed where they
    were read, the missing marked missing, missing ones read again found, every unit counted
    recording its count), refused with a 409 if the records changed since the verify that gave
    `version`. A bad file or code is a 422 naming it. Staff."""
    require(Permission.INVENTORY_WRITE if query["apply"] else Permission.INVENTORY_READ)
    racks = [uploaded(f, "racks") for f in form.get("racks", [])]
    codes = form.get("codes")
    return stocktake_of(
        database(),
        barcode,
        codes.encode() if codes is not None else None,
        racks,
        query["apply"],
        query.get("version"),
        form.get("note"),
    )


def stocktake_of(
    db: Session,
    barcode: str,
    codes: bytes | None,
    racks: list[bytes],
    apply: bool,
    version: str | None,
    note: str | None = None,
) -> dict[str, Any]:
    """What was read in the unit `barcode` compared with its records, or applied (the API and
    the page)."""
    unit = storage.get_unit(db, barcode)
    reads = stocktaking.stocktake_reads(db, unit, codes, racks)
    return _compared(db, unit, reads, apply, version, note)


def _compared(
    db: Session,
    unit: StorageUnit,
    reads: list[stocktaking.Read],
    apply: bool,
    version: str | None,
    note: str | None,
) -> dict[str, Any]:
    if apply:
        if version is None:
            raise ValidationFailed({"version": ["Give the version of the verify to apply."]})
        comparison = stocktaking.apply_reads(db, unit, reads, version, note)
    else:
        comparison = stocktaking.compare(db, unit, reads)
    return {
        "box": comparison.box,
        "version": comparison.version,
        "applied": apply,
        "counted": comparison.counted,
        "counts": comparison.counts,
        "entries": comparison.entries,
    }


class RackRegisterIn(RackLotIn):
    """A new rack's file (`file` or `lines`) and the lot its new tubes make: the material and
    the fields of a lot, but the count (one item per tube not known yet). Read partially, so
    that a refusal of the permission comes first; the required fields are checked after it."""

    file = Upload()
    lines = fields.String(validate=validate.Length(max=limits.RACK_FILE))


REGISTER_FORM = RackRegisterIn(partial=True)


@blp.post("/<string:barcode>/rack-register")
@blp.arguments(REGISTER_FORM, location="files")
@blp.response(201, ItemOut(many=True))
def rack_register(form: dict, barcode: str) -> list:
    """Register a new rack's tubes: the tubes of the box's rack file that no item has yet
    become a new lot of the material (`material_id`, and `method`, `preserved_on`, `quantity`,
    `unit`, `form` and the other fields of a new lot but its count), one item per tube at the
    position it was read, the code read its tube code. All or nothing: a code that is a
    misread label or another record's code, a position taken by another item, or a file with
    no new tube is refused. Staff."""
    require(Permission.INVENTORY_WRITE)
    return register_of(database(), barcode, form)


def register_of(db: Session, barcode: str, form: dict[str, Any]) -> list:
    """The API's form of a rack registration: the rack file, then the lot's fields (all those
    the schema requires, checked after the permission)."""
    given = dict(form)
    rack = rack_bytes(given.pop("file", None), given.pop("lines", None))
    absent = {
        name: ["Missing data for required field."]
        for name, field in REGISTER_FORM.fields.items()
        if field.required and name not in given
    }
    if absent:
        raise ValidationFailed(absent)
    return register_rack(db, barcode, rack, rack_lot(given))


def register_rack(db: Session, barcode: str, data: bytes, command: RackLot) -> list:
    """A rack file's new tubes registered in the box `barcode` (the API and the page)."""
    box = stocktaking.rack_box(db, barcode)
    rack = read_rack_file(data, box.rows or 0, box.cols or 0)
    stocktaking.check_rack(db, box, rack)
    return stocktaking.register(db, box, rack.scans, command)


def uploaded(upload: Any, field: str) -> bytes:
    """A rack file's bytes, read up to one byte past the limit (which says it is past it); a
    form field where a file belongs is refused."""
    if not isinstance(upload, FileStorage):
        raise ValidationFailed({field: ["Upload a file here, not a value."]})
    return upload.read(limits.RACK_FILE + 1)


def rack_bytes(upload: FileStorage | None, lines: str | None) -> bytes:
    """A rack file's bytes from an upload or from its lines given as text (the API and the
    page)."""
    if upload is not None:
        return uploaded(upload, "file")
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
    return _compared(db, box, stocktaking.reads_of(box, rack.scans), apply, version, note)
