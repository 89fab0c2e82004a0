"""Items and lots: the scan, history and lineage; preserving lots; recording what happens to
items (QC, aliquots, derivatives, passage, consume, destroy, missing, found) and moving them."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from repository.errors import NotFound
from repository.models import Event, Lot, Material
from repository.schemas import (
    EventOut,
    Integer,
    ItemOut,
    ItemsSchema,
    LotOut,
    LotSchema,
    PositionSchema,
    QcSchema,
    ScanOut,
    positive,
)
from repository.services import inventory, queries, storage

from ..context import database, raw_body
from ..policy import Permission, require

blp = Blueprint("items", __name__, url_prefix="/api/v1", description="Items, lots and events.")
Barcode = fields.String(required=True, validate=validate.Length(min=1, max=32))


class LotIn(LotSchema):
    material_id = Integer(required=True)
    container = fields.String(validate=validate.Length(min=1, max=32))
    positions = fields.List(fields.Nested(PositionSchema))


class PassageIn(LotSchema):
    method = fields.String(validate=validate.Length(max=32))  # default: the parent lot's
    passage_number = Integer(dump_only=True)
    source = fields.String(validate=validate.Length(min=1, max=32))


class NoteIn(Schema):
    note = fields.String(validate=validate.Length(max=5000))


class ConsumeIn(NoteIn):
    quantity = fields.Decimal(places=6, validate=positive)


class DestroyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class FoundIn(NoteIn):
    container = fields.String(validate=validate.Length(min=1, max=32))
    row = Integer(validate=validate.Range(min=1))
    col = Integer(validate=validate.Range(min=1))


class MoveIn(Schema):
    items = fields.List(Barcode, required=True, validate=validate.Length(min=1, max=1000))
    container = fields.String(required=True, validate=validate.Length(min=1, max=32))
    positions = fields.List(fields.Nested(PositionSchema))
    note = fields.String(validate=validate.Length(max=5000))


class LotItemsOut(LotOut):
    """A lot and its items: the barcodes to print, and where each one is."""

    items = fields.List(fields.Nested(ItemOut))


class LineageOut(Schema):
    ancestors = fields.List(fields.Nested(ItemOut))
    descendants = fields.List(fields.Nested(ItemOut))


def place_of(db, container: str | None, row: int | None = None, col: int | None = None):
    return storage.Place(storage.get_unit(db, container), row, col) if container else None


@blp.get("/items/<string:barcode>")
@blp.response(200, ScanOut)
def scan(barcode: str) -> object:
    """The scan: item, material, lot, the whole location path, status and recent history."""
    require(Permission.INVENTORY_READ)
    db = database()
    return queries.scan(db, barcode)


@blp.get("/items/<string:barcode>/history")
@blp.response(200, EventOut(many=True))
def history(barcode: str) -> list:
    """Every event of the item, its lot and its material, oldest first."""
    require(Permission.INVENTORY_READ)
    db = database()
    return queries.item_history(db, inventory.get_item(db, barcode))


@blp.get("/items/<string:barcode>/lineage")
@blp.response(200, LineageOut)
def lineage(barcode: str) -> dict:
    """Ancestors (parent first) and descendants of the item."""
    require(Permission.INVENTORY_READ)
    db = database()
    return queries.lineage(db, inventory.get_item(db, barcode))


@blp.post("/lots")
@blp.arguments(LotIn)
@blp.response(201, LotItemsOut)
def create_lot(body: dict) -> Lot:
    """Preserve a lot of N items, optionally placed in a container (at the given positions,
    or the first free ones); the answer lists the new items' barcodes and positions."""
    require(Permission.INVENTORY_WRITE)
    lot = raw_body(LotSchema)
    positions = [(p["row"], p["col"]) for p in body.get("positions", [])] or None
    db = database()
    material = db.get(Material, body["material_id"])
    if material is None:
        raise NotFound(f"No material with id {body['material_id']}.", field="material_id")
    return inventory.create_lot(
        db, material, lot, place=place_of(db, body.get("container")), positions=positions
    )


