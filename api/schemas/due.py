"""The due list's output: one line of work, why and by when."""

from __future__ import annotations

from marshmallow import Schema, fields

from repository.schemas.fields import Integer


class DueLineOut(Schema):
    kind = fields.String(metadata={"description": "The source: request, low_stock, ..."})
    record = fields.String(metadata={"description": "The record to act on: lot, request, ..."})
    record_id = Integer()
    label = fields.String()
    reason = fields.String(metadata={"description": "Why it is due, in English."})
    code = fields.String(metadata={"description": "The reason's code (empty: none)."})
    params = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "The reason's values, by name."},
    )
    due_on = fields.Date()
    overdue = fields.Boolean()
    collection_id = Integer(allow_none=True)
