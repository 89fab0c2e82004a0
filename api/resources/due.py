"""What is due: the work staff must do today and overdue (overdue requests, low stock, cell
culture tests...), in the collections they see."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
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
    return {**due.SOURCES, "request": sharing.overdue_requests(overdue_days())}


def page_asked(query: dict[str, Any], offset: int, limit: int) -> due.Page:
    """The lines `offset` to `offset + limit` of what the asker must do (staff), by the query's
    kind, collection and `until`, with the counts by kind (the API and the page)."""
    who = require(Permission.INVENTORY_READ)
    kind, code = query.get("kind"), query.get("collection")
    within = None
    if code is not None:
        within = [database().scalar(select(Collection.id).where(Collection.code == code))]
    return due.page(
        database(),
        who,
        today(),
        None if kind is None else [kind],
        until=query.get("until"),
        within=within,
        offset=offset,
        limit=limit,
        sources=sources(),
    )


@blp.get("")
@blp.arguments(DueQuery, location="query")
@blp.response(200, DueLineOut(many=True))
@blp.paginate()
def list_due(query: dict, pagination_parameters) -> list[Any]:
    """What is due by today (or `until`) in the collections the asker sees, overdue first,
    then by date: requests waiting for the collection too long, open stock alerts, and the
    scheduled tests of cell line lots. Staff only. The pagination's total counts each rule's
    lines up to 1,000 beyond the page asked: past that (a backlog of untested seed lots, say)
    it is a lower bound, which grows as the pages go on."""
    limit, offset = window(pagination_parameters)
    found = page_asked(query, offset, limit)
    pagination_parameters.item_count = found.total
    now = today()
    return [
        {
            **asdict(line),
            "reason": line.reason,
            "params": dict(line.params),
            "overdue": line.overdue(now),
        }
        for line in found.lines
    ]
