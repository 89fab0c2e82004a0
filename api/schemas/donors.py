"""HTTP output of donors and consents."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
)

from repository.schemas.fields import Date, Integer


class ConsentOut(Schema):
    id = Integer()
    scope = fields.List(fields.String())
    signed_on = Date()
    withdrawn_on = Date(allow_none=True)
    document_ref = fields.String(allow_none=True)


class DonorOut(Schema):
    id = Integer()
    collection_id = Integer()
    code = fields.String()
    sex = fields.String()
    year_of_birth = Integer(allow_none=True)
    consents = fields.List(fields.Nested(ConsentOut))
