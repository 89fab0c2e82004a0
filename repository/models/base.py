"""Declarative base with the constraint naming convention and shared column types."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import DateTime, Enum, Index, MetaData, Numeric, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    __table__: ClassVar[Table]  # every model is mapped to a table of its own


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A timestamp as read back (SQLite forgets the zone; all are UTC) made zone-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def choice(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A string column restricted to the enum's values by a CHECK constraint (no native enum)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def trigram_index(table: str, column: str) -> Index:
    """A PostgreSQL trigram index (pg_trgm, GIN) of a text column, which serves ILIKE and LIKE
    on any part of it; other databases have none (see `migrate.drift`)."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


Timestamp = DateTime(timezone=True)
Quantity = Numeric(18, 6)
QUANTUM = Decimal("0.000001")
