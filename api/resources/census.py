"""The census of the colony: the animals alive on a day per room, line and protocol."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.schemas.animal_records import CensusOut
from repository.schemas.fields import Date
from repository.services import census

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "census", __name__, url_prefix="/api/v1", description="The census of the animal colony."
)


class CensusQuery(Schema):
    on = Date(required=True)
    room = fields.String(validate=validate.Length(min=1, max=64))


@blp.get("/census")
@blp.arguments(CensusQuery, location="query")
@blp.response(200, CensusOut)
def get_census(query: dict) -> dict[str, Any]:
    """The animals alive at the end of `on`, counted per room, line and protocol (only those
    of `room`, a room's barcode, when given). An animal's room is that of its cage then."""
    require(Permission.INVENTORY_READ)
    lines = census.census(database(), query["on"], query.get("room"))
    return {"on": query["on"], "total": sum(line.animals for line in lines), "lines": lines}
