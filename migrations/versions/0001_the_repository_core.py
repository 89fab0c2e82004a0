"""the repository core

Revision ID: 0001
Revises:
Create Date: 2026-11-28 15:29:54.539428
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "barcodes",
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.CheckConstraint("owner IN ('item', 'storage')", name=op.f("ck_barcodes_owner")),
        sa.PrimaryKeyConstraint("value", name=op.f("pk_barcodes")),
        sa.UniqueConstraint("value", "owner", name=op.f("uq_barcodes_value_owner")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("biosafety_level", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "biosafety_level BETWEEN 1 AND 4", name=op.f("ck_organisations_biosafety_level")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "culture_collection",
                "seed_bank",
                "cell_bank",
                "animal_facility",
                "biobank",
                name="collection_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("institute_code", sa.String(length=16), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("accession_pattern", sa.String(length=64), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("mta_template", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("next_seq >= 1", name=op.f("ck_collections_next_seq")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_collections_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("code", name=op.f("uq_collections_code")),
    )
    op.create_table(
        "storage_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=32), nullable=False),
        sa.Column("barcode_owner", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "site",
                "room",
                "freezer",
                "ln2_tank",
                "cold_room",
                "refrigerator",
                "rack",
                "shelf",
                "box",
                "cage",
                "container",
                name="storage_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("cols", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("occupied", sa.Integer(), nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(kind = 'box') = (rows IS NOT NULL AND cols IS NOT NULL)",
            name=op.f("ck_storage_units_grid"),
        ),
        sa.CheckConstraint(
            "barcode_owner = 'storage'", name=op.f("ck_storage_units_barcode_owner")
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_storage_units_capacity")),
        sa.CheckConstraint(
            "occupied >= 0 AND (rows IS NULL OR occupied <= rows * cols) AND (capacity IS NULL OR occupied <= capacity)",
            name=op.f("ck_storage_units_occupied"),
        ),
        sa.CheckConstraint("parent_id <> id", name=op.f("ck_storage_units_not_own_parent")),
        sa.CheckConstraint(
            "rows BETWEEN 1 AND 50 AND cols BETWEEN 1 AND 50",
            name=op.f("ck_storage_units_grid_size"),
        ),
        sa.CheckConstraint("slot >= 1", name=op.f("ck_storage_units_slot")),
        sa.ForeignKeyConstraint(
            ["barcode", "barcode_owner"],
            ["barcodes.value", "barcodes.owner"],
            name=op.f("fk_storage_units_barcode_barcode_owner_barcodes"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["storage_units.id"],
            name=op.f("fk_storage_units_parent_id_storage_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_units")),
        sa.UniqueConstraint("barcode", name=op.f("uq_storage_units_barcode")),
        sa.UniqueConstraint("id", "rows", "cols", name=op.f("uq_storage_units_id_rows_cols")),
        sa.UniqueConstraint("parent_id", "slot", name=op.f("uq_storage_units_parent_id_slot")),
    )
    with op.batch_alter_table("storage_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storage_units_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "insert",
                "update",
                "delete",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_table_name_row_id", ["table_name", "row_id"], unique=False
        )

    op.create_table(
        "donors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "unknown",
                name="sex",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("year_of_birth", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "year_of_birth BETWEEN 1880 AND 2200", name=op.f("ck_donors_year_of_birth")
        ),
        sa.ForeignKeyConstraint(
            ["collection_id"], ["collections.id"], name=op.f("fk_donors_collection_id_collections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donors")),
        sa.UniqueConstraint("collection_id", "code", name=op.f("uq_donors_collection_id_code")),
    )
    op.create_table(
        "materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("accession_number", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "strain",
                "seed",
                "cell_line",
                "animal_line",
                "specimen",
                name="material_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("designation", sa.String(length=200), nullable=False),
        sa.Column("designation_zh", sa.String(length=200), nullable=True),
        sa.Column("taxon_name", sa.String(length=200), nullable=False),
        sa.Column("taxon_name_zh", sa.String(length=200), nullable=True),
        sa.Column("taxon_id", sa.Integer(), nullable=True),
        sa.Column("origin_country", sa.String(length=3), nullable=True),
        sa.Column("origin_site", sa.String(length=500), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("elevation_m", sa.Integer(), nullable=True),
        sa.Column("collection_date", sa.String(length=10), nullable=True),
        sa.Column("collector", sa.String(length=200), nullable=True),
        sa.Column("donor_institute", sa.String(length=200), nullable=True),
        sa.Column("donor_accession", sa.String(length=64), nullable=True),
        sa.Column(
            "biological_status",
            sa.Enum(
                "wild",
                "natural_isolate",
                "landrace",
                "breeding_material",
                "cultivar",
                "laboratory_strain",
                "mutant",
                "genetically_modified",
                "transformed",
                "primary",
                "other",
                name="biological_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "access_level",
            sa.Enum(
                "open",
                "restricted",
                "internal",
                name="access_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("risk_group", sa.Integer(), nullable=False),
        sa.Column(
            "abs_status",
            sa.Enum(
                "out_of_scope",
                "in_scope",
                "unknown",
                name="abs_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("abs_permits", sa.String(length=500), nullable=True),
        sa.Column("ipr", sa.String(length=500), nullable=True),
        sa.Column("restrictions_on_use", sa.String(length=500), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("internal_remarks", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_materials_latitude")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_materials_longitude")),
        sa.CheckConstraint("risk_group BETWEEN 1 AND 4", name=op.f("ck_materials_risk_group")),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_materials_collection_id_collections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
        sa.UniqueConstraint(
            "collection_id",
            "accession_number",
            name=op.f("uq_materials_collection_id_accession_number"),
        ),
    )
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_materials_collection_id"), ["collection_id"], unique=False
        )
        batch_op.create_index("ix_materials_designation", ["designation"], unique=False)
        batch_op.create_index("ix_materials_taxon_name", ["taxon_name"], unique=False)

    op.create_table(
        "animal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("background", sa.String(length=100), nullable=True),
        sa.Column("genotype", sa.String(length=500), nullable=True),
        sa.Column("zygosity", sa.String(length=16), nullable=True),
        sa.Column("breeding_scheme", sa.String(length=16), nullable=True),
        sa.Column("coat_colour", sa.String(length=64), nullable=True),
        sa.Column("phenotype", sa.String(length=500), nullable=True),
        sa.Column("health_status", sa.String(length=64), nullable=True),
        sa.Column("protocol_number", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["materials.id"], name=op.f("fk_animal_lines_id_materials")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_animal_lines")),
    )
    op.create_table(
        "cell_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cellosaurus_id", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("cell_type", sa.String(length=200), nullable=True),
        sa.Column("tissue", sa.String(length=200), nullable=True),
        sa.Column("disease", sa.String(length=200), nullable=True),
        sa.Column("disease_ncit", sa.String(length=16), nullable=True),
        sa.Column("donor_sex", sa.String(length=32), nullable=True),
        sa.Column("donor_age", sa.String(length=32), nullable=True),
        sa.Column("population", sa.String(length=100), nullable=True),
        sa.Column("growth_mode", sa.String(length=16), nullable=True),
        sa.Column("culture_medium", sa.String(length=200), nullable=True),
        sa.Column("problematic", sa.Text(), nullable=True),
        sa.Column("str_profile", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["materials.id"], name=op.f("fk_cell_lines_id_materials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_lines")),
    )
    with op.batch_alter_table("cell_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cell_lines_cellosaurus_id"), ["cellosaurus_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["donor_id"],
            ["donors.id"],
            name=op.f("fk_consents_donor_id_donors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_identifiers_material_id_materials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifiers")),
        sa.UniqueConstraint(
            "material_id", "scheme", "value", name=op.f("uq_identifiers_material_id_scheme_value")
        ),
    )
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identifiers_value"), ["value"], unique=False)

    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent_lot_id", sa.Integer(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "glycerol_minus80",
                "frozen_minus80",
                "ln2_vapour",
                "ln2_liquid",
                "lyophilised",
                "dried_seed_minus18",
                "dried_seed_4",
                "ffpe",
                "ambient",
                "live",
                name="method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("preserved_on", sa.Date(), nullable=False),
        sa.Column("passage_number", sa.Integer(), nullable=True),
        sa.Column("generation", sa.String(length=16), nullable=True),
        sa.Column("regeneration_cycle", sa.Integer(), nullable=True),
        sa.Column("initial_quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "ml",
                "ul",
                "ug",
                "mg",
                "g",
                "seeds",
                "ampoule",
                "cells",
                "animal",
                "each",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("initial_quantity >= 0", name=op.f("ck_lots_initial_quantity")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_lots_number")),
        sa.CheckConstraint("passage_number >= 0", name=op.f("ck_lots_passage_number")),
        sa.CheckConstraint("regeneration_cycle >= 0", name=op.f("ck_lots_regeneration_cycle")),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_lots_material_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["parent_lot_id"], ["lots.id"], name=op.f("fk_lots_parent_lot_id_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("material_id", "number", name=op.f("uq_lots_material_id_number")),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lots_material_id"), ["material_id"], unique=False)

    op.create_table(
        "seeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crop_name", sa.String(length=200), nullable=True),
        sa.Column("crop_name_zh", sa.String(length=200), nullable=True),
        sa.Column("sample_status", sa.Integer(), nullable=True),
        sa.Column("acquisition_source", sa.Integer(), nullable=True),
        sa.Column("acquisition_date", sa.String(length=8), nullable=True),
        sa.Column("ancestral_data", sa.String(length=500), nullable=True),
        sa.Column("breeding_institute", sa.String(length=16), nullable=True),
        sa.Column("storage_types", sa.JSON(), nullable=False),
        sa.Column("in_mls", sa.Boolean(), nullable=True),
        sa.Column("thousand_seed_weight_g", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["materials.id"], name=op.f("fk_seeds_id_materials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seeds")),
    )
    op.create_table(
        "specimens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("specimen_type", sa.String(length=32), nullable=False),
        sa.Column("anatomical_site", sa.String(length=100), nullable=True),
        sa.Column("sprec_code", sa.String(length=40), nullable=True),
        sa.Column("donor_id", sa.Integer(), nullable=True),
        sa.Column("disease_icd10", sa.String(length=16), nullable=True),
        sa.Column("ethics_approval", sa.String(length=64), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("storage_temperature", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_specimens_donor_id_donors")
        ),
        sa.ForeignKeyConstraint(["id"], ["materials.id"], name=op.f("fk_specimens_id_materials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specimens")),
    )
    with op.batch_alter_table("specimens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_specimens_donor_id"), ["donor_id"], unique=False)

    op.create_table(
        "strains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organism_type", sa.String(length=32), nullable=True),
        sa.Column("type_strain", sa.Boolean(), nullable=False),
        sa.Column("isolation_source", sa.String(length=500), nullable=True),
        sa.Column("genotype", sa.String(length=500), nullable=True),
        sa.Column("plasmids", sa.String(length=500), nullable=True),
        sa.Column("genetically_modified", sa.Boolean(), nullable=False),
        sa.Column("growth_medium", sa.String(length=200), nullable=True),
        sa.Column("growth_temperature_c", sa.Float(), nullable=True),
        sa.Column("oxygen_relationship", sa.String(length=32), nullable=True),
        sa.Column("form_of_supply", sa.JSON(), nullable=False),
        sa.Column("applications", sa.String(length=500), nullable=True),
        sa.Column("literature", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["materials.id"], name=op.f("fk_strains_id_materials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strains")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=32), nullable=False),
        sa.Column("barcode_owner", sa.String(length=16), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "form",
            sa.Enum(
                "cryovial",
                "ampoule",
                "seed_packet",
                "tube",
                "slide",
                "block",
                "sheet",
                "plate",
                "animal",
                name="form",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "ml",
                "ul",
                "ug",
                "mg",
                "g",
                "seeds",
                "ampoule",
                "cells",
                "animal",
                "each",
                name="unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "available",
                "reserved",
                "distributed",
                "consumed",
                "destroyed",
                "missing",
                name="item_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("container_id", sa.Integer(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("col", sa.Integer(), nullable=True),
        sa.Column("grid_rows", sa.Integer(), nullable=True),
        sa.Column("grid_cols", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("barcode_owner = 'item'", name=op.f("ck_items_barcode_owner")),
        sa.CheckConstraint(
            "container_id IS NULL OR status NOT IN ('distributed', 'consumed', 'destroyed')",
            name=op.f("ck_items_gone_has_no_place"),
        ),
        sa.CheckConstraint(
            "(row IS NULL AND col IS NULL) OR (grid_rows IS NOT NULL AND grid_cols IS NOT NULL AND row BETWEEN 1 AND grid_rows AND col BETWEEN 1 AND grid_cols)",
            name=op.f("ck_items_position_in_grid"),
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_items_quantity")),
        sa.ForeignKeyConstraint(
            ["barcode", "barcode_owner"],
            ["barcodes.value", "barcodes.owner"],
            name=op.f("fk_items_barcode_barcode_owner_barcodes"),
        ),
        sa.ForeignKeyConstraint(
            ["container_id", "grid_rows", "grid_cols"],
            ["storage_units.id", "storage_units.rows", "storage_units.cols"],
            name="fk_items_grid_storage_units",
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["container_id"], ["storage_units.id"], name=op.f("fk_items_container_id_storage_units")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_items_lot_id_lots")),
        sa.ForeignKeyConstraint(["parent_id"], ["items.id"], name=op.f("fk_items_parent_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("barcode", name=op.f("uq_items_barcode")),
        sa.UniqueConstraint(
            "container_id", "row", "col", name=op.f("uq_items_container_id_row_col")
        ),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_status"), ["status"], unique=False)

    op.create_table(
        "animals",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "unknown",
                name="sex",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sire_id", sa.Integer(), nullable=True),
        sa.Column("dam_id", sa.Integer(), nullable=True),
        sa.Column("ear_tag", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["dam_id"], ["items.id"], name=op.f("fk_animals_dam_id_items")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_animals_item_id_items")),
        sa.ForeignKeyConstraint(["sire_id"], ["items.id"], name=op.f("fk_animals_sire_id_items")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_animals")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
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
                name="event_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_events_actor_id_users")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_events_item_id_items")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_events_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_events_material_id_materials")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_item_id_id", ["item_id", "id"], unique=False)
        batch_op.create_index("ix_events_lot_id_id", ["lot_id", "id"], unique=False)
        batch_op.create_index("ix_events_material_id_id", ["material_id", "id"], unique=False)

    op.create_table(
        "qc_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column(
            "test",
            sa.Enum(
                "post_thaw_viability",
                "germination",
                "mycoplasma",
                "sterility",
                "identity",
                "str_profile",
                "purity",
                "concentration",
                name="qc_test",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "pass",
                "fail",
                "inconclusive",
                name="qc_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("value_unit", sa.String(length=16), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=True),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_qc_results_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_qc_results_item_id_items")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_qc_results_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_results")),
    )
    with op.batch_alter_table("qc_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qc_results_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qc_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qc_results_lot_id"))

    op.drop_table("qc_results")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_material_id_id")
        batch_op.drop_index("ix_events_lot_id_id")
        batch_op.drop_index("ix_events_item_id_id")

    op.drop_table("events")
    op.drop_table("animals")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_status"))
        batch_op.drop_index(batch_op.f("ix_items_parent_id"))
        batch_op.drop_index(batch_op.f("ix_items_lot_id"))

    op.drop_table("items")
    op.drop_table("strains")
    with op.batch_alter_table("specimens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_specimens_donor_id"))

    op.drop_table("specimens")
    op.drop_table("seeds")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lots_material_id"))

    op.drop_table("lots")
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identifiers_value"))

    op.drop_table("identifiers")
    op.drop_table("consents")
    with op.batch_alter_table("cell_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cell_lines_cellosaurus_id"))

    op.drop_table("cell_lines")
    op.drop_table("animal_lines")
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.drop_index("ix_materials_taxon_name")
        batch_op.drop_index("ix_materials_designation")
        batch_op.drop_index(batch_op.f("ix_materials_collection_id"))

    op.drop_table("materials")
    op.drop_table("donors")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_table_name_row_id")

    op.drop_table("audit_log")
    op.drop_table("users")
    with op.batch_alter_table("storage_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storage_units_parent_id"))

    op.drop_table("storage_units")
    op.drop_table("collections")
    op.drop_table("organisations")
    op.drop_table("barcodes")
