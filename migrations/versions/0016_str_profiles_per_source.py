"""STR profiles per source: a Cellosaurus entry keeps every source's alleles of each marker
(`str_markers`: marker → [{alleles, sources}]) in place of one profile (`str_profile`).

The one-profile JSON is carried over as markers no source disputes (the alternatives it
dropped come back with the next import of the Cellosaurus file).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-19 10:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRIES = sa.table(
    "cellosaurus_entries",
    sa.column("id", sa.Integer()),
    sa.column("str_profile", sa.JSON()),
    sa.column("str_markers", sa.JSON()),
)


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _alleles(text: str) -> list[str]:
    """`11,12,12` → ["11", "12"]: each allele once, in order, as the new rows hold them."""
    found: list[str] = []
    for token in str(text).split(","):
        value = token.strip().upper()
        value = "ND" if value in ("NOT_DETECTED", "NOT DETECTED") else value
        if value and value not in found:
            found.append(value)
    return found


def _rewrite(source: str, target: str, convert: Any) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(ENTRIES.c.id, ENTRIES.c[source])).all()
    changes = [{"key": row.id, "value": convert(_loaded(row[1]) or {})} for row in rows]
    if changes:
        connection.execute(
            ENTRIES.update()
            .where(ENTRIES.c.id == sa.bindparam("key"))
            .values({target: sa.bindparam("value")}),
            changes,
        )


def upgrade() -> None:
    with op.batch_alter_table("cellosaurus_entries") as batch:
        batch.add_column(sa.Column("str_markers", sa.JSON(), nullable=True))
    _rewrite(
        "str_profile",
        "str_markers",
        lambda profile: {
            marker: [{"alleles": _alleles(alleles), "sources": []}]
            for marker, alleles in profile.items()
        },
    )
    with op.batch_alter_table("cellosaurus_entries") as batch:
        batch.alter_column("str_markers", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("str_profile")


def downgrade() -> None:
    with op.batch_alter_table("cellosaurus_entries") as batch:
        batch.add_column(sa.Column("str_profile", sa.JSON(), nullable=True))
    _rewrite(
        "str_markers",
        "str_profile",
        lambda markers: {
            marker: ",".join(alternatives[0]["alleles"])
            for marker, alternatives in markers.items()
            if alternatives
        },
    )
    with op.batch_alter_table("cellosaurus_entries") as batch:
        batch.alter_column("str_profile", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("str_markers")
