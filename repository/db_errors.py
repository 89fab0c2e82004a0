"""Database errors that a race or a busy database causes, as the domain errors a service would
raise: a violated constraint is a `Conflict` that says what clashed, a locked SQLite database
(or a PostgreSQL lock wait given up) is `ServiceBusy`."""

from __future__ import annotations

import re

from sqlalchemy import CheckConstraint, Constraint, Index
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from .errors import Conflict, DomainError, ServiceBusy
from .models.base import Base

AGAIN = "it may have been saved at the same moment by someone else: reload and try again"

# Unique and check constraints a racing or careless write can hit, with what they mean to a
# user. SQLite reports a unique constraint by its columns: those names are derived below.
CONSTRAINT_MESSAGES = {
    "uq_items_container_id_row_col": ("position", "That position is already occupied."),
    "uq_materials_collection_id_accession_number": (
        "accession_number",
        "That accession number is already used in this collection.",
    ),
    "uq_lots_material_id_number": (
        "material_id",
        "Another lot of this material took that number at the same moment; try again.",
    ),
    "pk_barcodes": ("barcode", "That barcode is already in use."),
    "uq_barcodes_value": ("barcode", "That barcode is already in use."),
    "uq_barcodes_value_owner": ("barcode", "That barcode is already in use."),  # SQLite's first
    "uq_items_barcode": ("barcode", "That barcode is already in use."),
    "ck_storage_units_occupied": ("container", "The storage unit is full."),
    "ck_items_quantity": ("quantity", "The quantity would fall below zero."),
    "uq_collections_code": ("code", "A collection with that code already exists."),
    "uq_storage_units_parent_id_slot": ("slot", "That slot of the parent is already taken."),
    "uq_allocations_item_id": ("items", "An item was reserved by another request meanwhile."),
    "uq_requests_requester_id_idempotency_key": (
        "idempotency_key",
        "A request with that idempotency key was made at the same moment.",
    ),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
# PostgreSQL: a lock wait given up (lock_timeout, NOWAIT); two transactions that each waited
# for the other, or a serialisable snapshot overtaken.
_PG_BUSY = {"55P03"}
_PG_RACE = {"40001", "40P01"}


def constraint_name(error: IntegrityError) -> str | None:
    """The name of the constraint `error` broke, spelt by the naming convention (SQLite names
    a unique constraint only by its columns: its name is derived from them)."""
    diag = getattr(error.orig, "diag", None)
    if name := getattr(diag, "constraint_name", None):
        return name
    text = str(error.orig)
    if match := _SQLITE_UNIQUE.search(text):
        columns = [c.split(".") for c in match["columns"].split(", ")]
        return f"uq_{columns[0][0]}_" + "_".join(column for _, column in columns)
    if match := _SQLITE_CHECK.search(text):
        return match["name"]
    return None


def _described(name: str) -> tuple[str, list[str]] | None:
    """The table and columns (none for a check) of the constraint or index `name`."""
    for table in Base.metadata.tables.values():
        named: list[Constraint | Index] = [*table.constraints, *table.indexes]
        for constraint in named:
            if constraint.name == name:
                if isinstance(constraint, CheckConstraint):
                    return table.name, []
                if isinstance(constraint, ColumnCollectionConstraint | Index):
                    return table.name, [column.name for column in constraint.columns]
    return None


def conflict_from(error: IntegrityError) -> Conflict:
    """A domain conflict naming what clashed: the constraint's own message when it has one,
    else its table and columns in words."""
    name = constraint_name(error)
    if name in CONSTRAINT_MESSAGES:
        field, message = CONSTRAINT_MESSAGES[name]
        return Conflict(message, field=field)
    described = _described(name) if name else None
    if described is None:
        first = str(error.orig).splitlines()[0]
        return Conflict(
            f"The change breaks a rule of the database ({first}); nothing was changed. If "
            "someone else changed the same records at this moment, reload and try again."
        )
    table, columns = described
    if not columns:
        return Conflict(f"The change breaks the rule {name} of {table}; nothing was changed.")
    what = " and ".join(columns)
    return Conflict(
        f"Another record of {table} already has this {what} ({name}); {AGAIN}.", field=columns[-1]
    )


def as_domain_error(error: DBAPIError) -> DomainError | None:
    """The domain error a database error stands for (a race lost, a busy database), or None
    when it is none of those (a bug: let it be one)."""
    if isinstance(error, IntegrityError):
        return conflict_from(error)
    if not isinstance(error, OperationalError):
        return None
    code = getattr(error.orig, "sqlstate", None)
    if code in _PG_RACE:
        return Conflict(f"Another change touched the same records at the same moment; {AGAIN}.")
    text = str(error.orig).lower()
    if code in _PG_BUSY or any(busy in text for busy in _SQLITE_BUSY):
        return ServiceBusy(
            "The database is busy with another change (an import, say) and could not take "
            "this one in time; nothing was changed. Send it again in a few seconds."
        )
    return None
