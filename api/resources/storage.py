"""The storage tree: units, a box's grid, free positions, moving whole units, and emptying a
failed freezer into its twin."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.schemas.inventory import StorageUnitOut
from repository.models import StorageUnit
from repository.schemas.fields import Integer
from repository.schemas.inventory import NewUnit, UnitIn
from repository.services import queries, storage

from ..context import database
from ..policy import Permission, require

blp = Blueprint("storage", __name__, url_prefix="/api/v1/storage", description="Storage.")


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
