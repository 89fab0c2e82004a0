"""Input of the sharing of material: requests and their steps, and material transfer agreements."""

from __future__ import annotations

from marshmallow import (
    fields,
    validate,
)

from ..vocabulary import (
    AgreementKind,
    IntendedUse,
    ItemForm,
    ShippingCondition,
)
from .fields import COUNTRY, Integer, StrictSchema, one_of, pattern, text


class RequestLineSchema(StrictSchema):
    material_id = Integer(required=True, validate=validate.Range(min=1))
    form = one_of(ItemForm, required=True)
    quantity = Integer(required=True, validate=validate.Range(1, 10_000))
    purpose = text(2000)


class RequestDetailsSchema(StrictSchema):
    """What a request is for, and the approvals and permits the checks ask for."""

    purpose = text(5000)
    intended_use = one_of(IntendedUse)
    ethics_approval = text(100)
    hgr_approval = text(100)
    phytosanitary_certificate = text(100)
    import_permit = text(100)
    destination_country = fields.String(validate=COUNTRY)
    shipping_address = text(1000)


class RequestSchema(RequestDetailsSchema):
    """A new request (the cart): its lines, and its details."""

    lines = fields.List(
        fields.Nested(RequestLineSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    idempotency_key = text(100, also=validate.Length(min=1, max=100))
    submit = fields.Boolean(load_default=False)


class RequestChangesSchema(RequestDetailsSchema):
    """Details changed on a draft; `version` is the one the caller read."""

    version = Integer(validate=validate.Range(min=1))


class StepSchema(StrictSchema):
    """A step without more data: an optional note (a reason) and the version the caller read
    (a stale one is refused)."""

    note = text(5000)
    version = Integer(validate=validate.Range(min=1))


class LineDecisionSchema(StrictSchema):
    line_id = Integer(required=True)
    approve = fields.Boolean(required=True)
    reason = text(5000)
    items = fields.List(text(32), validate=validate.Length(max=10_000))  # picked barcodes


class DecisionSchema(StepSchema):
    """The curator's decision: lines not named are approved (and reserved from the proposal)."""

    decisions = fields.List(fields.Nested(LineDecisionSchema), load_default=list)


class AcceptanceSchema(StepSchema):
    agreement_version_id = Integer(required=True)
    signer_name = text(200, required=True, also=validate.Length(min=1, max=200))


class ShipmentSchema(StepSchema):
    packaging = text(200, required=True, also=validate.Length(min=1, max=200))
    condition = one_of(ShippingCondition, required=True)
    courier = text(100, required=True, also=validate.Length(min=1, max=100))
    tracking_number = text(100, required=True, also=validate.Length(min=1, max=100))


class FeedbackSchema(StrictSchema):
    rating = Integer(required=True, validate=validate.Range(1, 5))
    comment = text(5000)


class PublicationSchema(StrictSchema):
    citation = text(1000, required=True, also=validate.Length(min=1, max=1000))
    doi = fields.String(validate=pattern(r"^10\.\d{4,9}/\S{1,180}$", "a DOI (e.g. 10.1000/xyz123)"))
    note = text(5000)


class AgreementSchema(StrictSchema):
    name = text(200, required=True, also=validate.Length(min=1, max=200))
    kind = one_of(AgreementKind, load_default=AgreementKind.MTA)
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))


class AgreementVersionSchema(StrictSchema):
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))
