"""Cell culture rules: a cell line's passage limit, master and working cell banks, and the
mycoplasma and sterility testing schedule, with the quarantine a positive result brings. The
lots these rules hold back are not distributed (`holds`, asked by the request checks and the
reservation)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Subquery,
    case,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from ..errors import InvalidState, NotFound
from ..models import CellLine, Collection, Item, Lot, Material, QcResult, RequestLine
from ..models.base import utcnow
from ..schemas.inventory import Release
from ..sql import months_later
from ..vocabulary import (
    GONE,
    CellBankTier,
    EventType,
    ItemForm,
    ItemStatus,
    MaterialKind,
    QcOutcome,
    QcTest,
)
from . import due_line
from .due_line import DueLine
from .events import record_event

# The tests a collection's schedule asks for; a failed one quarantines the lot.
SCHEDULED_TESTS = (QcTest.MYCOPLASMA, QcTest.STERILITY)


@dataclass(frozen=True)
class Hold:
    """Why a lot is not distributed: the rule (as the request checks name it) and the reason."""

    rule: str
    detail: str


@dataclass(frozen=True)
class HeldStock:
    """Available items of one lot, of a line's material and form, that a rule holds back."""

    lot_id: int
    count: int
    holds: tuple[Hold, ...]


def passage_override(lot: Lot, passage_number: int, reason: str | None) -> dict[str, Any]:
    """The override to record with a passage of `lot` to `passage_number`: empty within the
    cell line's limit; beyond it, the limit and the reason, or InvalidState without one."""
    material = lot.material
    limit = material.max_passage if isinstance(material, CellLine) else None
    if limit is None or passage_number <= limit:
        return {}
    if reason is None or not reason.strip():
        raise InvalidState(
            f"Passage {passage_number} of {lot.label} is beyond the passage limit of "
            f"{material.accession_number} (max_passage {limit}); give an override_reason to "
            "passage it anyway.",
            field="override_reason",
        )
    return {"beyond_limit": limit, "override_reason": reason.strip()}


def check_tier(tier: CellBankTier | None, parent: Lot | None) -> None:
    """A working cell bank lot comes from a master cell bank lot; a master one never comes
    from a working one."""
    parent_tier = parent.tier if parent is not None else None
    if tier is CellBankTier.WCB and parent_tier is not CellBankTier.MCB:
        made_from = (
            "without a parent lot"
            if parent is None
            else f"from {parent.label}, which is "
            + (f"a {parent_tier.value.upper()} lot" if parent_tier else "in no cell bank")
        )
        raise InvalidState(
            "A working cell bank (WCB) lot is passaged from a master cell bank (MCB) lot, not "
            f"made {made_from}.",
            field="tier",
        )
    if tier is CellBankTier.MCB and parent_tier is CellBankTier.WCB:
        assert parent is not None
        raise InvalidState(
            f"A master cell bank (MCB) lot is not made from a working cell bank lot "
            f"({parent.label}).",
            field="tier",
        )


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def holds(
    session: Session, material_ids: Iterable[int], today: date | None = None
) -> dict[int, tuple[Hold, ...]]:
    """The lots of the cell lines among the materials that are not distributed, by lot id,
    each with its holds: quarantined, beyond the passage limit, or without a passing test of
    each scheduled kind (mycoplasma, sterility) as recent as the collection's schedule asks,
    on the lot or a lot it came from."""
    lines = {
        line.id: line
        for line in session.scalars(select(CellLine).where(CellLine.id.in_(set(material_ids))))
    }
    if not lines:
        return {}
    lots = {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.material_id.in_(lines)))}
    passes = _passes(session, lots)
    today = today or date.today()
    held = {}
    for lot in lots.values():
        found = _lot_holds(lot, lines[lot.material_id], lots, passes, today)
        if found:
            held[lot.id] = tuple(found)
    return held


