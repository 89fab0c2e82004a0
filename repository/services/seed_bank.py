"""Seed bank rules (FAO Genebank Standards 2014): germination tests and the initial viability
of a lot, the monitoring interval of its store, when a lot's next test or its regeneration is
due (`due`), regeneration into the next cycle's lot, and safety duplicates.

Germination is the share of normal seedlings (ISTA); viability is the share of normal
seedlings, hard and fresh (dormant, ungerminated) seeds. The first test of a lot (by test
date) gives its initial viability."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Boolean, ColumnElement, Select, case, func, select, true, type_coerce
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidState, NotFound
from ..models import (
    Collection,
    Event,
    GerminationReplicate,
    GerminationTest,
    Item,
    Lot,
    Material,
    Regeneration,
    SafetyDuplicate,
    Seed,
    SeedSetting,
)
from ..schemas.inventory import NewLot
from ..schemas.seed_bank import (
    NewGerminationTest,
    NewSafetyDuplicate,
    Regenerate,
    Replicate,
    SetSeedSetting,
)
from ..sql import chunked, one_of
from ..vocabulary import (
    METHOD_TEMPERATURE,
    EventType,
    ItemStatus,
    MaterialKind,
    PreservationMethod,
    SeedRule,
    SeedStore,
    Unit,
)
from . import due_line
from .due_line import DueLine
from .events import record_event
from .inventory import create_lot, get_lot

REGENERATION_CYCLES = 3  # the seeds kept must sow this many regenerations
HELD = (ItemStatus.AVAILABLE, ItemStatus.RESERVED)  # items whose seeds are still in store


@dataclass(frozen=True)
class Settings:
    """The monitoring and regeneration settings that hold for one crop of a collection."""

    base_every_years: int = 10
    active_every_years: int = 5
    declining: bool = False  # tested at the active interval in the base collection too
    regenerate_below_pct: float = 85.0  # of the initial viability
    seeds_per_regeneration: int | None = None  # None: the seed count rule is not applied

    def every_years(self, store: SeedStore) -> int:
        if store is SeedStore.ACTIVE or self.declining:
            return self.active_every_years
        return self.base_every_years


@dataclass(frozen=True)
class Viability:
    """A seed lot's tests (oldest first), its store, initial and latest viability, and when
    its next test is due."""

    lot_id: int
    store: SeedStore
    every_years: int
    initial_viability_pct: float | None
    latest_viability_pct: float | None
    next_test_on: date
    tests: list[GerminationTest]


def store_of(lot: Lot | HeldLot) -> SeedStore:
    """The base collection for a lot kept at -18 °C or colder; else the active one."""
    temperature = METHOD_TEMPERATURE.get(lot.method)
    return SeedStore.BASE if temperature is not None and temperature <= -18 else SeedStore.ACTIVE


def get_seed_lot(session: Session, lot_id: int) -> Lot:
    """A lot of a seed accession (NotFound without one; InvalidState for other materials)."""
    lot = get_lot(session, lot_id)
    if lot.material.kind is not MaterialKind.SEED:
        raise InvalidState(f"{lot.label} is not a lot of seeds.", field="lot_id")
    return lot


def percentages(replicates: Iterable[Replicate]) -> tuple[int, float, float]:
    """The seeds of all replicates, and their germination and viability in percent."""
    seeds = normal = viable = 0
    for r in replicates:
        seeds += r.seeds
        normal += r.normal
        viable += r.normal + r.hard + r.fresh
    return seeds, round(100 * normal / seeds, 1), round(100 * viable / seeds, 1)


def record_germination_test(
    session: Session, lot_id: int, command: NewGerminationTest
) -> GerminationTest:
    """A germination test of a seed lot, with its replicates and an event in its history."""
    lot = get_seed_lot(session, lot_id)
    seeds, germination, viability = percentages(command.replicates)
    initial = (
        session.scalar(
            select(func.count())
            .select_from(GerminationTest)
            .where(GerminationTest.lot_id == lot.id, GerminationTest.tested_on <= command.tested_on)
        )
        == 0
    )
    event = record_event(
        session,
        EventType.QC,
        material_id=lot.material_id,
        lot_id=lot.id,
        data={
            "test": "germination",
            "tested_on": command.tested_on.isoformat(),
            "replicates": len(command.replicates),
            "seeds": seeds,
            "germination_pct": germination,
            "viability_pct": viability,
            **({"initial": True} if initial else {}),
        },
        note=command.note,
    )
    test = GerminationTest(
        lot_id=lot.id,
        event_id=event.id,
        tested_on=command.tested_on,
        medium=command.medium,
        temperature_c=command.temperature_c,
        days=command.days,
        seeds=seeds,
        germination_pct=germination,
        viability_pct=viability,
        note=command.note,
    )
    session.add(test)
    session.flush()
    session.add_all(
        GerminationReplicate(test_id=test.id, number=number, **vars(replicate))
        for number, replicate in enumerate(command.replicates, 1)
    )
    session.flush()
    return test


def viability(session: Session, lot_id: int) -> Viability:
    """A seed lot's germination tests, initial and latest viability and next test date."""
    lot = get_seed_lot(session, lot_id)
    tests = list(
        session.scalars(
            select(GerminationTest)
            .where(GerminationTest.lot_id == lot.id)
            .order_by(GerminationTest.tested_on, GerminationTest.id)
        )
    )
    store = store_of(lot)
    every = settings_of(session, [lot.material])[lot.material_id].every_years(store)
    return Viability(
        lot_id=lot.id,
        store=store,
        every_years=every,
        initial_viability_pct=tests[0].viability_pct if tests else None,
        latest_viability_pct=tests[-1].viability_pct if tests else None,
        next_test_on=_years_after(tests[-1].tested_on, every) if tests else lot.preserved_on,
        tests=tests,
    )


