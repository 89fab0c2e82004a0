"""HTTP output of batch edits of items and of materials: a preview (counts and a page of
records), a batch and its records."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Integer


class BatchLineOut(Schema):
    """An item in a preview: its values before and after, or why it is refused."""

    barcode = fields.String()
    outcome = fields.String(metadata={"description": "updated, unchanged or refused"})
    old_status = fields.String(allow_none=True)
    new_status = fields.String(allow_none=True)
    old_quantity = fields.Decimal(as_string=True, allow_none=True)
    new_quantity = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    line = Integer(allow_none=True, metadata={"description": "The sheet's line."})


class PreviewOut(Schema):
    matched = Integer()
    updated = Integer()
    unchanged = Integer()
    refused = Integer()
    page = Integer()
    page_size = Integer()
    lines = fields.List(fields.Nested(BatchLineOut))


class BatchOut(Schema):
    """A batch edit: who and when, what chose its items and the SHA-256 of it, the counts;
    when it was undone and how many items went back."""

    id = Integer()
    kind = fields.String(metadata={"description": "What the batch edits: item or material."})
    actor_id = Integer(allow_none=True)
    at = UtcDateTime()
    source = fields.String()
    query = fields.Dict(allow_none=True)
    changes = fields.Dict(allow_none=True)
    digest = fields.String()
    matched = Integer()
    updated = Integer()
    unchanged = Integer()
    refused = Integer()
    undone_at = UtcDateTime(allow_none=True)
    undone_by = Integer(allow_none=True)
    undone = Integer(allow_none=True)


class BatchItemOut(Schema):
    barcode = fields.String()
    old_status = fields.String()
    new_status = fields.String()
    old_quantity = fields.Decimal(as_string=True)
    new_quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    old_place = fields.String(allow_none=True)
    undone = fields.Boolean()
    changed_since = fields.String(
        allow_none=True, metadata={"description": "How the item changed since the batch."}
    )


class BatchViewOut(Schema):
    batch = fields.Nested(BatchOut)
    total = Integer()
    changed_since = Integer()
    page = Integer()
    page_size = Integer()
    lines = fields.List(fields.Nested(BatchItemOut))


class MaterialLineOut(Schema):
    """A material in a preview: the fields the changes set, before and after, or why it is
    refused."""

    accession_number = fields.String()
    collection = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "updated, unchanged or refused"})
    old = fields.Dict(metadata={"description": "The fields that change, as they are."})
    new = fields.Dict(metadata={"description": "The fields that change, as they would be."})
    reason = fields.String(allow_none=True)
    line = Integer(allow_none=True, metadata={"description": "The sheet's line."})


class MaterialPreviewOut(PreviewOut):
    lines = fields.List(fields.Nested(MaterialLineOut))


class BatchMaterialOut(Schema):
    accession_number = fields.String()
    collection = fields.String()
    old = fields.Dict()
    new = fields.Dict()
    undone = fields.Boolean()
    changed_since = fields.String(
        allow_none=True, metadata={"description": "How the material changed since the batch."}
    )


class MaterialBatchViewOut(BatchViewOut):
    lines = fields.List(fields.Nested(BatchMaterialOut))