def _passes(session: Session, lot_ids: Iterable[int]) -> dict[int, list[tuple[QcTest, date]]]:
    """The passing scheduled tests of the lots, as (test, day), by lot id."""
    passes: dict[int, list[tuple[QcTest, date]]] = defaultdict(list)
    for lot_id, test, tested_on in session.execute(
        select(QcResult.lot_id, QcResult.test, QcResult.tested_on).where(
            QcResult.lot_id.in_(set(lot_ids)),
            QcResult.outcome == QcOutcome.PASS,
            QcResult.test.in_(SCHEDULED_TESTS),
        )
    ):
        passes[lot_id].append((test, tested_on))
    return passes


def _lot_holds(
    lot: Lot,
    line: CellLine,
    lots: dict[int, Lot],
    passes: dict[int, list[tuple[QcTest, date]]],
    today: date,
) -> list[Hold]:
    found = []
    if lot.quarantined_at is not None:
        found.append(
            Hold(
                "quarantine",
                f"{lot.label} is quarantined since {lot.quarantined_at:%Y-%m-%d} "
                f"({lot.quarantine_reason or 'a failed mycoplasma or sterility test'}).",
            )
        )
    passage = lot.passage_number or 0
    if line.max_passage is not None and passage > line.max_passage:
        found.append(
            Hold(
                "passage_limit",
                f"{lot.label} is at passage {passage}, beyond the limit of "
                f"{line.max_passage} (max_passage).",
            )
        )
    collection = line.collection
    every_passages, every_months = collection.qc_every_passages, collection.qc_every_months
    if every_passages is None and every_months is None:
        return found
    oldest = months_before(today, every_months) if every_months is not None else None
    covered = {
        test
        for test, day in _last_passes(lot, lots, passes, every_passages).items()
        if oldest is None or day >= oldest
    }
    schedule = " and ".join(
        part
        for part in (
            f"{every_passages} passage(s)" if every_passages is not None else "",
            f"{every_months} month(s)" if every_months is not None else "",
        )
        if part
    )
    for test in SCHEDULED_TESTS:
        if test not in covered:
            found.append(
                Hold(
                    "testing_schedule",
                    f"{lot.label} has no passing {test.value} test within the last {schedule} "
                    f"(the testing schedule of {collection.code}).",
                )
            )
    return found


def _last_passes(
    lot: Lot,
    lots: dict[int, Lot],
    passes: dict[int, list[tuple[QcTest, date]]],
    every_passages: int | None,
) -> dict[QcTest, date]:
    """The day of the latest passing test of each kind on the lot or a lot it came from, within
    the schedule's passages (fewer than `every_passages` before the lot's)."""
    passage = lot.passage_number or 0
    latest: dict[QcTest, date] = {}
    ancestor: Lot | None = lot
    while ancestor is not None:
        if every_passages is not None and passage - (ancestor.passage_number or 0) >= (
            every_passages
        ):
            break
        for test, day in passes.get(ancestor.id, ()):
            if test not in latest or day > latest[test]:
                latest[test] = day
        parent_id = ancestor.parent_lot_id
        ancestor = lots.get(parent_id) if parent_id is not None else None
    return latest


def _due_rows(today: date) -> Select[Any]:
    """The scheduled tests (mycoplasma, sterility) due by `today` on the cell line lots that
    still hold items, under their collection's schedule: missing (no passing test within the
    schedule's passages: due since the lot was preserved) or the last one's months run out.
    Quarantined lots are held anyway, and not tested again."""
    owing = _owing().subquery()
    latest = _latest_passes(owing).subquery()
    tests = union_all(
        *[
            select(
                literal_column(f"'{test.value}'", String).label("test"),
                literal_column(str(n), Integer).label("n"),
            )
            for n, test in enumerate(SCHEDULED_TESTS)
        ]
    ).subquery()
    last = latest.c.tested_on
    due_on = case(
        (last.is_(None), owing.c.preserved_on),
        else_=months_later(last, owing.c.qc_every_months),
    )
    return (
        select(
            *due_line.key(due_on, "cell_culture", owing.c.lot_id, owing.c.collection_id, tests.c.n),
            tests.c.test,
            last.label("tested_on"),
            owing.c.number,
            owing.c.accession_number,
            owing.c.code,
            owing.c.qc_every_passages,
            owing.c.qc_every_months,
        )
        .select_from(owing)
        .join(tests, true())
        .outerjoin(latest, (latest.c.lot_id == owing.c.lot_id) & (latest.c.test == tests.c.test))
        .where(last.is_(None) | owing.c.qc_every_months.is_not(None), due_on <= today)
    )