def settings(session: Session, collection_id: int) -> list[SeedSetting]:
    """A collection's seed settings: for all its seeds first, then by crop."""
    return list(
        session.scalars(
            select(SeedSetting)
            .where(SeedSetting.collection_id == collection_id)
            .order_by(SeedSetting.crop_name)
        )
    )


def set_setting(session: Session, collection_id: int, command: SetSeedSetting) -> SeedSetting:
    """Set a collection's seed settings for all its seeds or one crop (replacing those set)."""
    if session.get(Collection, collection_id) is None:
        raise NotFound(f"No collection with id {collection_id}.", field="collection_id")
    setting = session.scalar(
        select(SeedSetting).where(
            SeedSetting.collection_id == collection_id,
            SeedSetting.crop_name == command.crop_name,
        )
    )
    if setting is None:
        setting = SeedSetting(collection_id=collection_id, crop_name=command.crop_name)
        session.add(setting)
    for name, value in vars(command).items():
        setattr(setting, name, value)
    session.flush()
    return setting


def settings_of(session: Session, materials: Sequence[Material]) -> dict[int, Settings]:
    """The settings that hold for each material, by id: its crop's, else its collection's,
    else the standard's."""
    held = _settings(session, {m.collection_id for m in materials})
    return {m.id: held(m.collection_id, getattr(m, "crop_name", None)) for m in materials}


def _settings(
    session: Session, collections: Iterable[int] | None = None
) -> Callable[[int, str | None], Settings]:
    """The settings that hold for a crop (by name) of a collection, of the collections given
    (default all), read once."""
    rows: dict[tuple[int, str], SeedSetting] = {
        (row.collection_id, row.crop_name.casefold()): row
        for row in session.scalars(
            select(SeedSetting).where(
                SeedSetting.collection_id.in_(set(collections))
                if collections is not None
                else true()
            )
        )
    }
    known: dict[tuple[int, str | None], Settings] = {}  # by the crop name as given

    def held(collection_id: int, crop_name: str | None) -> Settings:
        found = known.get((collection_id, crop_name))
        if found is None:
            crop = (crop_name or "").strip().casefold()
            found = Settings()
            for name in dict.fromkeys(("", crop)):  # the collection's, then its crop's
                row = rows.get((collection_id, name))
                if row is not None:
                    given = {k: getattr(row, k) for k in vars(found) if getattr(row, k) is not None}
                    found = replace(found, **given)
            known[collection_id, crop_name] = found
        return found

    return held


