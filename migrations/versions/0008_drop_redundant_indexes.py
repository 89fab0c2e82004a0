"""Drop two indexes that unique constraints already lead with: materials by collection (the
collection's accession numbers are unique) and lots by material (their numbers are unique).
Besides costing every insert, they misled PostgreSQL's planner inside a bulk import, where the
tables grow faster than their statistics: a lookup of accession numbers scanned every material
of the collection through the narrower index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_materials_collection_id", table_name="materials")
    op.drop_index("ix_lots_material_id", table_name="lots")


def downgrade() -> None:
    op.create_index("ix_lots_material_id", "lots", ["material_id"])
    op.create_index("ix_materials_collection_id", "materials", ["collection_id"])
