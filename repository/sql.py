"""SQL helpers shared by the services."""

from __future__ import annotations

import enum
import json

from sqlalchemy import JSON, Connection, Enum, Table, insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


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


# JSON built by the database, the same way on SQLite and PostgreSQL: rows folded into one value
# so that a single statement can return a record with its recent history. Each function is
# spelt per dialect (an empty name: the argument itself).
_SPELLINGS = {
    "json_object": {"sqlite": "json_object", "postgresql": "json_build_object"},
    "json_array": {"sqlite": "json_group_array", "postgresql": "json_agg"},
    "json_value": {"sqlite": "json", "postgresql": ""},
}


class _JsonFunction(FunctionElement):
    type = JSON()
    inherit_cache = True


class json_object(_JsonFunction):
    """A JSON object of alternating keys and values."""

    name = "json_object"
    inherit_cache = True


class json_array(_JsonFunction):
    """The aggregate of JSON values into one array (NULL when there are no rows)."""

    name = "json_array"
    inherit_cache = True


class json_value(_JsonFunction):
    """A JSON column as a JSON value (SQLite keeps JSON as text)."""

    name = "json_value"
    inherit_cache = True


def _spelt(element: _JsonFunction, compiler, **kw) -> str:
    spelling = _SPELLINGS[element.name][compiler.dialect.name]
    return f"{spelling}({compiler.process(element.clauses, **kw)})"


for _function in (json_object, json_array, json_value):
    for _dialect in ("sqlite", "postgresql"):
        compiles(_function, _dialect)(_spelt)