def regenerate(session: Session, lot_id: int, command: Regenerate) -> Regeneration:
    """Record a regeneration of a seed lot: the field cycle, and the new lot of the next
    regeneration cycle (its parent the regenerated lot) that holds the harvest."""
    parent = get_seed_lot(session, lot_id)
    new_lot = NewLot(
        method=command.method or parent.method,
        preserved_on=command.preserved_on or command.harvested_on,
        items=command.items,
        quantity=command.quantity,
        unit=command.unit,
        form=command.form,
        regeneration_cycle=(parent.regeneration_cycle or 0) + 1,
        remarks=command.note,
    )
    lot = create_lot(session, parent.material, new_lot, parent_lot=parent)
    regeneration = Regeneration(
        from_lot_id=parent.id,
        lot_id=lot.id,
        site=command.site,
        season=command.season,
        plants=command.plants,
        isolation=command.isolation,
        harvested_on=command.harvested_on,
        seeds_harvested=command.seeds_harvested,
        note=command.note,
    )
    session.add(regeneration)
    session.flush()
    record_event(
        session,
        EventType.ANNOTATED,
        material_id=lot.material_id,
        lot_id=lot.id,
        data={
            "regenerated_from": parent.number,
            "regeneration_cycle": lot.regeneration_cycle,
            "site": command.site,
            "harvested_on": command.harvested_on.isoformat(),
            "seeds_harvested": command.seeds_harvested,
        },
        note=command.note,
    )
    return regeneration


def add_safety_duplicate(
    session: Session, lot_id: int, command: NewSafetyDuplicate
) -> SafetyDuplicate:
    """Record a safety duplicate of a seed lot kept at another institute (one per institute)."""
    lot = get_seed_lot(session, lot_id)
    if session.scalar(
        select(SafetyDuplicate.id).where(
            SafetyDuplicate.lot_id == lot.id,
            SafetyDuplicate.institute_code == command.institute_code,
        )
    ):
        raise Conflict(f"{lot.label} already has a safety duplicate at {command.institute_code}.")
    duplicate = SafetyDuplicate(lot_id=lot.id, **vars(command))
    session.add(duplicate)
    session.flush()
    record_event(
        session,
        EventType.ANNOTATED,
        material_id=lot.material_id,
        lot_id=lot.id,
        data={
            "safety_duplicate": command.institute_code,
            "institute": command.institute_name,
            "sent_on": command.sent_on.isoformat(),
        },
        note=command.note,
    )
    return duplicate


def safety_duplicates(session: Session, lot_id: int) -> list[SafetyDuplicate]:
    """A seed lot's safety duplicates, the earliest sent first."""
    lot = get_seed_lot(session, lot_id)
    return list(
        session.scalars(
            select(SafetyDuplicate)
            .where(SafetyDuplicate.lot_id == lot.id)
            .order_by(SafetyDuplicate.sent_on, SafetyDuplicate.id)
        )
    )


class HeldLot(NamedTuple):
    """A seed lot that still holds seeds in store (items available or reserved), with what its
    due work is decided by."""

    id: int
    number: int
    method: PreservationMethod
    preserved_on: date
    material_id: int
    accession_number: str
    collection_id: int
    minimum_stock: int
    crop_name: str | None
    thousand_seed_weight_g: float | None
    regenerated: bool  # a regeneration grew the next cycle's lot from it

    @property
    def label(self) -> str:
        return Lot.label_of(self.accession_number, self.number)


def due(session: Session, today: date, materials: Iterable[int] | None = None) -> list[DueLine]:
    """The seed lots whose germination test (never tested, or the monitoring interval has
    passed) or regeneration (viability below the threshold share of the initial viability,
    fewer seeds than three regenerations sow, or what is distributable under the material's
    minimum stock) is due by `today`; each line's reason starts with the rule's name. Given
    `materials`, the lines of their lots only (the same the whole list has for them)."""
    chosen = None if materials is None else list(materials)
    return [
        *INITIAL_TEST.lines(session, _untested(today, chosen)),
        *_tested_due(session, today, chosen),
    ]


