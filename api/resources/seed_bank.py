"""The seed bank: a lot's germination tests and viability, its regeneration into the next
cycle, its safety duplicates, and a collection's seed monitoring and regeneration settings."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.schemas.seed_bank import (
    GerminationTestOut,
    RegenerationOut,
    SafetyDuplicateOut,
    SeedSettingOut,
    ViabilityOut,
)
from repository.models import GerminationTest, Regeneration, SafetyDuplicate, SeedSetting
from repository.schemas.seed_bank import (
    GerminationTestIn,
    NewGerminationTest,
    NewSafetyDuplicate,
    Regenerate,
    RegenerationIn,
    SafetyDuplicateIn,
    SeedSettingIn,
    SetSeedSetting,
)
from repository.services import seed_bank
from repository.services.seed_bank import Viability

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "seed_bank",
    __name__,
    url_prefix="/api/v1",
    description="Seed lots: germination tests, regeneration, safety duplicates.",
)


@blp.post("/lots/<id:lot_id>/germination-tests")
@blp.arguments(GerminationTestIn)
@blp.response(201, GerminationTestOut)
def record_germination_test(command: NewGerminationTest, lot_id: int) -> GerminationTest:
    """Record a germination test of a seed lot (replicates of normal, abnormal, dead, hard
    and fresh seeds); germination and viability are computed. The first is the lot's
    initial viability."""
    require(Permission.INVENTORY_WRITE)
    return seed_bank.record_germination_test(database(), lot_id, command)


@blp.get("/lots/<id:lot_id>/germination-tests")
@blp.response(200, ViabilityOut)
def germination_tests(lot_id: int) -> Viability:
    """A seed lot's germination tests (oldest first), initial and latest viability, its store
    and monitoring interval, and when its next test is due."""
    require(Permission.INVENTORY_READ)
    return seed_bank.viability(database(), lot_id)


@blp.post("/lots/<id:lot_id>/regenerations")
@blp.arguments(RegenerationIn)
@blp.response(201, RegenerationOut)
def regenerate(command: Regenerate, lot_id: int) -> Regeneration:
    """Record a regeneration of a seed lot (the field cycle and its harvest): the harvest is
    a new lot of the next regeneration cycle, with this lot as its parent."""
    require(Permission.INVENTORY_WRITE)
    return seed_bank.regenerate(database(), lot_id, command)


@blp.post("/lots/<id:lot_id>/safety-duplicates")
@blp.arguments(SafetyDuplicateIn)
@blp.response(201, SafetyDuplicateOut)
def add_safety_duplicate(command: NewSafetyDuplicate, lot_id: int) -> SafetyDuplicate:
    """Record a safety duplicate of a seed lot at another institute (DUPLSITE, DUPLINSTNAME)."""
    require(Permission.INVENTORY_WRITE)
    return seed_bank.add_safety_duplicate(database(), lot_id, command)


@blp.get("/lots/<id:lot_id>/safety-duplicates")
@blp.response(200, SafetyDuplicateOut(many=True))
def safety_duplicates(lot_id: int) -> list[SafetyDuplicate]:
    """A seed lot's safety duplicates, the earliest sent first."""
    require(Permission.INVENTORY_READ)
    return seed_bank.safety_duplicates(database(), lot_id)


@blp.get("/collections/<id:collection_id>/seed-settings")
@blp.response(200, SeedSettingOut(many=True))
def seed_settings(collection_id: int) -> list[SeedSetting]:
    """A collection's seed monitoring and regeneration settings (all seeds, then by crop)."""
    require(Permission.INVENTORY_READ)
    return seed_bank.settings(database(), collection_id)


@blp.put("/collections/<id:collection_id>/seed-settings")
@blp.arguments(SeedSettingIn)
@blp.response(200, SeedSettingOut)
def set_seed_setting(command: SetSeedSetting, collection_id: int) -> SeedSetting:
    """Set a collection's seed settings for all its seeds (crop_name empty) or one crop:
    test intervals of the base and active collections, a crop that declines in store, the
    share of the initial viability below which to regenerate, and seeds sown per
    regeneration."""
    require(Permission.REGISTER, collection_id)
    return seed_bank.set_setting(database(), collection_id, command)
