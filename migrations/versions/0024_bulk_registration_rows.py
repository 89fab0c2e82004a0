"""Bulk registration writes fewer rows per item: one `registered` event per item (its lot and
place in one payload) and one audit entry per batch of rows (`batch_insert`: the ids written and a
SHA-256 over the rows), so both CHECK constraints take the new value.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TYPES = (
    "collected",
    "received",
    "accessioned",
    "preserved",
    "qc",
    "passaged",
    "aliquoted",
    "derived",
    "placed",
    "moved",
    "reserved",
    "shipped",
    "returned",
    "consumed",
    "destroyed",
    "missing",
    "found",
    "annotated",
)
AUDIT_ACTIONS = ("insert", "update", "delete")


def _allow(table: str, column: str, name: str, values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{name}"), f"{column} IN ({listed})")


def upgrade() -> None:
    _allow("events", "type", "event_type", (*EVENT_TYPES, "registered"))
    _allow("audit_log", "action", "audit_action", (*AUDIT_ACTIONS, "batch_insert"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.scalar(sa.text("SELECT 1 FROM audit_log WHERE action = 'batch_insert' LIMIT 1")):
        raise RuntimeError(
            "The audit log holds entries of bulk registrations (batch_insert), which the older "
            "schema cannot say and which cannot be rewritten without breaking the hash chain."
        )
    # the older form of a registration's event: its lot (its place stays in the payload)
    op.execute("UPDATE events SET type = 'preserved' WHERE type = 'registered'")
    _allow("events", "type", "event_type", EVENT_TYPES)
    _allow("audit_log", "action", "audit_action", AUDIT_ACTIONS)