def _untested(day: date, materials: Iterable[int] | None = None) -> Select[Any]:
    """The initial_test rule: the lots holding seeds that have no germination test, due since
    they were preserved (of `materials` only, when given)."""
    of = Lot.material_id.in_(list(materials)) if materials is not None else true()
    return (
        select(
            *due_line.key(Lot.preserved_on, "germination_test", Lot.id, Material.collection_id),
            Lot.number,
            Material.accession_number,
        )
        .join(Material, Material.id == Lot.material_id)
        .join(Seed.__table__, Seed.__table__.c.id == Lot.material_id)
        .where(of, Lot.preserved_on <= day, ~_tested(Lot.id), _holds_seeds(Lot.id))
    )


def _untested_line(row: Any) -> DueLine:
    label = Lot.label_of(row.accession_number, row.number)
    return due_line.line(
        "germination_test",
        "lot",
        row.record_id,
        label,
        row.due_on,
        row.collection_id,
        f"seed_{SeedRule.INITIAL_TEST}",
        rule=SeedRule.INITIAL_TEST,
        lot=label,
    )


INITIAL_TEST = due_line.Rule(_untested, _untested_line)


def _tested_due(
    session: Session, today: date, materials: Iterable[int] | None = None
) -> list[DueLine]:
    """The lines of the rules other than initial_test, on the lots holding seeds that have a
    germination test or whose stock a rule asks about, read by two selects; then the stock of
    the few a stock rule asks about."""
    of = Lot.material_id.in_(list(materials)) if materials is not None else true()
    settings = _settings(session)
    germinations = (
        select(GerminationTest.lot_id, GerminationTest.tested_on, GerminationTest.viability_pct)
        .where(_holds_seeds(GerminationTest.lot_id))
        .order_by(GerminationTest.lot_id, GerminationTest.tested_on, GerminationTest.id)
    )
    if materials is not None:
        germinations = germinations.join(Lot, Lot.id == GerminationTest.lot_id).where(of)
    tests: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for lot_id, tested_on, viable in session.execute(germinations):
        tests[lot_id].append((tested_on, viable))
    asked = {  # the lots tested, then those of the materials a stock rule asks about
        lot.id: lot
        for which in (
            Lot.id.in_(select(GerminationTest.lot_id)),
            Lot.material_id.in_(select(Material.id).where(_stock_asked())),
        )
        for lot in _held_lots(session, of & which)
    }
    held_lots = [asked[lot_id] for lot_id in sorted(asked)]
    stocked = [
        lot
        for lot in held_lots
        if lot.minimum_stock > 0
        or settings(lot.collection_id, lot.crop_name).seeds_per_regeneration is not None
    ]
    seeds, available = _stock(session, stocked, of & _stock_asked())
    short = {
        lot.id
        for lot in stocked
        if not lot.regenerated
        and _too_few(settings(lot.collection_id, lot.crop_name), seeds.get(lot.id))
    }
    under = _under_minimum(stocked, available)
    changed = _last_changed(session, short | {t.id for t in stocked if t.material_id in under})
    lines: list[DueLine] = []
    for lot in held_lots:
        held, tested = settings(lot.collection_id, lot.crop_name), tests.get(lot.id, [])
        lines += _test_due(lot, held, tested, today)
        if lot.regenerated:
            continue
        lines += _viability_drop(lot, held, tested, today)
        if lot.id in short:
            lines += _seed_count(lot, held, seeds[lot.id], changed.get(lot.id), today)
    last_change: dict[int, date] = {}  # of any lot of a material under its minimum stock
    for t in stocked:
        if t.id in changed:
            day = last_change.get(t.material_id, date.min)
            last_change[t.material_id] = max(changed[t.id], day)
    for material_id, (lot, count) in under.items():
        lines += _minimum_stock(lot, count, last_change.get(material_id), today)
    return lines


# The seed bank's source of the due list: the initial_test rule in SQL, the others on the lots
# tested or stocked.
SOURCE = due_line.Parts(INITIAL_TEST, _tested_due)


