"""Stock alerts: a material fell below its regeneration threshold (regenerate seeds,
re-culture the rest); staff see them, the collection's curators resolve them."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import Select, select

from api.schemas.fields import UtcDateTime
from repository.errors import NotFound
from repository.models import Material, StockAlert
from repository.schemas.fields import Boolean, Integer
from repository.services import reservations

from ..context import database, page
from ..policy import Permission, require

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Stock alerts.")


class AlertQuery(Schema):
    open = Boolean(load_default=True, metadata={"description": "Only unresolved ones."})


class AlertOut(Schema):
    id = Integer()
    kind = fields.String()
    material_id = Integer()
    accession_number = fields.Function(lambda a: a.material.accession_number)
    designation = fields.Function(lambda a: a.material.designation)
    available = Integer()
    threshold = Integer()
    raised_at = UtcDateTime()
    resolved_at = UtcDateTime(allow_none=True)


@blp.get("")
@blp.arguments(AlertQuery, location="query")
@blp.response(200, AlertOut(many=True))
@blp.paginate()
def list_alerts(query: dict, pagination_parameters) -> list[StockAlert]:
    """Stock alerts, newest first."""
    return page(alerts(query["open"]), pagination_parameters)


def alerts(open_only: bool = True) -> Select:
    """The stock alerts the asker may see, newest first (the API and the dashboard)."""
    require(Permission.INVENTORY_READ)
    statement = select(StockAlert).order_by(StockAlert.id.desc())
    if open_only:
        statement = statement.where(StockAlert.resolved_at.is_(None))
    return statement


@blp.post("/<id:alert_id>/resolve")
@blp.response(200, AlertOut)
def resolve(alert_id: int) -> StockAlert:
    """Mark an alert dealt with (curators of the material's collection)."""
    db = database()
    alert = db.get(StockAlert, alert_id)
    if alert is None:
        raise NotFound("No such alert.")
    require(Permission.REGISTER, db.get_one(Material, alert.material_id).collection_id)
    return reservations.resolve_alert(db, alert)
