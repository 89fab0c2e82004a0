"""A seed's MLSSTAT kept as MCPD codes it (0 not in the MLS, 1 in it, 99 other) instead of a
flag that had no room for 99, so that an MCPD file's MLSSTAT 99 is exported as it was imported.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("seeds") as batch:
        batch.add_column(sa.Column("mls_status", sa.Integer(), nullable=True))
        batch.create_check_constraint(op.f("ck_seeds_mls_status"), "mls_status IN (0, 1, 99)")
    op.execute(
        "UPDATE seeds SET mls_status = CASE WHEN in_mls THEN 1 ELSE 0 END WHERE in_mls IS NOT NULL"
    )
    with op.batch_alter_table("seeds") as batch:
        batch.drop_column("in_mls")


def downgrade() -> None:
    with op.batch_alter_table("seeds") as batch:
        batch.add_column(sa.Column("in_mls", sa.Boolean(), nullable=True))
    op.execute("UPDATE seeds SET in_mls = (mls_status = 1) WHERE mls_status IN (0, 1)")
    with op.batch_alter_table("seeds") as batch:
        batch.drop_constraint(op.f("ck_seeds_mls_status"), type_="check")
        batch.drop_column("mls_status")
