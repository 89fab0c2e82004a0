"""Writing history: the events of items, lots and materials."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from ..actor import actor_id
from ..audit import as_json, plain
from ..models import Event
from ..models.base import utcnow
from ..sql import insert_many
from ..vocabulary import EventType


def record_events(
    session: Session, type_: EventType, rows: Iterable[dict[str, Any]], note: str | None = None
) -> None:
    """Append one event of `type_` per row (`item_id`, `lot_id`, `material_id`, `data`) in
    one statement."""
    at, actor = utcnow(), actor_id(session)
    values = [
        {
            "at": at,
            "type": type_,
            "actor_id": actor,
            "material_id": row.get("material_id"),
            "lot_id": row.get("lot_id"),
            "item_id": row.get("item_id"),
            "data": as_json(row.get("data", {})),
            "note": note,
        }
        for row in rows
    ]
    insert_many(session, Event.__table__, values, encoded={"data"})


def accessioned_event(
    material_id: int, accession_number: str, collection_code: str
) -> dict[str, Any]:
    """The `accessioned` event of a newly registered material, as a row for record_events (or
    the keywords of record_event)."""
    return {
        "material_id": material_id,
        "data": {"accession_number": accession_number, "collection": collection_code},
    }


def preserved_event(
    item_id: int,
    lot_id: int,
    material_id: int,
    lot_number: int,
    method: Any,
    quantity: Decimal,
    unit: Any,
) -> dict[str, Any]:
    """The `preserved` event of a new item of a lot, as a row for record_events; `method` and
    `unit` as their enum or its value."""
    return {
        "item_id": item_id,
        "lot_id": lot_id,
        "material_id": material_id,
        "data": _of_lot(lot_number, method, quantity, unit),
    }


def record_registered(session: Session, events: Iterable[tuple[int, int, str]]) -> None:
    """The one `registered` event of each item of a bulk registration, given as its item's id,
    its lot's id and `registered_data`. Its material is its lot's (item history reads it by
    item)."""
    at, actor = utcnow(), actor_id(session)
    insert_many(
        session,
        Event.__table__,
        [(at, EventType.REGISTERED, actor, lot, item, data) for item, lot, data in events],
        names=("at", "type", "actor_id", "lot_id", "item_id", "data"),
        encoded={"data"},
    )


def registered_data(
    lot_number: int, method: Any, quantity: Decimal, unit: Any, place: str | None
) -> str:
    """The data of a `registered` event as JSON text (`as_json`): its lot as the `preserved`
    event tells it, and the place its item was put in (its path, or None). Only the place is
    encoded per item; the rest, shared by the items of a lot, once per lot."""
    head, tail = _registered_frame(lot_number, method, quantity, unit)
    return f"{head}{as_json(place)}{tail}"


@lru_cache(maxsize=4096)
def _registered_frame(
    lot_number: int, method: Any, quantity: Decimal, unit: Any
) -> tuple[str, str]:
    """The JSON of a `registered` event's data before its place and after it."""
    data = {**_of_lot(lot_number, method, quantity, unit), "place": None}
    head, _, tail = as_json(data).partition('"place":null')
    return f'{head}"place":', tail


def _of_lot(lot_number: int, method: Any, quantity: Decimal, unit: Any) -> dict[str, Any]:
    return {"lot": lot_number, "method": method, "quantity": quantity, "unit": unit}


def record_event(
    session: Session,
    type_: EventType,
    *,
    material_id: int | None = None,
    lot_id: int | None = None,
    item_id: int | None = None,
    data: dict[str, Any] | None = None,
    note: str | None = None,
) -> Event:
    """Append one event and return it."""
    event = Event(
        type=type_,
        actor_id=actor_id(session),
        material_id=material_id,
        lot_id=lot_id,
        item_id=item_id,
        data={k: plain(v) for k, v in (data or {}).items()},
        note=note,
        at=utcnow(),
    )
    session.add(event)
    session.flush()
    return event
