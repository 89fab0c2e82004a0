"""exchange: MCPD passport fields, Cellosaurus reference entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:33:45.578507
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cellosaurus_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accession", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("species", sa.JSON(), nullable=False),
        sa.Column("taxon_ids", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=True),
        sa.Column("str_profile", sa.JSON(), nullable=False),
        sa.Column("str_sources", sa.JSON(), nullable=False),
        sa.Column("cautions", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cellosaurus_entries")),
        sa.UniqueConstraint("accession", name=op.f("uq_cellosaurus_entries_accession")),
    )
    with op.batch_alter_table("seeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("puid", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("collecting_number", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("collecting_institutes", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("collecting_institute_name", sa.String(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("collecting_institute_address", sa.String(length=500), nullable=True)
        )
        batch_op.add_column(sa.Column("collecting_mission", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("genus", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("specific_epithet", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("species_author", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subtaxa", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subtaxa_author", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("latitude_dms", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("longitude_dms", sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column("coordinate_uncertainty_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("coordinate_datum", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("georeference_method", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("breeding_institute_name", sa.String(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("donor_institute_code", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("safety_duplicate_sites", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("safety_duplicate_name", sa.String(length=200), nullable=True)
        )
        batch_op.alter_column(
            "breeding_institute",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.String(length=200),
            existing_nullable=True,
        )


def downgrade() -> None:
    op.drop_table("cellosaurus_entries")
    with op.batch_alter_table("seeds", schema=None) as batch_op:
        batch_op.alter_column(
            "breeding_institute",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=16),
            existing_nullable=True,
        )
        batch_op.drop_column("safety_duplicate_name")
        batch_op.drop_column("safety_duplicate_sites")
        batch_op.drop_column("donor_institute_code")
        batch_op.drop_column("breeding_institute_name")
        batch_op.drop_column("georeference_method")
        batch_op.drop_column("coordinate_datum")
        batch_op.drop_column("coordinate_uncertainty_m")
        batch_op.drop_column("longitude_dms")
        batch_op.drop_column("latitude_dms")
        batch_op.drop_column("subtaxa_author")
        batch_op.drop_column("subtaxa")
        batch_op.drop_column("species_author")
        batch_op.drop_column("specific_epithet")
        batch_op.drop_column("genus")
        batch_op.drop_column("collecting_mission")
        batch_op.drop_column("collecting_institute_address")
        batch_op.drop_column("collecting_institute_name")
        batch_op.drop_column("collecting_institutes")
        batch_op.drop_column("collecting_number")
        batch_op.drop_column("puid")
