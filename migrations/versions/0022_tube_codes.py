"""Tube codes: a code a tube carries besides its barcode (the Data Matrix etched in its base, read
by a rack scanner), one per item at most, holding its row of `barcodes` like any code.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tube_codes",
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("value_owner", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value_owner = 'item'", name=op.f("ck_tube_codes_value_owner")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_tube_codes_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["value", "value_owner"],
            ["barcodes.value", "barcodes.owner"],
            name=op.f("fk_tube_codes_value_value_owner_barcodes"),
        ),
        sa.PrimaryKeyConstraint("value", name=op.f("pk_tube_codes")),
        sa.UniqueConstraint("item_id", name=op.f("uq_tube_codes_item_id")),
    )


def downgrade() -> None:
    op.drop_table("tube_codes")
