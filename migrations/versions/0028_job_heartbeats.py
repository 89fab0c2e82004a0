"""Background work across workers: an import job's heartbeat (the worker running it renews it;
a job whose heartbeat is stale is taken over), and the periodic runs claimed once per schedule
slot by whichever worker's scheduler comes first.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True)))
    op.create_table(
        "periodic_runs",
        sa.Column("task", sa.String(length=50), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task", "slot", name=op.f("pk_periodic_runs")),
    )


def downgrade() -> None:
    op.drop_table("periodic_runs")
    with op.batch_alter_table("import_jobs") as batch:
        batch.drop_column("heartbeat_at")
