"""Background jobs keep the id of the HTTP request that queued them (X-Request-Id), so that a
job's log lines can be followed back to the request.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("import_jobs", "print_jobs")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("request_id", sa.String(100), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_id")
