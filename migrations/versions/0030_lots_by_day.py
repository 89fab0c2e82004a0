"""Lots by the day they were preserved: the due list's first page reads the oldest lots that
hold seeds and were never germination-tested without sorting every lot (a backlog of 100,000
such lots at ten million items).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 20:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lots_preserved_on_id", "lots", ["preserved_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lots_preserved_on_id", table_name="lots")
