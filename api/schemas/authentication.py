"""HTTP output of a cell line lot's STR tests: the verdict, why, and the best matches."""

from __future__ import annotations

from marshmallow import Schema, fields

from repository.schemas.fields import Integer


class MatchOut(Schema):
    kind = fields.String()  # cellosaurus or collection
    key = fields.String()  # the CVCL accession or the collection's accession number
    name = fields.String()
    score = fields.Float()
    markers = Integer()
    own = fields.Boolean()  # the line itself (its profile, its Cellosaurus entry)
    cautions = fields.List(fields.String())


class AuthenticationOut(Schema):
    id = Integer()
    lot_id = Integer()
    qc_result_id = Integer()
    tested_on = fields.Date()
    lab = fields.String(allow_none=True)
    kit = fields.String(allow_none=True)
    profile = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    algorithm = fields.String()
    own_score = fields.Float(allow_none=True)
    own_reference = fields.String(allow_none=True)
    verdict = fields.String()
    reason = fields.String()
    quarantined = fields.Boolean()
    matches = fields.List(fields.Nested(MatchOut))
