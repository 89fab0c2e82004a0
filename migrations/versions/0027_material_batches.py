"""Batch edits of materials: a batch says which kind of record it edits (items or materials),
and per material it changed, the values of the fields it set before and after, to undo it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("item_batches") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="item", nullable=False)
        )
    op.create_table(
        "material_batch_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("old", sa.JSON(), nullable=False),
        sa.Column("new", sa.JSON(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["item_batches.id"],
            name=op.f("fk_material_batch_rows_batch_id_item_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_material_batch_rows_material_id_materials"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "material_id", name=op.f("pk_material_batch_rows")),
    )
    op.create_index(
        op.f("ix_material_batch_rows_material_id"),
        "material_batch_rows",
        ["material_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_material_batch_rows_material_id"), table_name="material_batch_rows")
    op.drop_table("material_batch_rows")
    with op.batch_alter_table("item_batches") as batch:
        batch.drop_column("kind")
