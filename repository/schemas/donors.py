"""Input of donors and their consents, each schema next to the command (a frozen dataclass)
its load builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from ..vocabulary import (
    Sex,
)
from .fields import A_CODE, Date, Integer, StrictSchema, one_of, text


class ConsentSchema(StrictSchema):
    scope = fields.List(
        fields.String(
            validate=validate.OneOf(
                ["research", "genetic_research", "commercial_use", "data_sharing", "recontact"]
            )
        ),
        required=True,
        validate=validate.Length(min=1),
    )
    signed_on = Date(required=True)
    withdrawn_on = Date(allow_none=True)
    document_ref = text(100, allow_none=True)

    @validates_schema
    def _withdrawn_after_signed(self, data: dict, **_: Any) -> None:
        if data.get("withdrawn_on") and data["withdrawn_on"] < data["signed_on"]:
            raise ValidationError("Withdrawn before it was signed.", "withdrawn_on")

    @post_load
    def _command(self, data: dict, **_: Any) -> NewConsent:
        return NewConsent(**{**data, "scope": tuple(data["scope"])})


@dataclass(frozen=True, kw_only=True)
class NewConsent:
    """A consent a donor signed: what it covers, and when it was withdrawn if it was."""

    scope: tuple[str, ...]
    signed_on: date
    withdrawn_on: date | None = None
    document_ref: str | None = None


class DonorSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    sex = one_of(Sex, load_default=Sex.UNKNOWN)
    year_of_birth = Integer(validate=validate.Range(1880, 2200))
    consents = fields.List(fields.Nested(ConsentSchema), load_default=list)


class DonorIn(DonorSchema):
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))

    @post_load
    def _command(self, data: dict, **_: Any) -> RegisterDonor:
        return RegisterDonor(**{**data, "consents": tuple(data["consents"])})


@dataclass(frozen=True, kw_only=True)
class RegisterDonor:
    """Register a pseudonymised donor (a code, never a name) of collection `collection` (a
    code), with the consents they signed."""

    collection: str
    code: str
    sex: Sex = Sex.UNKNOWN
    year_of_birth: int | None = None
    consents: tuple[NewConsent, ...] = ()
