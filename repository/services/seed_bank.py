"""Seed bank rules (FAO Genebank Standards 2014): germination tests and the initial viability
of a lot, the monitoring interval of its store, when a lot's next test or its regeneration is
due (`due`), regeneration into the next cycle's lot, and safety duplicates.

Germination is the share of normal seedlings (ISTA); viability is the share of normal
seedlings, hard and fresh (dormant, ungerminated) seeds. The first test of a lot (by test
date) gives its initial viability."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
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
from ..vocabulary import (
    METHOD_TEMPERATURE,
    EventType,
    ItemStatus,
    MaterialKind,
    SeedRule,
    SeedStore,
    Unit,
)
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


def store_of(lot: Lot) -> SeedStore:
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
    rows: dict[tuple[int, str], SeedSetting] = {
        (row.collection_id, row.crop_name.casefold()): row
        for row in session.scalars(
            select(SeedSetting).where(
                SeedSetting.collection_id.in_({m.collection_id for m in materials})
            )
        )
    }
    found = {}
    for material in materials:
        crop = (getattr(material, "crop_name", None) or "").strip().casefold()
        held = Settings()
        for name in dict.fromkeys(("", crop)):  # the collection's, then its crop's
            row = rows.get((material.collection_id, name))
            if row is not None:
                given = {k: getattr(row, k) for k in vars(held) if getattr(row, k) is not None}
                held = replace(held, **given)
        found[material.id] = held
    return found


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


def due(session: Session, today: date) -> list[DueLine]:
    """The seed lots whose germination test (never tested, or the monitoring interval has
    passed) or regeneration (viability below the threshold share of the initial viability,
    fewer seeds than three regenerations sow, or what is distributable under the material's
    minimum stock) is due by `today`; each line's reason starts with the rule's name."""
    lots = list(
        session.scalars(
            select(Lot)
            .join(Seed, Seed.id == Lot.material_id)
            .where(select(Item.id).where(Item.lot_id == Lot.id, Item.status.in_(HELD)).exists())
            .order_by(Lot.id)
        )
    )
    if not lots:
        return []
    ids = [lot.id for lot in lots]
    materials = {lot.material_id: lot.material for lot in lots}
    settings = settings_of(session, list(materials.values()))
    tests: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for lot_id, tested_on, viable in session.execute(
        select(GerminationTest.lot_id, GerminationTest.tested_on, GerminationTest.viability_pct)
        .where(GerminationTest.lot_id.in_(ids))
        .order_by(GerminationTest.tested_on, GerminationTest.id)
    ):
        tests[lot_id].append((tested_on, viable))
    regenerated = set(
        session.scalars(select(Regeneration.from_lot_id).where(Regeneration.from_lot_id.in_(ids)))
    )
    stock: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, unit, quantity in session.execute(
        select(Item.lot_id, Item.unit, func.sum(Item.quantity))
        .where(Item.lot_id.in_(ids), Item.status.in_(HELD))
        .group_by(Item.lot_id, Item.unit)
    ):
        seeds = _seeds(materials, lots, lot_id, unit, quantity)
        if seeds is not None:
            stock[lot_id] += seeds
    changed: dict[int, date] = {}  # the day each lot's stock last changed
    for event_lot_id, at in session.execute(
        select(Event.lot_id, func.max(Event.at)).where(Event.lot_id.in_(ids)).group_by(Event.lot_id)
    ):
        if event_lot_id is not None:
            changed[event_lot_id] = at.date()
    lines: list[DueLine] = []
    for lot in lots:
        held = settings[lot.material_id]
        lines.extend(_test_due(lot, held, tests[lot.id], today))
        if lot.id in regenerated:
            continue
        since = changed.get(lot.id, lot.preserved_on)
        lines.extend(_regeneration_due(lot, held, tests[lot.id], stock.get(lot.id), since))
    lines.extend(_minimum_stock_due(session, lots, regenerated, changed))
    return [line for line in lines if line.due_on <= today]


def _seeds(
    materials: dict[int, Material], lots: list[Lot], lot_id: int, unit: Unit, quantity: Decimal
) -> Decimal | None:
    """A quantity of seeds counted, or weighed (in grams, with the thousand seed weight)."""
    if unit is Unit.SEEDS:
        return Decimal(quantity)
    material = next(lot.material for lot in lots if lot.id == lot_id)
    weight = getattr(material, "thousand_seed_weight_g", None)
    if unit is Unit.G and weight:
        return Decimal(quantity) * 1000 / Decimal(str(weight))
    return None


def _line(lot: Lot, kind: str, rule: SeedRule, text: str, since: date) -> DueLine:
    return DueLine(
        kind=kind,
        record="lot",
        record_id=lot.id,
        label=lot.label,
        reason=f"{rule.value}: {text}",
        due_on=since,
        collection_id=lot.material.collection_id,
        code=f"seed_{rule.value}",
        params=(("rule", rule.value), ("lot", lot.label)),
    )


def _test_due(
    lot: Lot, held: Settings, tests: list[tuple[date, float]], today: date
) -> list[DueLine]:
    if not tests:
        return [
            _line(
                lot,
                "germination_test",
                SeedRule.INITIAL_TEST,
                f"{lot.label} has no germination test (its initial viability is not known).",
                lot.preserved_on,
            )
        ]
    store, last = store_of(lot), tests[-1][0]
    every = held.every_years(store)
    return [
        _line(
            lot,
            "germination_test",
            SeedRule.MONITORING_INTERVAL,
            f"{lot.label} was last tested on {last:%Y-%m-%d}; the {store.value} collection "
            f"tests every {every} years.",
            _years_after(last, every),
        )
    ]


def _regeneration_due(
    lot: Lot,
    held: Settings,
    tests: list[tuple[date, float]],
    seeds: Decimal | None,
    since: date,
) -> list[DueLine]:
    lines = []
    if len(tests) > 1:
        initial = tests[0][1]
        threshold = round(initial * held.regenerate_below_pct / 100, 1)
        first = len(tests)  # the first of the latest tests that are all below the threshold
        while first > 1 and tests[first - 1][1] < threshold:
            first -= 1
        if first < len(tests):
            day, pct = tests[-1]
            lines.append(
                _line(
                    lot,
                    "regeneration",
                    SeedRule.VIABILITY_DROP,
                    f"{lot.label} tested {pct:g} % viable on {day:%Y-%m-%d}, below "
                    f"{held.regenerate_below_pct:g} % of its initial {initial:g} % "
                    f"({threshold:g} %).",
                    tests[first][0],
                )
            )
    sown = held.seeds_per_regeneration
    if sown is not None and seeds is not None and seeds < REGENERATION_CYCLES * sown:
        lines.append(
            _line(
                lot,
                "regeneration",
                SeedRule.SEED_COUNT,
                f"{lot.label} holds {seeds.quantize(Decimal(1))} seeds, fewer than the "
                f"{REGENERATION_CYCLES * sown} that {REGENERATION_CYCLES} regenerations of "
                f"{sown} seeds sow.",
                since,
            )
        )
    return lines


def _minimum_stock_due(
    session: Session, lots: list[Lot], regenerated: set[int], changed: dict[int, date]
) -> list[DueLine]:
    """Per material with a minimum stock, when its distributable items (available, less the
    minimum stock kept) are fewer than the minimum stock: a line on its latest lot."""
    latest: dict[int, Lot] = {}
    for lot in sorted(lots, key=lambda lot: lot.number):
        if lot.material.minimum_stock > 0 and lot.id not in regenerated:
            latest[lot.material_id] = lot
    if not latest:
        return []
    available: dict[int, int] = {}
    for material_id, count in session.execute(
        select(Lot.material_id, func.count())
        .join(Item, Item.lot_id == Lot.id)
        .where(Lot.material_id.in_(latest), Item.status == ItemStatus.AVAILABLE)
        .group_by(Lot.material_id)
    ):
        available[material_id] = count
    lines = []
    for material_id, lot in latest.items():
        kept = lot.material.minimum_stock
        count = available.get(material_id, 0)
        distributable = max(count - kept, 0)
        if distributable < kept:
            since = max(
                (
                    changed[other.id]
                    for other in lots
                    if other.material_id == material_id and other.id in changed
                ),
                default=lot.preserved_on,
            )
            lines.append(
                _line(
                    lot,
                    "regeneration",
                    SeedRule.MINIMUM_STOCK,
                    f"{lot.material.accession_number} has {count} items available and keeps "
                    f"{kept}: {distributable} distributable, under its minimum stock of {kept}.",
                    since,
                )
            )
    return lines


def _years_after(day: date, years: int) -> date:
    """The same day `years` years later (28 February for 29 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
