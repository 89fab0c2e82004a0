"""Input of donors and their consents."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    ValidationError,
    fields,
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


class DonorSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    sex = one_of(Sex, load_default=Sex.UNKNOWN)
    year_of_birth = Integer(validate=validate.Range(1880, 2200))
    consents = fields.List(fields.Nested(ConsentSchema), load_default=list)
