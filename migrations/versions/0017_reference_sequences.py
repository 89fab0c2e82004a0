"""Sequence identification: reference sets and their sequences, identity thresholds per marker
(with the published defaults for 16S rRNA and ITS), the 8-mer profiles of sequences, and the
check of each strain's sequence against its declared taxon.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERDICTS = "'species', 'genus', 'below_genus', 'low_coverage', 'no_thresholds', 'no_hit'"
DEFAULTS = [
    {
        "marker": "16S rRNA",
        "species": 98.7,
        "genus": 94.5,
        "min_coverage": 80.0,
        "source": "Species: Kim et al. 2014, IJSEM 64:346; Chun et al. 2018. "
        "Genus: Yarza et al. 2014, Nat Rev Microbiol 12:635.",
    },
    {
        "marker": "ITS",
        "species": 98.41,
        "genus": 94.3,
        "min_coverage": 80.0,
        "source": "Vu et al. 2019, Stud Mycol 92:135 (ITS, species and genus).",
    },
]


def upgrade() -> None:
    op.add_column("sequences", sa.Column("kmers", sa.LargeBinary(), nullable=True))
    op.create_table(
        "reference_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("size >= 0", name=op.f("ck_reference_sets_size")),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_reference_sets_imported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_sets")),
        sa.UniqueConstraint("name", name=op.f("uq_reference_sets_name")),
    )
    op.create_table(
        "reference_sequences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("accession", sa.String(length=64), nullable=False),
        sa.Column("taxon_name", sa.String(length=200), nullable=False),
        sa.Column("marker", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("residues", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("kmers", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("length > 0", name=op.f("ck_reference_sequences_length")),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["reference_sets.id"],
            name=op.f("fk_reference_sequences_set_id_reference_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_sequences")),
        sa.UniqueConstraint(
            "set_id", "accession", name=op.f("uq_reference_sequences_set_id_accession")
        ),
    )
    op.create_index(
        op.f("ix_reference_sequences_marker"), "reference_sequences", ["marker"], unique=False
    )
    thresholds = op.create_table(
        "identity_thresholds",
        sa.Column("marker", sa.String(length=32), nullable=False),
        sa.Column("species", sa.Float(), nullable=False),
        sa.Column("genus", sa.Float(), nullable=False),
        sa.Column("min_coverage", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "genus > 0 AND genus <= species AND species <= 100",
            name=op.f("ck_identity_thresholds_identities"),
        ),
        sa.CheckConstraint(
            "min_coverage BETWEEN 0 AND 100", name=op.f("ck_identity_thresholds_min_coverage")
        ),
        sa.PrimaryKeyConstraint("marker", name=op.f("pk_identity_thresholds")),
    )
    op.bulk_insert(thresholds, DEFAULTS)
    op.create_table(
        "sequence_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "verdict",
            sa.String(length=32),
            sa.CheckConstraint(
                f"verdict IN ({VERDICTS})", name=op.f("ck_sequence_checks_identity_verdict")
            ),
            nullable=False,
        ),
        sa.Column("declared_taxon", sa.String(length=200), nullable=False),
        sa.Column("hit_accession", sa.String(length=64), nullable=True),
        sa.Column("hit_taxon", sa.String(length=200), nullable=True),
        sa.Column("hit_source", sa.String(length=100), nullable=True),
        sa.Column("identity", sa.Float(), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=True),
        sa.Column("other_genus", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("coverage BETWEEN 0 AND 100", name=op.f("ck_sequence_checks_coverage")),
        sa.CheckConstraint("identity BETWEEN 0 AND 100", name=op.f("ck_sequence_checks_identity")),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_sequence_checks_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["sequences.id"],
            name=op.f("fk_sequence_checks_sequence_id_sequences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_checks")),
        sa.UniqueConstraint("sequence_id", name=op.f("uq_sequence_checks_sequence_id")),
    )
    op.create_index(
        op.f("ix_sequence_checks_other_genus"), "sequence_checks", ["other_genus"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sequence_checks_other_genus"), table_name="sequence_checks")
    op.drop_table("sequence_checks")
    op.drop_table("identity_thresholds")
    op.drop_index(op.f("ix_reference_sequences_marker"), table_name="reference_sequences")
    op.drop_table("reference_sequences")
    op.drop_table("reference_sets")
    with op.batch_alter_table("sequences", schema=None) as batch_op:
        batch_op.drop_column("kmers")
