"""Cell culture: a cell line's passage limit, a lot's cell bank tier (master or working) and
quarantine, and a collection's mycoplasma and sterility testing schedule.

The columns are added (and dropped) in place, each with its CHECK constraint, so that no table
that others refer to is copied on SQLite.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, type, CHECK condition or None)
COLUMNS = [
    ("cell_lines", "max_passage", sa.Integer(), "max_passage >= 0"),
    ("lots", "tier", sa.String(length=32), "tier IN ('mcb', 'wcb')"),
    ("lots", "quarantined_at", sa.DateTime(timezone=True), None),
    ("collections", "qc_every_passages", sa.Integer(), "qc_every_passages >= 1"),
    ("collections", "qc_every_months", sa.Integer(), "qc_every_months >= 1"),
]
# the CHECK constraints' names where they differ from the column's
CHECK_NAMES = {("lots", "tier"): "cell_bank_tier"}


def upgrade() -> None:
    for table, column, type_, condition in COLUMNS:
        checks = []
        if condition is not None:
            name = CHECK_NAMES.get((table, column), column)
            checks.append(sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}")))
        op.add_column(table, sa.Column(column, type_, *checks, nullable=True))


def downgrade() -> None:
    for table, column, _, _ in reversed(COLUMNS):
        op.drop_column(table, column)  # in place on SQLite too, with its own CHECK
