"""Batch edits of items: the batch (who, when, its search or sheet and their SHA-256, the
counts) and, per item it changed, the values before and after, to undo it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("available", "reserved", "distributed", "consumed", "destroyed", "missing")


def _status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "item_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("query", sa.JSON(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("undone", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_item_batches_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["users.id"], name=op.f("fk_item_batches_undone_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_batches")),
    )
    op.create_table(
        "item_batch_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("old_status", _status("old_status"), nullable=False),
        sa.Column("new_status", _status("new_status"), nullable=False),
        sa.Column("old_quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("new_quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("old_container_id", sa.Integer(), nullable=True),
        sa.Column("old_row", sa.Integer(), nullable=True),
        sa.Column("old_col", sa.Integer(), nullable=True),
        sa.Column("new_container_id", sa.Integer(), nullable=True),
        sa.Column("new_row", sa.Integer(), nullable=True),
        sa.Column("new_col", sa.Integer(), nullable=True),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["item_batches.id"],
            name=op.f("fk_item_batch_rows_batch_id_item_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_batch_rows_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["new_container_id"],
            ["storage_units.id"],
            name=op.f("fk_item_batch_rows_new_container_id_storage_units"),
        ),
        sa.ForeignKeyConstraint(
            ["old_container_id"],
            ["storage_units.id"],
            name=op.f("fk_item_batch_rows_old_container_id_storage_units"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "item_id", name=op.f("pk_item_batch_rows")),
    )
    op.create_index(
        op.f("ix_item_batch_rows_item_id"), "item_batch_rows", ["item_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_item_batch_rows_item_id"), table_name="item_batch_rows")
    op.drop_table("item_batch_rows")
    op.drop_table("item_batches")