def _holds_seeds(lot_id: Any) -> ColumnElement[bool]:
    """Whether the lot still holds seeds in store: an item of it available or reserved."""
    return select(Item.id).where(Item.lot_id == lot_id, Item.status.in_(HELD)).exists()


def _tested(lot_id: Any) -> ColumnElement[bool]:
    """Whether the lot has a germination test."""
    return select(GerminationTest.id).where(GerminationTest.lot_id == lot_id).exists()


def _stock_asked() -> ColumnElement[bool]:
    """Whether a stock rule may ask about a lot: its material keeps a minimum stock, or its
    collection sets the seeds a regeneration sows (for some crop)."""
    sowing = select(SeedSetting.collection_id).where(
        SeedSetting.seeds_per_regeneration.is_not(None)
    )
    return (Material.minimum_stock > 0) | Material.collection_id.in_(sowing)


def _held_lots(session: Session, which: ColumnElement[bool]) -> list[HeldLot]:
    """The seed lots (`which` admits) that hold seeds, by id."""
    seeds = Seed.__table__.c
    regenerated = select(Regeneration.id).where(Regeneration.from_lot_id == Lot.id).exists()
    rows = session.connection().execute(
        select(
            Lot.id,
            Lot.number,
            Lot.method,
            Lot.preserved_on,
            Lot.material_id,
            Material.accession_number,
            Material.collection_id,
            Material.minimum_stock,
            seeds.crop_name,
            seeds.thousand_seed_weight_g,
            type_coerce(regenerated, Boolean),
        )
        .join(Material, Material.id == Lot.material_id)
        .join(Seed.__table__, seeds.id == Lot.material_id)
        .where(which, _holds_seeds(Lot.id))
        .order_by(Lot.id)
    )
    return [HeldLot._make(row) for row in rows.all()]


