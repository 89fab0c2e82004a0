"""Inserting validated records in bulk (COPY on PostgreSQL): ids reserved up front, complete rows
with the columns' defaults, in the caller's transaction (audit.record_inserts records them)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Table, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import conflict_from
from ..models.base import Base
from ..sql import default_of, insert_many


def table_of(model: type[Base]) -> Table:
    """The table a mapped class is declared on (SQLAlchemy types `__table__` as any FromClause:
    a Table for every model here, checked)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` new primary keys of `table`: from its sequence on PostgreSQL; on SQLite past the
    largest (the write lock, taken at BEGIN IMMEDIATE, keeps them ours until commit)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": count},
            )
        )
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def complete(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """A row with every column of `table`: the value given, else the column's default, else
    None; so that every row of a bulk insert has the same keys (values of other names are
    left out)."""
    blank, computed = _blank(table)
    row = {**blank, **values}
    if not values.keys() <= blank.keys():
        row = {name: row[name] for name in blank}
    for column in computed:
        if column.name not in values:
            row[column.name] = default_of(column)
    return row


@lru_cache
def _blank(table: Table) -> tuple[dict[str, Any], tuple[Column, ...]]:
    """A row of `table` with its fixed defaults, else None; and the columns whose default is
    computed for each row."""
    blank, computed = {}, []
    for column in table.columns:
        fixed = column.default is not None and column.default.is_scalar
        blank[column.name] = default_of(column) if fixed else None
        if column.default is not None and not fixed:
            computed.append(column)
    return blank, tuple(computed)


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]] | Sequence[tuple],
    names: Sequence[str] | None = None,
) -> None:
    """insert_many, with a broken constraint (a concurrent writer took a barcode or a position
    since it was checked) raised as the service's Conflict."""
    try:
        insert_many(session, table, rows, names=names)
    except IntegrityError as error:
        raise conflict_from(error) from error
