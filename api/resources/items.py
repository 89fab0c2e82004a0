"""Items and lots: the scan, history and lineage; preserving lots; recording what happens to
items (QC, aliquots, derivatives, passage, consume, destroy, missing, found) and moving them."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.schemas.inventory import EventOut, ItemOut, LotOut, ScanOut
from repository.models import Event, Lot
from repository.schemas.inventory import (
    AttachTubeCode,
    Consume,
    ConsumeIn,
    Destroy,
    DestroyIn,
    Found,
    FoundIn,
    ItemsSchema,
    LotIn,
    MoveIn,
    MoveItems,
    NewItems,
    NewQc,
    Note,
    NoteIn,
    Passage,
    PassageIn,
    PreserveLot,
    QcSchema,
    Release,
    ReleaseIn,
    TubeCodeIn,
)
from repository.services import cell_culture, inventory, queries, tube_codes

from ..context import database
from ..policy import Permission, require

blp = Blueprint("items", __name__, url_prefix="/api/v1", description="Items, lots and events.")


class LotItemsOut(LotOut):
    """A lot and its items: the barcodes to print, and where each one is."""

    items = fields.List(fields.Nested(ItemOut))


class LineageOut(Schema):
    ancestors = fields.List(fields.Nested(ItemOut))
    descendants = fields.List(fields.Nested(ItemOut))


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
def create_lot(command: PreserveLot) -> Lot:
    """Preserve a lot of N items, optionally placed in a container (at the given positions,
    or the first free ones); the answer lists the new items' barcodes and positions."""
    require(Permission.INVENTORY_WRITE)
    return inventory.preserve_lot(database(), command)


@blp.get("/lots/<id:lot_id>")
@blp.response(200, LotItemsOut)
def get_lot(lot_id: int) -> Lot:
    """A lot and its items (barcode, status, container and position of each)."""
    require(Permission.INVENTORY_READ)
    return inventory.get_lot(database(), lot_id)


@blp.post("/lots/<id:lot_id>/passage")
@blp.arguments(PassageIn)
@blp.response(201, LotItemsOut)
def passage(command: Passage, lot_id: int) -> Lot:
    """Passage a cell line: a new lot at passage + 1 (the named source vial is used up)."""
    require(Permission.INVENTORY_WRITE)
    return inventory.passage(database(), lot_id, command)


@blp.post("/lots/<id:lot_id>/qc")
@blp.arguments(QcSchema)
@blp.response(201, EventOut)
def record_qc(command: NewQc, lot_id: int) -> object:
    """Record a QC or viability result of the lot."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    result = inventory.record_qc(db, lot_id, command)
    return db.get(Event, result.event_id)


@blp.post("/lots/<id:lot_id>/quarantine/release")
@blp.arguments(ReleaseIn)
@blp.response(200, LotOut(many=True))
def release_quarantine(command: Release, lot_id: int) -> list[Lot]:
    """Lift the quarantine of a lot (and of its descendants quarantined with it), with the
    reason; a curator of the lot's collection does it."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    require(Permission.REGISTER, inventory.get_lot(db, lot_id).material.collection_id)
    return cell_culture.release(db, lot_id, command)


@blp.post("/items/<string:barcode>/split")
@blp.arguments(ItemsSchema)
@blp.response(201, ItemOut(many=True))
def split(command: NewItems, barcode: str) -> list:
    """Aliquot the item (same lot) or, with `method`, derive from it (a new lot); the
    quantity is taken from the parent."""
    require(Permission.INVENTORY_WRITE)
    return inventory.split(database(), barcode, command)


class TubeCodeOut(Schema):
    code = fields.String()
    item = fields.String()


@blp.post("/items/<string:barcode>/tube-code")
@blp.arguments(TubeCodeIn)
@blp.response(201, TubeCodeOut)
def attach_tube_code(command: AttachTubeCode, barcode: str) -> dict:
    """Attach a tube code to the item: a code its tube carries besides the barcode (its maker's
    Data Matrix, read by a rack scanner), one per item. It becomes a code of the item like its
    barcode: a scan of it finds the item, a rack scan matches it. A code in use anywhere (as a
    barcode or a tube code) is a 409; a code shaped like a biorepo barcode a 422."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    item = inventory.get_item(db, barcode)
    attached = tube_codes.attach(db, item.barcode, command)
    return {"code": attached.value, "item": item.barcode}


@blp.delete("/items/<string:barcode>/tube-code")
@blp.arguments(NoteIn)
@blp.response(200, TubeCodeOut)
def remove_tube_code(command: Note, barcode: str) -> dict:
    """Take the item's tube code off it (attached to the wrong tube, or the tube relabelled):
    the code is free again to attach where it belongs. An item without one is a 409."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    item = inventory.get_item(db, barcode)
    code = tube_codes.detach(db, item.barcode, command.note)
    return {"code": code, "item": item.barcode}


@blp.post("/items/<string:barcode>/consume")
@blp.arguments(ConsumeIn)
@blp.response(200, ItemOut)
def consume(command: Consume, barcode: str) -> object:
    """Use up some of the item, or all of it without a quantity."""
    require(Permission.INVENTORY_WRITE)
    return inventory.consume(database(), barcode, command)


@blp.post("/items/<string:barcode>/destroy")
@blp.arguments(DestroyIn)
@blp.response(200, ItemOut)
def destroy(command: Destroy, barcode: str) -> object:
    """Destroy the item (it leaves its position for good)."""
    require(Permission.INVENTORY_WRITE)
    return inventory.destroy(database(), barcode, command)


@blp.post("/items/<string:barcode>/missing")
@blp.arguments(NoteIn)
@blp.response(200, ItemOut)
def missing(command: Note, barcode: str) -> object:
    """Mark the item missing (its position is freed)."""
    require(Permission.INVENTORY_WRITE)
    return inventory.mark_missing(database(), barcode, command)


@blp.post("/items/<string:barcode>/found")
@blp.arguments(FoundIn)
@blp.response(200, ItemOut)
def found(command: Found, barcode: str) -> object:
    """A missing item is found, and optionally put back in a place."""
    require(Permission.INVENTORY_WRITE)
    return inventory.mark_found(database(), barcode, command)


@blp.post("/moves")
@blp.arguments(MoveIn)
@blp.response(200, ItemOut(many=True))
def move(command: MoveItems) -> list:
    """Place or move items, one or many, into a container: at the given positions (one per
    item), or the first free ones. All move, or none."""
    require(Permission.INVENTORY_WRITE)
    return inventory.move_items(database(), command)
