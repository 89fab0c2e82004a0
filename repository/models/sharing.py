"""Sharing: requests of external labs, their lines, steps and reserved items; agreements and
their acceptance; shipments, feedback, publications; the notification outbox; stock alerts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import (
    AgreementKind,
    AlertKind,
    IntendedUse,
    ItemForm,
    LineDecision,
    RequestStatus,
    ShippingCondition,
)
from .base import Base, Timestamp, choice, utcnow
from .collection import Collection
from .inventory import Item
from .material import Material
from .people import Organisation, User


class AgreementTemplate(Base):
    """A material transfer agreement a collection uses, in numbered versions."""

    __tablename__ = "agreement_templates"
    __table_args__ = (UniqueConstraint("collection_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgreementKind] = mapped_column(choice(AgreementKind, "agreement_kind"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    collection: Mapped[Collection] = relationship()
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="template", order_by="AgreementVersion.number"
    )


class AgreementVersion(Base):
    """One version of an agreement's text, kept as it was and hashed (SHA-256)."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("agreement_templates.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    template: Mapped[AgreementTemplate] = relationship(back_populates="versions")


class MaterialRequest(Base):
    """An external lab's request for materials of one collection."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("requester_id", "idempotency_key"),
        Index("ix_requests_status_changed_at", "status", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[RequestStatus] = mapped_column(
        choice(RequestStatus, "request_status"), default=RequestStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str | None] = mapped_column(Text)
    intended_use: Mapped[IntendedUse] = mapped_column(
        choice(IntendedUse, "intended_use"), default=IntendedUse.RESEARCH
    )
    ethics_approval: Mapped[str | None] = mapped_column(String(100))
    hgr_approval: Mapped[str | None] = mapped_column(String(100))  # human genetic resources
    phytosanitary_certificate: Mapped[str | None] = mapped_column(String(100))
    import_permit: Mapped[str | None] = mapped_column(String(100))
    destination_country: Mapped[str | None] = mapped_column(String(3))
    shipping_address: Mapped[str | None] = mapped_column(String(1000))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    collection: Mapped[Collection] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requester: Mapped[User] = relationship()
    lines: Mapped[list[RequestLine]] = relationship(
        back_populates="request", order_by="RequestLine.id", cascade="all, delete-orphan"
    )
    steps: Mapped[list[RequestStep]] = relationship(
        back_populates="request", order_by="RequestStep.id"
    )
    allocations: Mapped[list[Allocation]] = relationship(
        back_populates="request", order_by="Allocation.id"
    )
    acceptance: Mapped[AgreementAcceptance | None] = relationship(back_populates="request")
    shipment: Mapped[Shipment | None] = relationship(back_populates="request")
    feedback: Mapped[Feedback | None] = relationship(back_populates="request")
    publications: Mapped[list[Publication]] = relationship(
        back_populates="request", order_by="Publication.id"
    )

    if TYPE_CHECKING:
        overdue: bool  # not stored: idle too long in an unfinished step (`flag_overdue`)


class RequestLine(Base):
    """One material asked for: in which form, how many units, and why."""

    __tablename__ = "request_lines"
    __table_args__ = (
        UniqueConstraint("request_id", "material_id", "form"),
        CheckConstraint("quantity >= 1", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    form: Mapped[ItemForm] = mapped_column(choice(ItemForm, "form"))
    quantity: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[LineDecision] = mapped_column(
        choice(LineDecision, "line_decision"), default=LineDecision.PENDING
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[MaterialRequest] = relationship(back_populates="lines")
    material: Mapped[Material] = relationship()


class RequestStep(Base):
    """A step the request entered: which, when, who, and a note (e.g. why it was rejected)."""

    __tablename__ = "request_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    status: Mapped[RequestStatus] = mapped_column(choice(RequestStatus, "request_status"))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[MaterialRequest] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()


class Allocation(Base):
    """An item set aside for a request line. The unique item id keeps any vial from being
    reserved twice, whatever runs at the same moment; released reservations are deleted."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("request_lines.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    request: Mapped[MaterialRequest] = relationship(back_populates="allocations")
    line: Mapped[RequestLine] = relationship()
    item: Mapped[Item] = relationship()


class AgreementAcceptance(Base):
    """Who accepted which agreement version for a request, for which organisation, when and
    from where."""

    __tablename__ = "agreement_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    request: Mapped[MaterialRequest] = relationship(back_populates="acceptance")
    version: Mapped[AgreementVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Shipment(Base):
    """How a request left: packaging, conditions, courier and tracking number."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    packaging: Mapped[str] = mapped_column(String(200))
    condition: Mapped[ShippingCondition] = mapped_column(
        choice(ShippingCondition, "shipping_condition")
    )
    courier: Mapped[str] = mapped_column(String(100))
    tracking_number: Mapped[str] = mapped_column(String(100))
    shipped_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)

    request: Mapped[MaterialRequest] = relationship(back_populates="shipment")


class Feedback(Base):
    """The requester's rating (1-5) and comment after delivery."""

    __tablename__ = "request_feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    request: Mapped[MaterialRequest] = relationship(back_populates="feedback")


class Publication(Base):
    """A publication or result that used the material, reported by the requester."""

    __tablename__ = "request_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    citation: Mapped[str] = mapped_column(String(1000))
    doi: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    request: Mapped[MaterialRequest] = relationship(back_populates="publications")


class OutboxMessage(Base):
    """A notification written with the change it reports, sent later and retried until sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    channel: Mapped[str | None] = mapped_column(String(16))  # smtp or log
    last_error: Mapped[str | None] = mapped_column(String(1000))


class StockAlert(Base):
    """Stock of a material fell below its threshold: regenerate (seeds) or re-culture."""

    __tablename__ = "stock_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(choice(AlertKind, "alert_kind"))
    available: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp)

    material: Mapped[Material] = relationship()
