"""HTTP output of collections and the audit trail."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
)

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Integer


class AuditOut(Schema):
    id = Integer()
    at = UtcDateTime()
    actor_id = Integer(allow_none=True)
    table_name = fields.String()
    row_id = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class CollectionOut(Schema):
    id = Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String(allow_none=True)
    kind = fields.String()
    institute_code = fields.String(allow_none=True)
    accession_pattern = fields.String()
    qc_every_passages = Integer(allow_none=True)
    qc_every_months = Integer(allow_none=True)
