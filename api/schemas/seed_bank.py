"""HTTP output of the seed bank: germination tests, a lot's viability, regenerations, safety
duplicates and seed settings."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Date, Integer


class ReplicateOut(Schema):
    number = Integer()
    seeds = Integer()
    normal = Integer()
    abnormal = Integer()
    dead = Integer()
    hard = Integer()
    fresh = Integer()


class GerminationTestOut(Schema):
    id = Integer()
    lot_id = Integer()
    event_id = Integer()
    tested_on = Date()
    medium = fields.String(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    days = Integer(allow_none=True)
    seeds = Integer()
    germination_pct = fields.Float()
    viability_pct = fields.Float()
    note = fields.String(allow_none=True)
    replicates = fields.List(fields.Nested(ReplicateOut))
    created_at = UtcDateTime()


class ViabilityOut(Schema):
    """A seed lot's tests, initial (first test) and latest viability, and next test date."""

    lot_id = Integer()
    store = fields.String()
    every_years = Integer()
    initial_viability_pct = fields.Float(allow_none=True)
    latest_viability_pct = fields.Float(allow_none=True)
    next_test_on = Date()
    tests = fields.List(fields.Nested(GerminationTestOut))


class RegenerationOut(Schema):
    id = Integer()
    from_lot_id = Integer()
    lot_id = Integer()
    regeneration_cycle = Integer(attribute="lot.regeneration_cycle")
    site = fields.String()
    season = fields.String(allow_none=True)
    plants = Integer()
    isolation = fields.String()
    harvested_on = Date()
    seeds_harvested = Integer()
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()


class SafetyDuplicateOut(Schema):
    id = Integer()
    lot_id = Integer()
    institute_code = fields.String()
    institute_name = fields.String(allow_none=True)
    sent_on = Date()
    seeds = Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()


class SeedSettingOut(Schema):
    collection_id = Integer()
    crop_name = fields.String()
    base_every_years = Integer(allow_none=True)
    active_every_years = Integer(allow_none=True)
    declining = fields.Boolean(allow_none=True)
    regenerate_below_pct = fields.Float(allow_none=True)
    seeds_per_regeneration = Integer(allow_none=True)
