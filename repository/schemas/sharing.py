"""Input of the sharing of material: requests and their steps, each schema next to the
command (a frozen dataclass) its load builds; and material transfer agreements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import (
    fields,
    post_load,
    validate,
)

from ..vocabulary import (
    AgreementKind,
    IntendedUse,
    ItemForm,
    ShippingCondition,
)
from .fields import COUNTRY, Boolean, Integer, StrictSchema, one_of, pattern, text


class RequestLineSchema(StrictSchema):
    material_id = Integer(required=True, validate=validate.Range(min=1))
    form = one_of(ItemForm, required=True)
    quantity = Integer(required=True, validate=validate.Range(1, 10_000))
    purpose = text(2000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewLine:
        return NewLine(**data)


@dataclass(frozen=True, kw_only=True)
class NewLine:
    """A line of a request: `quantity` units of a material in one form, and what for."""

    material_id: int
    form: ItemForm
    quantity: int
    purpose: str | None = None


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


@dataclass(frozen=True, kw_only=True)
class Details:
    """What a request is for, and its approvals and permits; None: not given."""

    purpose: str | None = None
    intended_use: IntendedUse | None = None
    ethics_approval: str | None = None
    hgr_approval: str | None = None
    phytosanitary_certificate: str | None = None
    import_permit: str | None = None
    destination_country: str | None = None
    shipping_address: str | None = None


class RequestSchema(RequestDetailsSchema):
    """A new request (the cart): its lines, and its details."""

    lines = fields.List(
        fields.Nested(RequestLineSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    idempotency_key = text(100, also=validate.Length(min=1, max=100))
    submit = Boolean(load_default=False)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewRequest:
        return NewRequest(**{**data, "lines": tuple(data["lines"])})


@dataclass(frozen=True, kw_only=True)
class NewRequest(Details):
    """Make a request (a draft: the cart) of one collection's materials, sent at once with
    `submit`; an idempotency key already used by the requester makes nothing new."""

    lines: tuple[NewLine, ...]
    idempotency_key: str | None = None
    submit: bool = False


class RequestChangesSchema(RequestDetailsSchema):
    """Details changed on a draft; `version` is the one the caller read."""

    version = Integer(validate=validate.Range(min=1))

    @post_load
    def _command(self, data: dict, **_: Any) -> EditDetails:
        return EditDetails(**data)


@dataclass(frozen=True, kw_only=True)
class EditDetails(Details):
    """Change the details given (not None) of a draft read at `version`."""

    version: int | None = None


class StepSchema(StrictSchema):
    """A step without more data: an optional note (a reason) and the version the caller read
    (a stale one is refused)."""

    note = text(5000)
    version = Integer(validate=validate.Range(min=1))

    @post_load
    def _command(self, data: dict, **_: Any) -> Step:
        return Step(**data)


@dataclass(frozen=True, kw_only=True)
class Step:
    """Move a request read at `version` (if given) on by one step, with an optional note."""

    note: str | None = None
    version: int | None = None


class LineDecisionSchema(StrictSchema):
    line_id = Integer(required=True)
    approve = Boolean(required=True)
    reason = text(5000)
    items = fields.List(text(32), validate=validate.Length(max=10_000))  # picked barcodes

    @post_load
    def _command(self, data: dict, **_: Any) -> LineVerdict:
        items = tuple(data.pop("items")) if "items" in data else None
        return LineVerdict(**data, items=items)


@dataclass(frozen=True, kw_only=True)
class LineVerdict:
    """A line approved or rejected (with a reason); for an approved one, the items (barcodes)
    picked for it, else the proposal's."""

    line_id: int
    approve: bool
    reason: str | None = None
    items: tuple[str, ...] | None = None


class DecisionSchema(StepSchema):
    """The curator's decision: lines not named are approved (and reserved from the proposal)."""

    decisions = fields.List(fields.Nested(LineDecisionSchema), load_default=list)

    @post_load
    def _command(self, data: dict, **_: Any) -> Decision:
        return Decision(**{**data, "decisions": tuple(data["decisions"])})


@dataclass(frozen=True, kw_only=True)
class Decision(Step):
    """Approve, partly approve or reject a request; lines not named are approved. The note is
    the reason of what is rejected without its own."""

    decisions: tuple[LineVerdict, ...] = ()


class AcceptanceSchema(StepSchema):
    agreement_version_id = Integer(required=True)
    signer_name = text(200, required=True, also=validate.Length(min=1, max=200))

    @post_load
    def _command(self, data: dict, **_: Any) -> Acceptance:
        return Acceptance(**data)


@dataclass(frozen=True, kw_only=True)
class Acceptance(Step):
    """Accept a version of an agreement (its id), signed by name for the requester's lab."""

    agreement_version_id: int
    signer_name: str


class ShipmentSchema(StepSchema):
    packaging = text(200, required=True, also=validate.Length(min=1, max=200))
    condition = one_of(ShippingCondition, required=True)
    courier = text(100, required=True, also=validate.Length(min=1, max=100))
    tracking_number = text(100, required=True, also=validate.Length(min=1, max=100))

    @post_load
    def _command(self, data: dict, **_: Any) -> Ship:
        return Ship(**data)


@dataclass(frozen=True, kw_only=True)
class Ship(Step):
    """Ship the reserved items: how they are packed and kept, by which courier, tracked how."""

    packaging: str
    condition: ShippingCondition
    courier: str
    tracking_number: str


class FeedbackSchema(StrictSchema):
    rating = Integer(required=True, validate=validate.Range(1, 5))
    comment = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> Rating:
        return Rating(**data)


@dataclass(frozen=True, kw_only=True)
class Rating:
    """The requester's rating of the service (1-5) and comment."""

    rating: int
    comment: str | None = None


class PublicationSchema(StrictSchema):
    citation = text(1000, required=True, also=validate.Length(min=1, max=1000))
    doi = fields.String(validate=pattern(r"^10\.\d{4,9}/\S{1,180}$", "a DOI (e.g. 10.1000/xyz123)"))
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewPublication:
        return NewPublication(**data)


@dataclass(frozen=True, kw_only=True)
class NewPublication:
    """A publication or result that used the material: its citation, DOI and a note."""

    citation: str
    doi: str | None = None
    note: str | None = None


class AgreementSchema(StrictSchema):
    name = text(200, required=True, also=validate.Length(min=1, max=200))
    kind = one_of(AgreementKind, load_default=AgreementKind.MTA)
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))


class AgreementIn(AgreementSchema):
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))

    @post_load
    def _command(self, data: dict, **_: Any) -> CreateAgreement:
        return CreateAgreement(**data)


@dataclass(frozen=True, kw_only=True)
class CreateAgreement:
    """A new agreement of collection `collection` (a code), `text` its version 1."""

    collection: str
    name: str
    kind: AgreementKind
    text: str


class AgreementVersionSchema(StrictSchema):
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))

    @post_load
    def _command(self, data: dict, **_: Any) -> NewVersion:
        return NewVersion(**data)


@dataclass(frozen=True, kw_only=True)
class NewVersion:
    """A new version of an agreement's text."""

    text: str
