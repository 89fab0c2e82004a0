"""Searches that stay fast on millions of items.

- Each box keeps its longest run of free positions (`free_run`, row-major), so that the search
  for N contiguous free positions reads only the boxes that have such a run; measured here
  from the items for every box.
- Materials in accession-number order: a page of the catalogue reads its first rows, not a
  sort of every material; and by access level and kind, which a search's count reads alone.
- On PostgreSQL, trigram indexes (pg_trgm) for the text search's ILIKE on accession numbers,
  names, taxa and other identifiers. SQLite has no such index and scans, as before.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAMS = [  # (table, column): each a GIN index ix_<table>_<column>_trgm
    ("materials", "accession_number"),
    ("materials", "designation"),
    ("materials", "designation_zh"),
    ("materials", "taxon_name"),
    ("materials", "taxon_name_zh"),
    ("identifiers", "value"),
]

# every box's longest gap between its occupied cells (row-major indexes), the grid's ends
# counting as occupied cells -1 and rows * cols
FREE_RUNS = """
WITH cells AS (
    SELECT i.container_id AS box, (i."row" - 1) * u.cols + i.col - 1 AS cell,
           u.rows * u.cols AS size
    FROM items i JOIN storage_units u ON u.id = i.container_id
    WHERE u.rows IS NOT NULL AND i."row" IS NOT NULL
    UNION ALL
    SELECT id, -1, rows * cols FROM storage_units WHERE rows IS NOT NULL
), runs AS (
    SELECT box, max(next_cell - cell - 1) AS run
    FROM (
        SELECT box, cell, lead(cell, 1, size) OVER (PARTITION BY box ORDER BY cell) AS next_cell
        FROM cells
    ) AS gaps
    GROUP BY box
)
UPDATE storage_units SET free_run = runs.run FROM runs WHERE runs.box = storage_units.id
"""


def upgrade() -> None:
    op.add_column("storage_units", sa.Column("free_run", sa.Integer(), nullable=True))
    op.execute(FREE_RUNS)
    op.create_index(op.f("ix_storage_units_free_run"), "storage_units", ["free_run"], unique=False)
    op.create_index(
        op.f("ix_materials_accession_number"), "materials", ["accession_number"], unique=False
    )
    op.create_index(
        op.f("ix_materials_access_level_kind"), "materials", ["access_level", "kind"], unique=False
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # one extension per database, shared by its schemas (which may not have `public` in their
    # search path): its operator class is named with the schema it lives in
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    home = op.get_bind().scalar(
        sa.text(
            "SELECT quote_ident(nspname) FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pg_trgm'"
        )
    )
    for table, column in TRIGRAMS:
        op.create_index(
            f"ix_{table}_{column}_trgm",
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: f"{home}.gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in reversed(TRIGRAMS):
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    op.drop_index(op.f("ix_materials_access_level_kind"), table_name="materials")
    op.drop_index(op.f("ix_materials_accession_number"), table_name="materials")
    op.drop_index(op.f("ix_storage_units_free_run"), table_name="storage_units")
    with op.batch_alter_table("storage_units") as batch:
        batch.drop_column("free_run")
