"""What is due: the work staff must do today and overdue (overdue requests, low stock, cell
culture tests...), in the collections they see."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from functools import partial
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from api.schemas.due import DueLineOut
from repository.models import Collection
from repository.models.base import utcnow
from repository.services import due, sharing

from ..context import database, window
from ..policy import Permission, require
from ..request_access import overdue_days

blp = Blueprint("due", __name__, url_prefix="/api/v1/due", description="What is due.")

HORIZON = timedelta(days=366)  # how far ahead `until` may look


class DueQuery(Schema):
    kind = fields.String(
        validate=validate.OneOf(list(due.SOURCES)),
        metadata={"description": "Only this kind of work."},
    )
    collection = fields.String(
        validate=validate.Length(max=32), metadata={"description": "A collection's code."}
    )
    until = fields.Date(
        metadata={"description": "What is due by this day (default today), a year ahead at most."}
    )

    @validates_schema
    def _near(self, data: dict[str, Any], **_: Any) -> None:
        until = data.get("until")
        if until is not None and until > today() + HORIZON:
            raise ValidationError("Look at most a year ahead.", "until")


def today() -> date:
    return utcnow().date()


def sources() -> dict[str, due.Source]:
    """The sources, with the requests overdue after REQUEST_OVERDUE_DAYS."""
    return {**due.SOURCES, "request": partial(sharing.due, days=overdue_days())}


def due_lines(query: dict[str, Any]) -> list[due.DueLine]:
    """What the asker must do (staff), by the query's kind, collection and `until` (the API
    and the page)."""
    who = require(Permission.INVENTORY_READ)
    kind, code = query.get("kind"), query.get("collection")
    lines = due.due_list(
        database(),
        who,
        today(),
        None if kind is None else [kind],
        until=query.get("until"),
        sources=sources(),
    )
    if code is not None:
        collection_id = database().scalar(select(Collection.id).where(Collection.code == code))
        lines = [line for line in lines if line.collection_id == collection_id]
    return lines


@blp.get("")
@blp.arguments(DueQuery, location="query")
@blp.response(200, DueLineOut(many=True))
@blp.paginate()
def list_due(query: dict, pagination_parameters) -> list[Any]:
    """What is due by today (or `until`) in the collections the asker sees, overdue first,
    then by date: requests waiting for the collection too long, open stock alerts, and the
    scheduled tests of cell line lots. Staff only."""
    lines = due_lines(query)
    limit, offset = window(pagination_parameters)
    pagination_parameters.item_count = len(lines)
    now = today()
    return [
        {
            **asdict(line),
            "reason": line.reason,
            "params": dict(line.params),
            "overdue": line.overdue(now),
        }
        for line in lines[offset : offset + limit]
    ]
