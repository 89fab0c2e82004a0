"""STR authentications of cell lines' lots (the profile measured, its best matches and the
verdict), and the reason a lot is quarantined (a failed test, or an STR mismatch).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _choice(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("quarantine_reason", sa.String(length=500), nullable=True))
    op.create_table(
        "authentications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("qc_result_id", sa.Integer(), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("lab", sa.String(length=200), nullable=True),
        sa.Column("kit", sa.String(length=200), nullable=True),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column(
            "algorithm",
            _choice("str_algorithm", "tanabe", "masters_query", "masters_reference"),
            nullable=False,
        ),
        sa.Column("own_score", sa.Float(), nullable=True),
        sa.Column("own_reference", sa.String(length=64), nullable=True),
        sa.Column(
            "verdict",
            _choice("authenticity", "authenticated", "mismatch", "ambiguous"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_authentications_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["qc_result_id"],
            ["qc_results.id"],
            name=op.f("fk_authentications_qc_result_id_qc_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authentications")),
        sa.UniqueConstraint("qc_result_id", name=op.f("uq_authentications_qc_result_id")),
    )
    op.create_index(
        "ix_authentications_lot_id_tested_on", "authentications", ["lot_id", "tested_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_authentications_lot_id_tested_on", table_name="authentications")
    op.drop_table("authentications")
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("quarantine_reason")
