"""GET /api/v1/health: is the database reachable, and how much does it hold."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from repository.models import Item, Material

from .context import database

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health.")


class HealthOut(Schema):
    status = fields.String()
    database = fields.String()
    materials = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.Dict(keys=fields.String(), values=fields.Integer())
    detail = fields.String()


@blp.get("/health")
@blp.response(200, HealthOut)
@blp.alt_response(503, schema=HealthOut, description="The database is unreachable.")
def health() -> tuple[dict, int] | dict:
    """Whether the database answers, and the counts of materials by kind and items by
    status."""
    db = database()
    try:
        db.execute(text("SELECT 1"))
        kinds = db.execute(select(Material.kind, func.count()).group_by(Material.kind)).all()
        items = db.execute(select(Item.status, func.count()).group_by(Item.status)).all()
    except SQLAlchemyError as error:
        unavailable = {"status": "unavailable", "database": "unreachable", "materials": {}}
        return {**unavailable, "items": {}, "detail": type(error).__name__}, 503
    return {
        "status": "ok",
        "database": "reachable",
        "materials": {kind.value: count for kind, count in kinds},
        "items": {status.value: count for status, count in items},
    }