def _due_line(row: Any) -> DueLine:
    label = Lot.label_of(row.accession_number, row.number)
    values = {} if row.tested_on is None else {"tested_on": row.tested_on}
    return due_line.line(
        "cell_culture",
        "lot",
        row.record_id,
        label,
        row.due_on,
        row.collection_id,
        "test_missing" if row.tested_on is None else "test_due",
        lot=label,
        test=row.test,
        **values,
        collection=row.code,
        schedule=due_line.schedule(row.qc_every_passages, row.qc_every_months),
    )


due = due_line.Rule(_due_rows, _due_line)


def _owing() -> Select[int, int, date, int, str, int, str, int | None, int | None]:
    """The cell line lots that owe scheduled tests: not quarantined, holding items, of the
    collections with a testing schedule; with their passage (0 when not known) and the
    collection's schedule."""
    stocked = select(Item.id).where(Item.lot_id == Lot.id, Item.status.not_in(GONE)).exists()
    scheduled = Collection.qc_every_passages.is_not(None) | Collection.qc_every_months.is_not(None)
    return (
        select(
            Lot.id.label("lot_id"),
            Lot.number,
            Lot.preserved_on,
            func.coalesce(Lot.passage_number, 0).label("passage"),
            Material.accession_number,
            Collection.id.label("collection_id"),
            Collection.code,
            Collection.qc_every_passages,
            Collection.qc_every_months,
        )
        .join(Material, Material.id == Lot.material_id)
        .join(Collection, Collection.id == Material.collection_id)
        .where(
            Material.collection_id.in_(select(Collection.id).where(scheduled)),
            Material.kind == MaterialKind.CELL_LINE,
            Lot.quarantined_at.is_(None),
            stocked,
        )
    )


def _latest_passes(owing: Subquery) -> Select[int, QcTest, date]:
    """The day of the latest passing test of each scheduled kind of each owing lot, on the lot
    or a cell line lot it came from within the schedule's passages (fewer than
    `qc_every_passages` before the lot's): the ancestry walked by a recursive select."""
    first = owing.c
    chain = select(
        first.lot_id,
        first.lot_id.label("ancestor_id"),
        first.passage,
        first.qc_every_passages.label("every"),
    ).cte("chain", recursive=True)
    child, parent, parent_line = aliased(Lot), aliased(Lot), aliased(Material)
    chain = chain.union(
        select(chain.c.lot_id, parent.id, chain.c.passage, chain.c.every)
        .join(child, child.id == chain.c.ancestor_id)
        .join(parent, parent.id == child.parent_lot_id)
        .join(parent_line, parent_line.id == parent.material_id)
        .where(
            parent_line.kind == MaterialKind.CELL_LINE,
            chain.c.every.is_(None)
            | (chain.c.passage - func.coalesce(parent.passage_number, 0) < chain.c.every),
        )
    )
    return (
        select(chain.c.lot_id, QcResult.test, func.max(QcResult.tested_on).label("tested_on"))
        .join(QcResult, QcResult.lot_id == chain.c.ancestor_id)
        .where(QcResult.outcome == QcOutcome.PASS, QcResult.test.in_(SCHEDULED_TESTS))
        .group_by(chain.c.lot_id, QcResult.test)
    )


