"""sharing: requests, agreements, shipments, outbox, stock alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 20:38:29.841174
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agreement_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "mta",
                "smta",
                name="agreement_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_agreement_templates_collection_id_collections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_templates")),
        sa.UniqueConstraint(
            "collection_id", "name", name=op.f("uq_agreement_templates_collection_id_name")
        ),
    )
    with op.batch_alter_table("agreement_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_templates_collection_id"), ["collection_id"], unique=False
        )

    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "under_review",
                "approved",
                "partly_approved",
                "rejected",
                "agreement_signed",
                "being_prepared",
                "shipped",
                "delivered",
                "closed",
                "cancelled",
                name="request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "intended_use",
            sa.Enum(
                "research",
                "genetic_research",
                "commercial_use",
                "teaching",
                name="intended_use",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ethics_approval", sa.String(length=100), nullable=True),
        sa.Column("hgr_approval", sa.String(length=100), nullable=True),
        sa.Column("phytosanitary_certificate", sa.String(length=100), nullable=True),
        sa.Column("import_permit", sa.String(length=100), nullable=True),
        sa.Column("destination_country", sa.String(length=3), nullable=True),
        sa.Column("shipping_address", sa.String(length=1000), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_requests_collection_id_collections"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_requests_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_requests_requester_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_requests_number")),
        sa.UniqueConstraint(
            "requester_id", "idempotency_key", name=op.f("uq_requests_requester_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_requests_collection_id"), ["collection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_requests_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_requests_status_changed_at", ["status", "changed_at"], unique=False
        )

    op.create_table(
        "agreement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_agreement_versions_number")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["agreement_templates.id"],
            name=op.f("fk_agreement_versions_template_id_agreement_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_versions")),
        sa.UniqueConstraint(
            "template_id", "number", name=op.f("uq_agreement_versions_template_id_number")
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_outbox_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_request_id"), ["request_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_sent_at_next_attempt_at", ["sent_at", "next_attempt_at"], unique=False
        )

    op.create_table(
        "request_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_request_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_request_feedback_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_request_feedback_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_feedback")),
        sa.UniqueConstraint("request_id", name=op.f("uq_request_feedback_request_id")),
    )
    op.create_table(
        "request_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
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
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="line_decision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_request_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_request_lines_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_request_lines_material_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_lines_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_lines")),
        sa.UniqueConstraint(
            "request_id",
            "material_id",
            "form",
            name=op.f("uq_request_lines_request_id_material_id_form"),
        ),
    )
    with op.batch_alter_table("request_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_lines_material_id"), ["material_id"], unique=False
        )

    op.create_table(
        "request_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=1000), nullable=False),
        sa.Column("doi", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_publications_request_id_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_request_publications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_publications")),
    )
    with op.batch_alter_table("request_publications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_publications_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "request_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "under_review",
                "approved",
                "partly_approved",
                "rejected",
                "agreement_signed",
                "being_prepared",
                "shipped",
                "delivered",
                "closed",
                "cancelled",
                name="request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_request_steps_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_request_steps_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_steps")),
    )
    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_steps_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("packaging", sa.String(length=200), nullable=False),
        sa.Column(
            "condition",
            sa.Enum(
                "ambient",
                "ice_packs",
                "dry_ice",
                "ln2_dry_shipper",
                name="shipping_condition",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("courier", sa.String(length=100), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_shipments_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("request_id", name=op.f("uq_shipments_request_id")),
    )
    op.create_table(
        "stock_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "regeneration",
                "re_culture",
                name="alert_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_stock_alerts_material_id_materials")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_alerts")),
    )
    with op.batch_alter_table("stock_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_alerts_material_id"), ["material_id"], unique=False
        )

    op.create_table(
        "agreement_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_agreement_acceptances_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_agreement_acceptances_request_id_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agreement_acceptances_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["agreement_versions.id"],
            name=op.f("fk_agreement_acceptances_version_id_agreement_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_acceptances")),
        sa.UniqueConstraint("request_id", name=op.f("uq_agreement_acceptances_request_id")),
    )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_allocations_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["request_lines.id"], name=op.f("fk_allocations_line_id_request_lines")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_allocations_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("item_id", name=op.f("uq_allocations_item_id")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("minimum_stock", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("regeneration_threshold", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.drop_column("regeneration_threshold")
        batch_op.drop_column("minimum_stock")

    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_request_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_line_id"))

    op.drop_table("allocations")
    op.drop_table("agreement_acceptances")
    with op.batch_alter_table("stock_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_alerts_material_id"))

    op.drop_table("stock_alerts")
    op.drop_table("shipments")
    with op.batch_alter_table("request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_steps_request_id"))

    op.drop_table("request_steps")
    with op.batch_alter_table("request_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_publications_request_id"))

    op.drop_table("request_publications")
    with op.batch_alter_table("request_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_lines_material_id"))

    op.drop_table("request_lines")
    op.drop_table("request_feedback")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_sent_at_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_outbox_request_id"))

    op.drop_table("outbox")
    op.drop_table("agreement_versions")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_status_changed_at")
        batch_op.drop_index(batch_op.f("ix_requests_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_requests_collection_id"))

    op.drop_table("requests")
    with op.batch_alter_table("agreement_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_templates_collection_id"))

    op.drop_table("agreement_templates")
