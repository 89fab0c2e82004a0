"""HTTP output of an animal's genotypes, the census and the health reports of rooms."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Date, Integer


class GenotypeOut(Schema):
    id = Integer()
    animal = fields.Function(lambda g: g.item.barcode)
    gene = fields.String()
    allele1 = fields.String()
    allele2 = fields.String()
    method = fields.String(allow_none=True)
    genotyped_on = Date()
    created_at = UtcDateTime()


class RoomOut(Schema):
    barcode = fields.String()
    name = fields.String()


class CensusLineOut(Schema):
    room = fields.Nested(RoomOut, allow_none=True)
    line_id = Integer()
    line = fields.String()
    line_name = fields.String()
    protocol = fields.String(allow_none=True)
    animals = Integer()


class CensusOut(Schema):
    on = Date()
    total = Integer()
    lines = fields.List(fields.Nested(CensusLineOut))


class HealthReportOut(Schema):
    id = Integer()
    room = fields.Function(lambda r: r.room.barcode)
    agent = fields.String()
    result = fields.String()
    reported_on = Date()
    lab = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()


class NomenclatureOut(Schema):
    name = fields.String()
    warnings = fields.List(fields.String())
