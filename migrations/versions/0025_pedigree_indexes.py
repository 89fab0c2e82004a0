"""Pedigrees: animals found by their sire and by their dam (an animal's descendants are walked
by these, a generation at a time, in one recursive select).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_animals_sire_id"), "animals", ["sire_id"], unique=False)
    op.create_index(op.f("ix_animals_dam_id"), "animals", ["dam_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_animals_dam_id"), table_name="animals")
    op.drop_index(op.f("ix_animals_sire_id"), table_name="animals")
