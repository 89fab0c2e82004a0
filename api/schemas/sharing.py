"""HTTP output of requests, shipments, agreements and the catalogue's offers."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
)

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Integer
from repository.vocabulary import (
    NEXT_STEPS,
)


class SupplyOut(Schema):
    form = fields.String()
    unit = fields.String()
    available = Integer()
    distributable = Integer()


class AuthenticatedOut(Schema):
    tested_on = fields.Date()
    verdict = fields.String()


class OfferOut(Schema):
    """What the catalogue offers of a material: forms, how many can be had, on which terms."""

    supply = fields.List(fields.Nested(SupplyOut))
    minimum_stock = Integer()
    terms = fields.List(fields.String())
    agreement = fields.String(allow_none=True)
    # a cell line's last STR authentication: when, and the verdict (never the profile)
    authentication = fields.Nested(AuthenticatedOut, allow_none=True)


class RequestLineOut(Schema):
    id = Integer()
    material_id = Integer()
    accession_number = fields.Function(lambda line: line.material.accession_number)
    designation = fields.Function(lambda line: line.material.designation)
    form = fields.String()
    quantity = Integer()
    purpose = fields.String(allow_none=True)
    decision = fields.String()
    decision_reason = fields.String(allow_none=True)


class RequestStepOut(Schema):
    status = fields.String()
    at = UtcDateTime()
    by = fields.Function(lambda step: step.actor.name if step.actor else None)
    note = fields.String(allow_none=True)


class AllocationOut(Schema):
    line_id = Integer()
    barcode = fields.Function(lambda a: a.item.barcode)
    quantity = fields.Function(lambda a: str(a.item.quantity))
    unit = fields.Function(lambda a: a.item.unit.value)
    status = fields.Function(lambda a: a.item.status.value)


class AcceptanceOut(Schema):
    agreement = fields.Function(lambda a: a.version.template.name)
    agreement_version = fields.Function(lambda a: a.version.number)
    sha256 = fields.Function(lambda a: a.version.sha256)
    signer_name = fields.String()
    organisation = fields.Function(lambda a: a.organisation.name)
    address = fields.String(allow_none=True)
    accepted_at = UtcDateTime()


class ShipmentOut(Schema):
    packaging = fields.String()
    condition = fields.String()
    courier = fields.String()
    tracking_number = fields.String()
    shipped_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)


class FeedbackOut(Schema):
    rating = Integer()
    comment = fields.String(allow_none=True)
    at = UtcDateTime()


class PublicationOut(Schema):
    id = Integer()
    citation = fields.String()
    doi = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    at = UtcDateTime()


class NextStepOut(Schema):
    """What happens next to a request: who must act (lab or collection) and what."""

    actor = fields.String()
    action = fields.String()
    text = fields.String()


class RequestSummaryOut(Schema):
    id = Integer()
    number = fields.String()
    collection = fields.Function(lambda r: r.collection.code)
    organisation = fields.Function(lambda r: r.organisation.name)
    requester = fields.Function(lambda r: r.requester.email)
    status = fields.String()
    version = Integer()
    created_at = UtcDateTime()
    changed_at = UtcDateTime()
    overdue = fields.Boolean()
    next_step = fields.Function(
        lambda r: NextStepOut().dump(NEXT_STEPS[r.status]) if r.status in NEXT_STEPS else None,
        allow_none=True,
    )


class RequestOut(RequestSummaryOut):
    """A request with every step (who, when), its lines, reserved items (no locations),
    agreement, shipment, feedback and publications."""

    purpose = fields.String(allow_none=True)
    intended_use = fields.String()
    ethics_approval = fields.String(allow_none=True)
    hgr_approval = fields.String(allow_none=True)
    phytosanitary_certificate = fields.String(allow_none=True)
    import_permit = fields.String(allow_none=True)
    destination_country = fields.String(allow_none=True)
    shipping_address = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(RequestLineOut))
    steps = fields.List(fields.Nested(RequestStepOut))
    items = fields.List(fields.Nested(AllocationOut), attribute="allocations")
    acceptance = fields.Nested(AcceptanceOut, allow_none=True)
    shipment = fields.Nested(ShipmentOut, allow_none=True)
    feedback = fields.Nested(FeedbackOut, allow_none=True)
    publications = fields.List(fields.Nested(PublicationOut))


class PackingRowOut(Schema):
    barcode = fields.String()
    accession_number = fields.String()
    designation = fields.String()
    lot = fields.String()
    quantity = fields.String()
    unit = fields.String()
    terms = fields.List(fields.String())


class PackingListOut(Schema):
    request = fields.String()
    recipient = fields.String()
    organisation = fields.String()
    address = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    courier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    packaging = fields.String(allow_none=True)
    agreement = fields.String(allow_none=True)
    terms = fields.List(fields.String())
    rows = fields.List(fields.Nested(PackingRowOut))


class AgreementVersionOut(Schema):
    id = Integer()
    number = Integer()
    sha256 = fields.String()
    text = fields.String()
    created_at = UtcDateTime()


class AgreementOut(Schema):
    id = Integer()
    collection = fields.Function(lambda t: t.collection.code)
    name = fields.String()
    kind = fields.String()
    latest = fields.Function(lambda t: AgreementVersionOut().dump(t.versions[-1]))