def _stock(
    session: Session, lots: list[HeldLot], which: ColumnElement[bool]
) -> tuple[dict[int, Decimal], dict[int, int]]:
    """The seeds each of the lots holds (counted, or weighed in grams with the thousand seed
    weight) and its items available, by lot id (`which` admits the lots, and maybe more)."""
    by_id = {lot.id: lot for lot in lots}
    if not by_id:
        return {}, {}
    seeds: dict[int, Decimal] = defaultdict(Decimal)
    available: dict[int, int] = defaultdict(int)
    for lot_id, unit, quantity, count in session.execute(
        select(
            Item.lot_id,
            Item.unit,
            func.sum(Item.quantity),
            func.count(case((Item.status == ItemStatus.AVAILABLE, Item.id))),
        )
        .join(Lot, Lot.id == Item.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .where(which, Material.kind == MaterialKind.SEED, Item.status.in_(HELD))
        .group_by(Item.lot_id, Item.unit)
    ):
        lot = by_id.get(lot_id)
        if lot is None:
            continue
        available[lot_id] += count
        counted = _seeds(lot, unit, quantity)
        if counted is not None:
            seeds[lot_id] += counted
    return dict(seeds), dict(available)


def _seeds(lot: HeldLot, unit: Unit, quantity: Decimal) -> Decimal | None:
    """A quantity of seeds counted, or weighed (in grams, with the thousand seed weight)."""
    if unit is Unit.SEEDS:
        return Decimal(quantity)
    weight = lot.thousand_seed_weight_g
    if unit is Unit.G and weight:
        return Decimal(quantity) * 1000 / Decimal(str(weight))
    return None


def _too_few(held: Settings, seeds: Decimal | None) -> bool:
    """Whether fewer seeds are left than the regenerations to come sow."""
    sown = held.seeds_per_regeneration
    return sown is not None and seeds is not None and seeds < REGENERATION_CYCLES * sown


def _under_minimum(
    lots: list[HeldLot], available: dict[int, int]
) -> dict[int, tuple[HeldLot, int]]:
    """Per material with a minimum stock whose distributable items (available, less the
    minimum stock kept) are fewer than the minimum stock: its latest lot (not regenerated)
    and its items available."""
    latest: dict[int, HeldLot] = {}
    for lot in sorted(lots, key=lambda lot: lot.number):
        if lot.minimum_stock > 0 and not lot.regenerated:
            latest[lot.material_id] = lot
    counts: dict[int, int] = defaultdict(int)
    for lot in lots:
        if lot.material_id in latest:
            counts[lot.material_id] += available.get(lot.id, 0)
    return {
        material_id: (lot, counts[material_id])
        for material_id, lot in latest.items()
        if max(counts[material_id] - lot.minimum_stock, 0) < lot.minimum_stock
    }


def _last_changed(session: Session, lot_ids: set[int]) -> dict[int, date]:
    """The day each lot's stock last changed (its latest event), by lot id."""
    changed = {}
    for chunk in chunked(sorted(lot_ids)):
        for lot_id, at in session.execute(
            select(Event.lot_id, func.max(Event.at))
            .where(one_of(Event.lot_id, chunk, session.get_bind().dialect))
            .group_by(Event.lot_id)
        ):
            if lot_id is not None:
                changed[lot_id] = at.date()
    return changed


def _lines(
    lot: HeldLot, kind: str, rule: SeedRule, due_on: date, today: date, **values: object
) -> list[DueLine]:
    """The lot's line of `kind` by `rule`, due since `due_on`, when that is by `today`."""
    if due_on > today:
        return []
    label = lot.label
    return [
        due_line.line(
            kind,
            "lot",
            lot.id,
            label,
            due_on,
            lot.collection_id,
            f"seed_{rule}",
            rule=rule,
            lot=label,
            **values,
        )
    ]


def _test_due(
    lot: HeldLot, held: Settings, tests: list[tuple[date, float]], today: date
) -> list[DueLine]:
    if not tests:
        return []  # the initial_test rule's (INITIAL_TEST)
    store, last = store_of(lot), tests[-1][0]
    every = held.every_years(store)
    return _lines(
        lot,
        "germination_test",
        SeedRule.MONITORING_INTERVAL,
        _years_after(last, every),
        today,
        tested_on=f"{last:%Y-%m-%d}",
        store=store.value,
        every=every,
    )


def _viability_drop(
    lot: HeldLot, held: Settings, tests: list[tuple[date, float]], today: date
) -> list[DueLine]:
    if len(tests) < 2:
        return []
    initial = tests[0][1]
    threshold = round(initial * held.regenerate_below_pct / 100, 1)
    first = len(tests)  # the first of the latest tests that are all below the threshold
    while first > 1 and tests[first - 1][1] < threshold:
        first -= 1
    if first == len(tests):
        return []
    day, pct = tests[-1]
    return _lines(
        lot,
        "regeneration",
        SeedRule.VIABILITY_DROP,
        tests[first][0],
        today,
        pct=f"{pct:g}",
        tested_on=f"{day:%Y-%m-%d}",
        below=f"{held.regenerate_below_pct:g}",
        initial=f"{initial:g}",
        threshold=f"{threshold:g}",
    )


def _seed_count(
    lot: HeldLot, held: Settings, seeds: Decimal, changed: date | None, today: date
) -> list[DueLine]:
    """Due since the lot's stock last changed (else since it was preserved)."""
    sown = held.seeds_per_regeneration
    assert sown is not None
    return _lines(
        lot,
        "regeneration",
        SeedRule.SEED_COUNT,
        changed or lot.preserved_on,
        today,
        seeds=seeds.quantize(Decimal(1)),
        needed=REGENERATION_CYCLES * sown,
        cycles=REGENERATION_CYCLES,
        sown=sown,
    )


def _minimum_stock(
    lot: HeldLot, available: int, changed: date | None, today: date
) -> list[DueLine]:
    """Due since the stock of a lot of the material last changed (else since its latest lot
    was preserved)."""
    kept = lot.minimum_stock
    return _lines(
        lot,
        "regeneration",
        SeedRule.MINIMUM_STOCK,
        changed or lot.preserved_on,
        today,
        material=lot.accession_number,
        available=available,
        kept=kept,
        distributable=max(available - kept, 0),
    )


def _years_after(day: date, years: int) -> date:
    """The same day `years` years later (28 February for 29 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
