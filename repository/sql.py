"""SQL helpers shared by the services."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing
from functools import lru_cache
from itertools import chain, islice, repeat
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    CursorResult,
    Date,
    Dialect,
    Enum,
    Result,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

SQLITE_PARAMETERS = 999  # the most host parameters a statement binds on every SQLite version


def insert_many(
    connection: Connection | Session,
    table: Table,
    rows: Sequence[dict] | Sequence[tuple],
    *,
    encoded: Collection[str] = (),
    names: Sequence[str] | None = None,
) -> None:
    """Insert many rows (each with the same keys; or, with `names`, tuples of the values of
    those columns) in the current transaction, straight through the driver: COPY on
    PostgreSQL, statements of many rows each on SQLite (`_insert_sqlite`), with the values
    converted by the columns' own types once per column rather than by a statement per row.
    Python-side column defaults are applied as an INSERT would apply them; `encoded` names JSON
    columns whose values are JSON text already. Driver errors are raised as SQLAlchemy's
    (IntegrityError…)."""
    if not rows:
        return
    if isinstance(connection, Session):
        connection = connection.connection()
    dialect = connection.dialect
    given: Callable[[Any], tuple] | None = None  # a row's values, in the order of `names`
    if names is None:
        names = list(cast("dict", rows[0]))
        given = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    defaults = {
        column.name: default_of(column)
        for column in table.columns
        if column.default is not None and column.name not in names
    }
    columns = [table.c[name] for name in (*names, *defaults)]
    if dialect.name == "postgresql":
        convert = [_copy_converter(c) if c.name not in encoded else None for c in columns]
    else:
        convert = [None if c.name in encoded else _bind_converter(c, dialect) for c in columns]
    converted = convert[: len(names)]
    fixed = [
        value if f is None or value is None else f(value)
        for f, value in zip(convert[len(names) :], defaults.values(), strict=True)
    ]

    def values_of(part: Sequence[Any]) -> Iterator[tuple]:
        """The rows' values converted a column at a time (the defaults once each)."""
        tuples = part if given is None else map(given, part)
        by_column: list[Iterable[Any]] = list(zip(*tuples, strict=True))
        for i, f in enumerate(converted):
            if f is not None:
                by_column[i] = [None if v is None else f(v) for v in by_column[i]]
        by_column.extend(repeat(value, len(part)) for value in fixed)
        return zip(*by_column, strict=True)

    values = chain.from_iterable(map(values_of, chunked(rows, 10_000)))

    driver = connection.connection.driver_connection
    assert driver is not None, "a checked-out connection has a driver connection"
    cursor = driver.cursor()
    listed = ", ".join(c.name for c in columns)
    try:
        with closing(cursor):
            if dialect.name == "postgresql":
                with cursor.copy(f"COPY {table.name} ({listed}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                insert = f"INSERT INTO {table.name} ({listed}) VALUES "
                _insert_sqlite(cursor, insert, len(columns), values)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            f"INSERT INTO {table.name}", None, error, dialect.loaded_dbapi.Error
        ) from error


def _insert_sqlite(cursor: Any, insert: str, width: int, rows: Iterable[tuple]) -> None:
    """Rows of `width` values inserted by statements of many VALUES each, as many as
    SQLITE_PARAMETERS allows (a statement per row spends a third of its time starting the
    statement), and the last few one per statement."""
    per = max(SQLITE_PARAMETERS // width, 1)
    one = "(" + ", ".join("?" * width) + ")"
    rows = iter(rows)
    left: list[tuple] = []  # fewer than `per` rows after the last whole statement

    def whole() -> Iterator[tuple]:
        while group := list(islice(rows, per)):
            if len(group) < per:
                left.extend(group)
                return
            yield tuple(chain.from_iterable(group))

    cursor.executemany(insert + ", ".join([one] * per), whole())
    if left:
        cursor.executemany(insert + one, left)


def default_of(column: Column) -> Any:
    """The value the column's Python-side default gives a row inserted without it."""
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    if isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps a default that takes no arguments to accept (and ignore) the context
        return default.arg(None)  # type: ignore[arg-type]
    raise TypeError(f"column {column.name} has no Python-side default")


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` matched (the session
    types its result as a plain Result; for such a statement it is a CursorResult)."""
    return cast("CursorResult[Any]", result).rowcount


def chunked(values: Sequence, size: int = 500) -> Iterator[Sequence]:
    """`values` in slices of `size`: as many as one statement may bind on any SQLite."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable, dialect: Dialect
) -> ColumnElement[bool]:
    """`column IN (values)`, as one parameter whatever the count, so that the statement's text
    is the same each time (an IN list of a thousand values is rendered, converted and parsed
    anew for each statement: 2 ms for 500 barcodes on SQLite, four times the look-up itself).
    On PostgreSQL `column = ANY(array)`; on SQLite, ids or texts as one JSON array that
    `json_each` reads (other values, a date say, as an IN list)."""
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    values = list(values)
    if not all(type(v) is str or type(v) is int for v in values):  # not an enum's member
        return column.in_(values)
    listed = bindparam(None, json.dumps(values, ensure_ascii=False), type_=String)
    return column.in_(select(literal_column("value")).select_from(func.json_each(listed)))


def among(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], ids: Select[Any]
) -> ColumnElement[bool]:
    """`column IN (ids)`, a select of one column. On PostgreSQL the ids are fetched now and
    bound as one array, so that its planner knows how many rows they match (it guesses the
    rows of a subquery, a recursive one's badly, and may then walk another index row by row to
    fill a page); SQLite plans the subquery well, and binding the ids could pass its limit of
    parameters."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return column.in_(ids)
    return one_of(column, session.scalars(ids).all(), dialect)


def _bind_converter(column: Column, dialect: Dialect) -> Callable | None:
    """The column type's own conversion of a value for the driver; remembered per value (the
    rows of a bulk insert share their timestamps, enums and quantities), except for JSON."""
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)
    if convert is None or isinstance(column.type, JSON):
        return convert
    return lru_cache(maxsize=1024)(convert)


def _copy_converter(column: Column) -> Callable | None:
    """What COPY needs done to a column's Python values: enums by value, JSON as text."""
    if isinstance(column.type, JSON):
        return lambda value: json.dumps(value, ensure_ascii=False)
    if isinstance(column.type, Enum):
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return None


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


class days_after(FunctionElement):
    """The day a number of days after a day (a date, and an integer)."""

    name = "days_after"
    type = Date()
    inherit_cache = True


@compiles(days_after, "postgresql")
def _days_after(element: days_after, compiler, **kw) -> str:
    day, days = element.clauses
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element: days_after, compiler, **kw) -> str:
    day, days = element.clauses
    return f"date({compiler.process(day, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


class day_of(FunctionElement):
    """The day of a timestamp (as the connection reads it: UTC, the time zone kept)."""

    name = "day_of"
    type = Date()
    inherit_cache = True


@compiles(day_of, "postgresql")
def _day_of(element: day_of, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


class months_later(FunctionElement):
    """The same day a number of months later (the month's last day where it has fewer): a
    date, and an integer."""

    name = "months_later"
    type = Date()
    inherit_cache = True


@compiles(months_later, "postgresql")
def _months_later(element: months_later, compiler, **kw) -> str:
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"


@compiles(months_later, "sqlite")
def _months_later_sqlite(element: months_later, compiler, **kw) -> str:
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"min(date({day}, 'start of month', '+' || ({months}) || ' months', "
        f"'+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days'), "
        f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))"
    )
