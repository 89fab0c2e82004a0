"""Flat exports of one record a row (CSV, UTF-8, formulas neutralised): the columns, each a
header and how a record fills it, and the query of a collection's open and restricted
materials of a kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ..models import Material
from ..services.collections import get_collection
from ..visibility import exported
from .formulas import SafeWriter

Column = tuple[str, Callable[[Any], Any]]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(getattr(value, "value", value))


def write(out: IO[str], columns: list[Column], records: Iterable[Any]) -> int:
    """The header, then a row per record (formulas neutralised); returns how many records."""
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow([header for header, _ in columns])
    count = 0
    for record in records:
        writer.writerow([cell(value(record)) for _, value in columns])
        count += 1
    return count


def shared(session: Session, collection_code: str, model: type[Material]) -> Select[Any]:
    """The open and restricted materials of `model`'s kind in a collection, by accession."""
    collection = get_collection(session, collection_code)
    return (
        select(model)
        .where(model.collection_id == collection.id, exported(model.access_level))
        .options(selectinload(model.identifiers), selectinload(model.collection))
        .order_by(model.accession_number)
        .execution_options(yield_per=500)
    )