def held_stock(
    session: Session, keys: Iterable[tuple[int, ItemForm]]
) -> dict[tuple[int, ItemForm], list[HeldStock]]:
    """Per (material, form), the available items the cell culture rules hold back, by lot."""
    keys = set(keys)
    held = holds(session, {material_id for material_id, _ in keys})
    if not held:
        return {}
    stock: dict[tuple[int, ItemForm], list[HeldStock]] = defaultdict(list)
    for material_id, lot_id, form, count in session.execute(
        select(Lot.material_id, Item.lot_id, Item.form, func.count())
        .join(Lot, Lot.id == Item.lot_id)
        .where(Item.lot_id.in_(held), Item.status == ItemStatus.AVAILABLE)
        .group_by(Lot.material_id, Item.lot_id, Item.form)
        .order_by(Item.lot_id)
    ):
        key = (material_id, ItemForm(form))
        if key in keys:
            stock[key].append(HeldStock(lot_id, count, held[lot_id]))
    return dict(stock)


def _children(session: Session, material_id: int) -> dict[int, list[Lot]]:
    """The lots of a material made from another lot, by the id of the lot they came from."""
    children: dict[int, list[Lot]] = defaultdict(list)
    for lot in session.scalars(select(Lot).where(Lot.material_id == material_id)):
        if lot.parent_lot_id is not None:
            children[lot.parent_lot_id].append(lot)
    return children


def quarantine(session: Session, result: QcResult) -> list[Lot]:
    """Quarantine the lot of a failed scheduled test and every lot that came from it."""
    if result.test not in SCHEDULED_TESTS or result.outcome is not QcOutcome.FAIL:
        return []
    day = result.tested_on.isoformat()
    return quarantine_lot(
        session,
        session.get_one(Lot, result.lot_id),
        f"a failed {result.test.value} test on {day}",
        {"test": result.test.value, "tested_on": day},
    )


def quarantine_lot(session: Session, lot: Lot, reason: str, data: dict[str, Any]) -> list[Lot]:
    """Quarantine a lot and every lot that came from it (those not quarantined yet) for
    `reason` (said by the holds), each with an event of `data`; the lots quarantined."""
    children = _children(session, lot.material_id)
    now, quarantined, waiting = utcnow(), [], [lot]
    while waiting:
        found = waiting.pop()
        waiting.extend(children.get(found.id, ()))
        if found.quarantined_at is not None:
            continue
        found.quarantined_at, found.quarantine_reason = now, reason[:500]
        quarantined.append(found)
    session.flush()
    for found in quarantined:
        record_event(
            session,
            EventType.ANNOTATED,
            material_id=found.material_id,
            lot_id=found.id,
            data={"quarantined": lot.label, **data},
        )
    return quarantined


def release(session: Session, lot_id: int, command: Release) -> list[Lot]:
    """Lift the quarantine of a lot and of the lots quarantined with it (its descendants
    quarantined at the same moment), with the curator's reason, each with an event; the lots
    released."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"No lot with id {lot_id}.", field="lot_id")
    since = lot.quarantined_at
    if since is None:
        raise InvalidState(f"{lot.label} is not quarantined.")
    children = _children(session, lot.material_id)
    released, waiting = [], [lot]
    while waiting:
        found = waiting.pop()
        if found.quarantined_at != since:
            continue
        waiting.extend(children.get(found.id, ()))
        found.quarantined_at = found.quarantine_reason = None
        released.append(found)
    session.flush()
    for found in released:
        record_event(
            session,
            EventType.ANNOTATED,
            material_id=found.material_id,
            lot_id=found.id,
            data={"quarantine_lifted": lot.label, "reason": command.reason},
        )
    return released


def held_failures(
    line: RequestLine, available: int, held: Sequence[HeldStock]
) -> Iterator[tuple[str, str]]:
    """The cell culture rules a request line breaks, as (rule, detail): when what it asks for
    (with the minimum stock kept) reaches into `held`, the holds of each lot held back, out
    of the `available` items of its material and form."""
    usable = available - sum(stock.count for stock in held)
    if not held or line.quantity <= usable - line.material.minimum_stock:
        return
    for stock in held:
        for hold in stock.holds:
            yield hold.rule, f"{hold.detail} Its {stock.count} available item(s) are held back."