@blp.get("/lots/<id:lot_id>")
@blp.response(200, LotItemsOut)
def get_lot(lot_id: int) -> Lot:
    """A lot and its items (barcode, status, container and position of each)."""
    require(Permission.INVENTORY_READ)
    return _lot(database(), lot_id)


@blp.post("/lots/<id:lot_id>/passage")
@blp.arguments(PassageIn)
@blp.response(201, LotItemsOut)
def passage(body: dict, lot_id: int) -> Lot:
    """Passage a cell line: a new lot at passage + 1 (the named source vial is used up)."""
    require(Permission.INVENTORY_WRITE)
    data = raw_body(LotSchema)
    db = database()
    lot = _lot(db, lot_id)
    source = inventory.get_item(db, body["source"]) if body.get("source") else None
    return inventory.passage(db, lot, data, source=source)


@blp.post("/lots/<id:lot_id>/qc")
@blp.arguments(QcSchema)
@blp.response(201, EventOut)
def record_qc(body: dict, lot_id: int) -> object:
    """Record a QC or viability result of the lot."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    result = inventory.record_qc(db, _lot(db, lot_id), raw_body(QcSchema))
    return db.get(Event, result.event_id)


@blp.post("/items/<string:barcode>/split")
@blp.arguments(ItemsSchema)
@blp.response(201, ItemOut(many=True))
def split(body: dict, barcode: str) -> list:
    """Aliquot the item (same lot) or, with `method`, derive from it (a new lot); the
    quantity is taken from the parent."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    return inventory.split(db, inventory.get_item(db, barcode), raw_body(ItemsSchema))


@blp.post("/items/<string:barcode>/consume")
@blp.arguments(ConsumeIn)
@blp.response(200, ItemOut)
def consume(body: dict, barcode: str) -> object:
    """Use up some of the item, or all of it without a quantity."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    item = inventory.get_item(db, barcode)
    return inventory.consume(db, item, body.get("quantity"), body.get("note"))


@blp.post("/items/<string:barcode>/destroy")
@blp.arguments(DestroyIn)
@blp.response(200, ItemOut)
def destroy(body: dict, barcode: str) -> object:
    """Destroy the item (it leaves its position for good)."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    return inventory.destroy(db, inventory.get_item(db, barcode), body["reason"])


@blp.post("/items/<string:barcode>/missing")
@blp.arguments(NoteIn)
@blp.response(200, ItemOut)
def missing(body: dict, barcode: str) -> object:
    """Mark the item missing (its position is freed)."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    return inventory.mark_missing(db, inventory.get_item(db, barcode), body.get("note"))


@blp.post("/items/<string:barcode>/found")
@blp.arguments(FoundIn)
@blp.response(200, ItemOut)
def found(body: dict, barcode: str) -> object:
    """A missing item is found, and optionally put back in a place."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    place = place_of(db, body.get("container"), body.get("row"), body.get("col"))
    return inventory.mark_found(db, inventory.get_item(db, barcode), place, body.get("note"))


@blp.post("/moves")
@blp.arguments(MoveIn)
@blp.response(200, ItemOut(many=True))
def move(body: dict) -> list:
    """Place or move items, one or many, into a container: at the given positions (one per
    item), or the first free ones. All move, or none."""
    require(Permission.INVENTORY_WRITE)
    positions = [(p["row"], p["col"]) for p in body["positions"]] if "positions" in body else None
    db = database()
    moving = [inventory.get_item(db, code) for code in body["items"]]
    storage.place_items(
        db, moving, storage.get_unit(db, body["container"]), positions, body.get("note")
    )
    return moving


def _lot(db, lot_id: int) -> Lot:
    lot = db.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"No lot with id {lot_id}.", field="lot_id")
    return lot
