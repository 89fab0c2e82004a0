"""Seed viability: germination tests and their replicates, regenerations, safety duplicates,
and a collection's seed monitoring and regeneration settings (for all its seeds or a crop).

Only new tables: no table that others refer to is copied on SQLite.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _key(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def _id(table: str) -> tuple[sa.Column, sa.PrimaryKeyConstraint]:
    return (
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "germination_tests",
        *_id("germination_tests"),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("medium", sa.String(length=64), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("seeds", sa.Integer(), nullable=False),
        sa.Column("germination_pct", sa.Float(), nullable=False),
        sa.Column("viability_pct", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _created_at(),
        _check("germination_tests", "days", "days >= 1"),
        _check("germination_tests", "seeds", "seeds >= 1"),
        _check("germination_tests", "germination_pct", "germination_pct BETWEEN 0 AND 100"),
        _check("germination_tests", "viability_pct", "viability_pct BETWEEN 0 AND 100"),
        _key("germination_tests", "lot_id", "lots"),
        _key("germination_tests", "event_id", "events"),
    )
    op.create_index(
        op.f("ix_germination_tests_lot_id"), "germination_tests", ["lot_id"], unique=False
    )
    op.create_table(
        "germination_replicates",
        *_id("germination_replicates"),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seeds", sa.Integer(), nullable=False),
        *(
            sa.Column(count, sa.Integer(), nullable=False)
            for count in ("normal", "abnormal", "dead", "hard", "fresh")
        ),
        _check("germination_replicates", "number", "number >= 1"),
        _check("germination_replicates", "seeds", "seeds >= 1"),
        _check(
            "germination_replicates",
            "counts",
            "normal >= 0 AND abnormal >= 0 AND dead >= 0 AND hard >= 0 AND fresh >= 0",
        ),
        _check(
            "germination_replicates",
            "counts_add_up",
            "normal + abnormal + dead + hard + fresh = seeds",
        ),
        _key("germination_replicates", "test_id", "germination_tests"),
        sa.UniqueConstraint(
            "test_id", "number", name=op.f("uq_germination_replicates_test_id_number")
        ),
    )
    op.create_table(
        "regenerations",
        *_id("regenerations"),
        sa.Column("from_lot_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("season", sa.String(length=32), nullable=True),
        sa.Column("plants", sa.Integer(), nullable=False),
        sa.Column(
            "isolation",
            sa.Enum(
                "none",
                "distance",
                "time",
                "bagging",
                "caging",
                "hand_pollination",
                name="isolation_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("harvested_on", sa.Date(), nullable=False),
        sa.Column("seeds_harvested", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _created_at(),
        _check("regenerations", "plants", "plants >= 1"),
        _check("regenerations", "seeds_harvested", "seeds_harvested >= 0"),
        _key("regenerations", "from_lot_id", "lots"),
        _key("regenerations", "lot_id", "lots"),
        sa.UniqueConstraint("lot_id", name=op.f("uq_regenerations_lot_id")),
    )
    op.create_index(
        op.f("ix_regenerations_from_lot_id"), "regenerations", ["from_lot_id"], unique=False
    )
    op.create_table(
        "safety_duplicates",
        *_id("safety_duplicates"),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("institute_code", sa.String(length=16), nullable=False),
        sa.Column("institute_name", sa.String(length=200), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("seeds", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _created_at(),
        _check("safety_duplicates", "seeds", "seeds >= 1"),
        _key("safety_duplicates", "lot_id", "lots"),
        sa.UniqueConstraint(
            "lot_id", "institute_code", name=op.f("uq_safety_duplicates_lot_id_institute_code")
        ),
    )
    op.create_table(
        "seed_settings",
        *_id("seed_settings"),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("crop_name", sa.String(length=200), nullable=False),
        sa.Column("base_every_years", sa.Integer(), nullable=True),
        sa.Column("active_every_years", sa.Integer(), nullable=True),
        sa.Column("declining", sa.Boolean(), nullable=True),
        sa.Column("regenerate_below_pct", sa.Float(), nullable=True),
        sa.Column("seeds_per_regeneration", sa.Integer(), nullable=True),
        _check("seed_settings", "base_every_years", "base_every_years >= 1"),
        _check("seed_settings", "active_every_years", "active_every_years >= 1"),
        _check(
            "seed_settings",
            "regenerate_below_pct",
            "regenerate_below_pct > 0 AND regenerate_below_pct <= 100",
        ),
        _check("seed_settings", "seeds_per_regeneration", "seeds_per_regeneration >= 1"),
        _key("seed_settings", "collection_id", "collections"),
        sa.UniqueConstraint(
            "collection_id", "crop_name", name=op.f("uq_seed_settings_collection_id_crop_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("seed_settings")
    op.drop_table("safety_duplicates")
    op.drop_index(op.f("ix_regenerations_from_lot_id"), table_name="regenerations")
    op.drop_table("regenerations")
    op.drop_table("germination_replicates")
    op.drop_index(op.f("ix_germination_tests_lot_id"), table_name="germination_tests")
    op.drop_table("germination_tests")
