"""Animal colonies: welfare protocols (what they approve in all and per line), matings and their
plug checks, litters and their weaning, body weights; an animal's protocol, litter,
generation, transponder and exit; a line's weaning age.

New tables, and columns added in place (each with its CHECK constraint or foreign key), so
that no table that others refer to is copied on SQLite.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("protocols", "protocol_lines", "body_weights", "matings", "litters", "plug_checks")


def _columns() -> list[tuple[str, sa.Column]]:
    """The columns added to existing tables, as (table, column)."""
    exits = "exit IN ('death', 'euthanasia', 'shipped')"
    return [
        (
            "animal_lines",
            sa.Column(
                "wean_age_days",
                sa.Integer(),
                sa.CheckConstraint(
                    "wean_age_days BETWEEN 10 AND 60", name=op.f("ck_animal_lines_wean_age_days")
                ),
                nullable=True,
            ),
        ),
        ("animals", sa.Column("transponder", sa.String(length=32), nullable=True)),
        ("animals", sa.Column("generation", sa.String(length=16), nullable=True)),
        (
            "animals",
            sa.Column(
                "exit",
                sa.String(length=32),
                sa.CheckConstraint(exits, name=op.f("ck_animals_animal_exit")),
                nullable=True,
            ),
        ),
        ("animals", sa.Column("exit_on", sa.Date(), nullable=True)),
        ("animals", sa.Column("exit_by", sa.String(length=200), nullable=True)),
        ("animals", sa.Column("exit_method", sa.String(length=200), nullable=True)),
        ("animals", sa.Column("exit_reason", sa.String(length=500), nullable=True)),
    ]


# columns of `animals` that refer to a new table: (column, table referred to)
REFERENCES = [("protocol_id", "protocols"), ("litter_id", "litters")]


def _add_reference(column: str, table: str) -> None:
    """Add a nullable integer column to `animals` with its foreign key, in place: SQLite takes
    the key in ADD COLUMN (it alters no constraint), the others as a constraint of its own."""
    name = f"fk_animals_{column}_{table}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE animals ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {name} REFERENCES {table} (id)"
        )
        return
    op.add_column("animals", sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(op.f(name), "animals", table, [column], ["id"])


def upgrade() -> None:
    op.create_table(
        "protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("species", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("animals_approved", sa.Integer(), nullable=True),
        sa.Column("animals_used", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("animals_approved >= 0", name=op.f("ck_protocols_animals_approved")),
        sa.CheckConstraint(
            "animals_used >= 0 AND (animals_approved IS NULL OR animals_used <= animals_approved)",
            name=op.f("ck_protocols_animals_used"),
        ),
        sa.CheckConstraint("expires_on >= approved_on", name=op.f("ck_protocols_dates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocols")),
        sa.UniqueConstraint("number", name=op.f("uq_protocols_number")),
    )
    op.create_table(
        "protocol_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("animals_approved", sa.Integer(), nullable=False),
        sa.Column("animals_used", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "animals_approved >= 0", name=op.f("ck_protocol_lines_animals_approved")
        ),
        sa.CheckConstraint(
            "animals_used >= 0 AND animals_used <= animals_approved",
            name=op.f("ck_protocol_lines_animals_used"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["materials.id"], name=op.f("fk_protocol_lines_line_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_protocol_lines_protocol_id_protocols")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_lines")),
        sa.UniqueConstraint(
            "protocol_id", "line_id", name=op.f("uq_protocol_lines_protocol_id_line_id")
        ),
    )
    op.create_index(op.f("ix_protocol_lines_line_id"), "protocol_lines", ["line_id"], unique=False)
    op.create_table(
        "body_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("weighed_on", sa.Date(), nullable=False),
        sa.Column("grams", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
        sa.Column("condition_score", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "condition_score BETWEEN 1 AND 5", name=op.f("ck_body_weights_condition_score")
        ),
        sa.CheckConstraint("grams > 0", name=op.f("ck_body_weights_grams")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_body_weights_item_id_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_weights")),
    )
    op.create_index(op.f("ix_body_weights_item_id"), "body_weights", ["item_id"], unique=False)
    op.create_table(
        "matings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("sire_id", sa.Integer(), nullable=False),
        sa.Column("dam_id", sa.Integer(), nullable=False),
        sa.Column("second_dam_id", sa.Integer(), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "natural",
                "ivf",
                "embryo_transfer",
                "ovary_transfer",
                name="mating_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("set_up_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "retired",
                name="mating_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'retired') = (retired_on IS NOT NULL)", name=op.f("ck_matings_retired_on")
        ),
        sa.CheckConstraint(
            "sire_id <> dam_id AND (second_dam_id IS NULL OR (second_dam_id <> dam_id AND second_dam_id <> sire_id))",
            name=op.f("ck_matings_distinct_animals"),
        ),
        sa.ForeignKeyConstraint(["dam_id"], ["items.id"], name=op.f("fk_matings_dam_id_items")),
        sa.ForeignKeyConstraint(
            ["line_id"], ["materials.id"], name=op.f("fk_matings_line_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["second_dam_id"], ["items.id"], name=op.f("fk_matings_second_dam_id_items")
        ),
        sa.ForeignKeyConstraint(["sire_id"], ["items.id"], name=op.f("fk_matings_sire_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matings")),
    )
    op.create_index(op.f("ix_matings_dam_id"), "matings", ["dam_id"], unique=False)
    op.create_index(op.f("ix_matings_line_id"), "matings", ["line_id"], unique=False)
    op.create_index(op.f("ix_matings_sire_id"), "matings", ["sire_id"], unique=False)
    op.create_table(
        "litters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mating_id", sa.Integer(), nullable=False),
        sa.Column("dam_id", sa.Integer(), nullable=False),
        sa.Column("born_on", sa.Date(), nullable=False),
        sa.Column("born_alive", sa.Integer(), nullable=False),
        sa.Column("born_dead", sa.Integer(), nullable=False),
        sa.Column("died", sa.Integer(), nullable=False),
        sa.Column("weaned", sa.Integer(), nullable=False),
        sa.Column("wean_due_on", sa.Date(), nullable=False),
        sa.Column("weaned_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("born_alive >= 0 AND born_dead >= 0", name=op.f("ck_litters_born")),
        sa.CheckConstraint(
            "died >= 0 AND weaned >= 0 AND died + weaned <= born_alive",
            name=op.f("ck_litters_within_born_alive"),
        ),
        sa.CheckConstraint("wean_due_on >= born_on", name=op.f("ck_litters_wean_due_on")),
        sa.ForeignKeyConstraint(["dam_id"], ["items.id"], name=op.f("fk_litters_dam_id_items")),
        sa.ForeignKeyConstraint(
            ["mating_id"], ["matings.id"], name=op.f("fk_litters_mating_id_matings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litters")),
    )
    op.create_index(op.f("ix_litters_mating_id"), "litters", ["mating_id"], unique=False)
    op.create_table(
        "plug_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mating_id", sa.Integer(), nullable=False),
        sa.Column("dam_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("plug", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dam_id"], ["items.id"], name=op.f("fk_plug_checks_dam_id_items")),
        sa.ForeignKeyConstraint(
            ["mating_id"], ["matings.id"], name=op.f("fk_plug_checks_mating_id_matings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plug_checks")),
    )
    op.create_index(op.f("ix_plug_checks_mating_id"), "plug_checks", ["mating_id"], unique=False)
    for table, column in _columns():
        op.add_column(table, column)
    for column, referred in REFERENCES:
        _add_reference(column, referred)
    op.create_index(op.f("ix_animals_litter_id"), "animals", ["litter_id"], unique=False)
    op.create_index(op.f("ix_animals_protocol_id"), "animals", ["protocol_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_animals_protocol_id"), table_name="animals")
    op.drop_index(op.f("ix_animals_litter_id"), table_name="animals")
    for column, referred in reversed(REFERENCES):
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"fk_animals_{column}_{referred}", "animals", type_="foreignkey")
        op.drop_column("animals", column)
    for table, column in reversed(_columns()):
        op.drop_column(table, column.name)
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
