"""Input of the seed bank: germination tests and their replicates, regenerations, safety
duplicates and a collection's seed settings, each schema next to the command its load
builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..vocabulary import IsolationMethod, ItemForm, PreservationMethod, Unit
from .fields import (
    AN_INSTITUTE,
    Boolean,
    Date,
    Entries,
    Integer,
    StrictSchema,
    one_of,
    positive,
    text,
)

MOST_REPLICATES = 16  # ISTA asks for 4 x 100, 8 x 50 or 16 x 25 seeds
MOST_SEEDS = 10_000  # in one replicate
COUNT = validate.Range(min=0, max=MOST_SEEDS)


class ReplicateSchema(StrictSchema):
    """What the seeds of one replicate became; the counts add up to its seeds."""

    seeds = Integer(required=True, validate=validate.Range(min=1, max=MOST_SEEDS))
    normal = Integer(required=True, validate=COUNT)
    abnormal = Integer(load_default=0, validate=COUNT)
    dead = Integer(load_default=0, validate=COUNT)
    hard = Integer(load_default=0, validate=COUNT)
    fresh = Integer(load_default=0, validate=COUNT)

    @validates_schema
    def _adds_up(self, data: dict, **_: Any) -> None:
        counted = sum(data[k] for k in ("normal", "abnormal", "dead", "hard", "fresh"))
        if counted != data["seeds"]:
            raise ValidationError(
                f"normal, abnormal, dead, hard and fresh seeds add up to {counted}, not to "
                f"the replicate's {data['seeds']} seeds.",
                "seeds",
            )

    @post_load
    def _command(self, data: dict, **_: Any) -> Replicate:
        return Replicate(**data)


@dataclass(frozen=True, kw_only=True)
class Replicate:
    """One replicate of a germination test."""

    seeds: int
    normal: int
    abnormal: int = 0
    dead: int = 0
    hard: int = 0
    fresh: int = 0


class GerminationTestIn(StrictSchema):
    tested_on = Date(required=True)
    replicates = Entries(
        fields.Nested(ReplicateSchema),
        most=MOST_REPLICATES,
        required=True,
        validate=validate.Length(min=1),
    )
    medium = text(64)
    temperature_c = fields.Float(validate=validate.Range(-20, 60))
    days = Integer(validate=validate.Range(min=1, max=365))
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewGerminationTest:
        return NewGerminationTest(**{**data, "replicates": tuple(data["replicates"])})


@dataclass(frozen=True, kw_only=True)
class NewGerminationTest:
    """A germination test of a seed lot: its replicates, medium (e.g. TP, BP, sand),
    temperature and length in days."""

    tested_on: date
    replicates: tuple[Replicate, ...]
    medium: str | None = None
    temperature_c: float | None = None
    days: int | None = None
    note: str | None = None


class RegenerationIn(StrictSchema):
    """A regeneration's field cycle and the lot of seeds it harvested."""

    site = text(200, required=True, also=validate.Length(min=1))
    season = text(32)
    plants = Integer(required=True, validate=validate.Range(min=1, max=1_000_000))
    isolation = one_of(IsolationMethod, required=True)
    harvested_on = Date(required=True)
    seeds_harvested = Integer(required=True, validate=validate.Range(min=0))
    # the new lot: items of `quantity` `unit` each, preserved on `preserved_on`
    method = one_of(PreservationMethod)  # default: the parent lot's
    preserved_on = Date()  # default: the harvest date
    items = Integer(required=True, validate=validate.Range(min=1, max=10_000))
    quantity = fields.Decimal(required=True, places=6, validate=positive)
    unit = one_of(Unit, required=True)
    form = one_of(ItemForm, load_default=ItemForm.SEED_PACKET)
    note = text(5000)

    @validates_schema
    def _harvest_holds_the_lot(self, data: dict, **_: Any) -> None:
        if data.get("unit") is not Unit.SEEDS or "seeds_harvested" not in data:
            return
        stored = data.get("items", 0) * data.get("quantity", 0)
        if stored > data["seeds_harvested"]:
            raise ValidationError(
                f"The lot holds {stored} seeds; {data['seeds_harvested']} were harvested.",
                "quantity",
            )

    @post_load
    def _command(self, data: dict, **_: Any) -> Regenerate:
        return Regenerate(**data)


@dataclass(frozen=True, kw_only=True)
class Regenerate:
    """Regenerate a seed lot: the field cycle (site, season, plants, isolation, harvest) and
    the new lot, of the next regeneration cycle, that holds the harvest."""

    site: str
    plants: int
    isolation: IsolationMethod
    harvested_on: date
    seeds_harvested: int
    items: int
    quantity: Decimal
    unit: Unit
    form: ItemForm = ItemForm.SEED_PACKET
    season: str | None = None
    method: PreservationMethod | None = None
    preserved_on: date | None = None
    note: str | None = None


class SafetyDuplicateIn(StrictSchema):
    institute_code = fields.String(required=True, validate=AN_INSTITUTE)  # DUPLSITE
    institute_name = text(200)  # DUPLINSTNAME
    sent_on = Date(required=True)
    seeds = Integer(validate=validate.Range(min=1))
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewSafetyDuplicate:
        return NewSafetyDuplicate(**data)


@dataclass(frozen=True, kw_only=True)
class NewSafetyDuplicate:
    """A safety duplicate of a seed lot sent to another institute (its FAO WIEWS code)."""

    institute_code: str
    sent_on: date
    institute_name: str | None = None
    seeds: int | None = None
    note: str | None = None


class SeedSettingIn(StrictSchema):
    crop_name = text(200, load_default="")
    base_every_years = Integer(validate=validate.Range(min=1, max=100), allow_none=True)
    active_every_years = Integer(validate=validate.Range(min=1, max=100), allow_none=True)
    declining = Boolean(allow_none=True)
    regenerate_below_pct = fields.Float(
        validate=validate.Range(min=0, max=100, min_inclusive=False), allow_none=True
    )
    seeds_per_regeneration = Integer(validate=validate.Range(min=1), allow_none=True)

    @validates_schema
    def _sets_something(self, data: dict, **_: Any) -> None:
        if not set(data) - {"crop_name"}:
            raise ValidationError("Give at least one setting.", "_schema")

    @post_load
    def _command(self, data: dict, **_: Any) -> SetSeedSetting:
        return SetSeedSetting(**{**data, "crop_name": data["crop_name"].strip()})


@dataclass(frozen=True, kw_only=True)
class SetSeedSetting:
    """A collection's seed settings for all its seeds (crop_name '') or one crop; a setting
    not given (or null) falls back to the collection's, then to the standard's."""

    crop_name: str = ""
    base_every_years: int | None = None
    active_every_years: int | None = None
    declining: bool | None = None
    regenerate_below_pct: float | None = None
    seeds_per_regeneration: int | None = None
