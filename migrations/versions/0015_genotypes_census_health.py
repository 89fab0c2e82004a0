"""Genotypes of animals and health monitoring (sentinel) reports of rooms: two new tables.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genotypes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("gene", sa.String(length=100), nullable=False),
        sa.Column("allele1", sa.String(length=100), nullable=False),
        sa.Column("allele2", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=True),
        sa.Column("genotyped_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_genotypes_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genotypes")),
        sa.UniqueConstraint(
            "item_id", "gene", "genotyped_on", name=op.f("uq_genotypes_item_id_gene_genotyped_on")
        ),
    )
    op.create_index(op.f("ix_genotypes_item_id"), "genotypes", ["item_id"], unique=False)
    op.create_table(
        "health_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column(
            "result",
            sa.String(length=32),
            sa.CheckConstraint(
                "result IN ('negative', 'positive', 'equivocal')",
                name=op.f("ck_health_reports_health_result"),
            ),
            nullable=False,
        ),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("lab", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["storage_units.id"], name=op.f("fk_health_reports_room_id_storage_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_reports")),
    )
    op.create_index(op.f("ix_health_reports_room_id"), "health_reports", ["room_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_health_reports_room_id"), table_name="health_reports")
    op.drop_table("health_reports")
    op.drop_index(op.f("ix_genotypes_item_id"), table_name="genotypes")
    op.drop_table("genotypes")
