"""SQL helpers shared by the services."""

from __future__ import annotations

import enum
import json

from sqlalchemy import JSON, Connection, Enum, Table, insert
from sqlalchemy.orm import Session


def insert_many(connection: Connection | Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows in the current transaction: COPY on PostgreSQL (an order of magnitude
    faster than executemany), executemany elsewhere. Python-side column defaults are applied
    as an INSERT would apply them."""
    if not rows:
        return
    if isinstance(connection, Session):
        connection = connection.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    defaults = {
        column.name: column.default.arg if column.default.is_scalar else column.default.arg(None)
        for column in table.columns
        if column.default is not None and column.name not in rows[0]
    }
    names = [*rows[0], *defaults]
    fixed = [_copyable(v) for v in defaults.values()]
    # Columns whose Python values COPY cannot take as they are: enums and JSON.
    convert = [i for i, name in enumerate(rows[0]) if isinstance(table.c[name].type, JSON | Enum)]
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            values = list(row.values())
            for i in convert:
                values[i] = _copyable(values[i])
            copy.write_row(values + fixed)


def _copyable(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
