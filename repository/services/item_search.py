"""The item search: a command (ItemSearch) becomes a select of the ids of the items it matches
among those the asker sees (`matching`), which the API, the pages and batch work (edits,
labels) build on; a page of them comes with each item's material, lot, place, latest event
and latest QC (`search_items`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from .. import barcodes
from ..errors import NotFound, ValidationFailed
from ..models import Collection, Event, Item, Lot, Material, QcResult, TubeCode
from ..models.storage import position_label
from ..schemas.search import SORTS, ItemSearch, Position
from ..sql import among
from ..visibility import items_filter
from ..vocabulary import EventType, ItemForm, ItemStatus, QcOutcome, QcTest, Unit
from . import saved_searches
from .accounts import Principal
from .queries import material_text
from .storage import PathUnit, get_unit, path_of, subtree, with_path

# What each sort orders by (an item's lot and material joined where needed); ties go by id.
# `created_at` is the order items were made in, which their ids keep.
_SORTED_BY: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "barcode": (Item.barcode,),
    "accession_number": (Material.accession_number, Lot.number),
    "preserved_on": (Lot.preserved_on,),
    "location": (Item.container_id, Item.row, Item.col),
    "created_at": (Item.id,),
    "status": (Item.status,),
    "quantity": (Item.quantity,),
}
assert set(_SORTED_BY) == set(SORTS)
_UNIQUE = {"barcode", "created_at"}  # sorts that need no tie-break
_PLACE = {Item.container_id, Item.row, Item.col}  # nullable: items without a place go last


def resolved(session: Session, who: Principal, search: ItemSearch) -> ItemSearch:
    """The search itself, or the saved search it names (with its own sort unless one is
    given)."""
    if search.saved is None:
        return search
    kept = saved_searches.search_of(session, who, search.saved)
    return replace(kept, sort=search.sort or kept.sort)


def matching(session: Session, who: Principal, search: ItemSearch) -> Select[int]:
    """The ids of the items the search matches among those `who` sees (unordered): a select
    to page through, count, or act on (`Item.id.in_(...)`) in the same transaction (the units
    under a container and the lots that match may be looked up as it is built)."""
    search = resolved(session, who, search)
    return select(Item.id).where(items_filter(who), *_conditions(session, search))


def _conditions(session: Session, search: ItemSearch) -> list[ColumnElement[bool]]:
    """The search's filters on Item. Those on the lot and the material become one `lot_id IN
    (...)`, and a place `container_id IN (...)`, so that the database starts from whichever
    side is the more selective."""
    on_item: list[ColumnElement[bool]] = []
    on_lot: list[ColumnElement[bool]] = []
    on_material: list[ColumnElement[bool]] = []
    text = (search.q or "").strip()
    if text:
        named = among(
            session, Item.lot_id, select(Lot.id).join(Material).where(material_text(text))
        )
        code = barcodes.normalise(text)
        tube = Item.id.in_(select(TubeCode.item_id).where(TubeCode.value == code))
        on_item.append(or_(Item.barcode == code, tube, named))
    if search.material is not None:
        on_material.append(Material.accession_number == search.material.strip())
    if search.kind:
        on_material.append(Material.kind.in_(search.kind))
    if search.collection is not None:
        code = search.collection.strip()
        on_material.append(
            Material.collection_id.in_(select(Collection.id).where(Collection.code == code))
        )
    if search.lot is not None:
        on_lot.append(Lot.number == search.lot)
    if search.method:
        on_lot.append(Lot.method.in_(search.method))
    on_lot += _within(Lot.preserved_on, search.preserved_from, search.preserved_to)
    if on_material:
        on_lot.append(Lot.material_id.in_(select(Material.id).where(*on_material)))
    if on_lot:
        on_item.append(among(session, Item.lot_id, select(Lot.id).where(*on_lot)))
    if search.status:
        on_item.append(Item.status.in_(search.status))
    if search.form:
        on_item.append(Item.form.in_(search.form))
    if search.unit:
        on_item.append(Item.unit.in_(search.unit))
    on_item += _within(Item.quantity, search.quantity_min, search.quantity_max)
    if search.container is not None:
        units = subtree(_unit(session, search.container))
        on_item.append(among(session, Item.container_id, units))
    if search.position_from is not None:
        on_item.append(_from(search.position_from))
    if search.position_to is not None:
        on_item.append(_through(search.position_to))
    if search.last_event_from or search.last_event_to:
        on_item += _within(
            _LAST_EVENT_AT, _start(search.last_event_from), _end(search.last_event_to)
        )
    if search.qc_from or search.qc_to or search.qc_result:
        on_item += _latest_qc(session, search)
    return on_item


def _within(column: Any, low: Any, high: Any) -> list[ColumnElement[bool]]:
    """`low <= column <= high`, either bound left out when it is None."""
    return [
        *([column >= low] if low is not None else []),
        *([column <= high] if high is not None else []),
    ]


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, UTC)


def _end(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.max, UTC)


def _unit(session: Session, code: str) -> int:
    """The id of the unit a container filter names; an unknown code is refused, naming it."""
    try:
        return get_unit(session, code, "container").id
    except NotFound as missing:
        raise ValidationFailed({"container": [missing.detail]}) from None


def _from(position: Position) -> ColumnElement[bool]:
    """At `position` or after it, row by row (as a box is filled)."""
    row, col = position
    return or_(Item.row > row, and_(Item.row == row, Item.col >= col))


def _through(position: Position) -> ColumnElement[bool]:
    """At `position` or before it, row by row."""
    row, col = position
    return or_(Item.row < row, and_(Item.row == row, Item.col <= col))


# An item's latest event (its own events; the lot's and material's are not the item's).
_LAST_EVENT_AT = (
    select(Event.at)
    .where(Event.item_id == Item.id)
    .order_by(Event.id.desc())
    .limit(1)
    .correlate(Item)
    .scalar_subquery()
)


def _applies(qc: Any) -> ColumnElement[bool]:
    """A QC result says something of the item: a result of its lot, or of the item itself."""
    return and_(qc.lot_id == Item.lot_id, or_(qc.item_id.is_(None), qc.item_id == Item.id))


def _latest_qc(session: Session, search: ItemSearch) -> list[ColumnElement[bool]]:
    """The item's latest QC result (by test date, then as recorded) is within the dates and
    has one of the outcomes. Only lots with such a result can match: said first, so that the
    database starts from them."""
    qc, later = aliased(QcResult), aliased(QcResult)
    wanted = [
        *_within(qc.tested_on, search.qc_from, search.qc_to),
        *([qc.outcome.in_(search.qc_result)] if search.qc_result else []),
    ]
    newer = or_(
        later.tested_on > qc.tested_on, and_(later.tested_on == qc.tested_on, later.id > qc.id)
    )
    return [
        among(session, Item.lot_id, select(qc.lot_id).where(*wanted)),
        exists().where(
            _applies(qc), *wanted, ~exists().where(_applies(later), newer).correlate_except(later)
        ),
    ]


def walks(session: Session, total: int, reach: int) -> bool:
    """Whether the first `reach` of `total` matches are read more cheaply along the sort's
    index than by gathering all of them first. Along the index, about reach x items / total
    rows are read before the page is full; gathering reads `total`. The count decides, not the
    database's guess of it: a planner that guesses a few matches many walks most of the index
    (a search that matches nothing, a late page). The items ever made (ids only grow) stand for
    the table's size."""
    made = session.scalar(select(func.max(Item.id))) or 0
    return total * total > reach * made


def ordered(
    statement: Select[int], sort: str, *, limit: int, offset: int = 0, walk: bool = True
) -> Select[int]:
    """A page of `matching`'s select in the order of a sort (one of the schema's
    SORT_CHOICES), ties by id. `walk`: leave the database free to read along the sort's index
    until the page is full; otherwise the matches are gathered first, then sorted (`walks`
    says which is cheaper)."""
    name, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = _SORTED_BY[name]
    if any(c.class_ in (Lot, Material) for c in columns):
        statement = statement.join(Lot, Lot.id == Item.lot_id)
    if any(c.class_ is Material for c in columns):
        statement = statement.join(Material, Material.id == Lot.material_id)
    sorted_by = [*columns, *([] if name in _UNIQUE else [Item.id])]
    keys: list[Any] = list(sorted_by)
    if not walk:
        found = (
            statement.add_columns(*(k.label(f"key{i}") for i, k in enumerate(keys)))
            .cte("found")
            .prefix_with("MATERIALIZED")
        )
        statement = select(found.c.id)
        keys = [found.c[f"key{i}"] for i in range(len(keys))]
    order = []
    for key, column in zip(keys, sorted_by, strict=True):
        step = key.desc() if descending else key.asc()
        order.append(step.nulls_last() if column in _PLACE else step)
    return statement.order_by(*order).limit(limit).offset(offset)


@dataclass(frozen=True)
class FoundItem:
    """One item as the search lists it."""

    id: int
    barcode: str
    status: ItemStatus
    form: ItemForm
    quantity: Decimal
    unit: Unit
    material_id: int
    accession_number: str
    designation: str
    designation_zh: str | None
    collection: str
    lot_id: int
    lot_number: int
    method: str
    preserved_on: date
    location: list[PathUnit]
    position: str | None
    last_event_at: datetime | None = None
    last_event_type: EventType | None = None
    last_qc_on: date | None = None
    last_qc_test: QcTest | None = None
    last_qc_outcome: QcOutcome | None = None
    tube_code: str | None = None


_LAST_EVENT = aliased(Event, name="last_event")
_LAST_QC = aliased(QcResult, name="last_qc")
# Built once (building costs more than running it): the items of a page with their lot,
# material and collection, the units above each, by primary keys, and each item's latest event
# and latest QC result (by test date, then as recorded), in one statement.
_ROWS = with_path(
    select(
        Item.id,
        Item.barcode,
        Item.status,
        Item.form,
        Item.quantity,
        Item.unit,
        Item.row,
        Item.col,
        Item.lot_id,
        TubeCode.value.label("tube_code"),
        Lot.number.label("lot_number"),
        Lot.method,
        Lot.preserved_on,
        Material.id.label("material_id"),
        Material.accession_number,
        Material.designation,
        Material.designation_zh,
        Collection.code.label("collection"),
        _LAST_EVENT.at.label("last_event_at"),
        _LAST_EVENT.type.label("last_event_type"),
        _LAST_QC.tested_on.label("last_qc_on"),
        _LAST_QC.test.label("last_qc_test"),
        _LAST_QC.outcome.label("last_qc_outcome"),
    )
    .join(Lot, Lot.id == Item.lot_id)
    .join(Material, Material.id == Lot.material_id)
    .join(Collection, Collection.id == Material.collection_id)
    .outerjoin(TubeCode, TubeCode.item_id == Item.id)
    .outerjoin(
        _LAST_EVENT,
        _LAST_EVENT.id
        == select(func.max(Event.id))
        .where(Event.item_id == Item.id)
        .correlate(Item)
        .scalar_subquery(),
    )
    .outerjoin(
        _LAST_QC,
        _LAST_QC.id
        == select(QcResult.id)
        .where(_applies(QcResult))
        .order_by(QcResult.tested_on.desc(), QcResult.id.desc())
        .limit(1)
        .correlate(Item)
        .scalar_subquery(),
    )
    .where(Item.id.in_(bindparam("ids", expanding=True))),
    Item.container_id,
)
_FOUND = [f.name for f in fields(FoundItem) if f.name not in ("location", "position")]


def found_items(session: Session, ids: Sequence[int]) -> list[FoundItem]:
    """The items of these ids as the search lists them, in that order."""
    if not ids:
        return []
    found = {}
    for row in session.connection().execute(_ROWS, {"ids": list(ids)}):
        values = row._mapping
        found[row.id] = FoundItem(
            **{name: values[name] for name in _FOUND},
            location=path_of(row),
            position=position_label(row.row, row.col) or None,
        )
    return [found[i] for i in ids if i in found]


def search_items(
    session: Session, who: Principal, search: ItemSearch, *, limit: int, offset: int = 0
) -> tuple[list[FoundItem], int]:
    """A page of the items the search matches among those `who` sees, in the search's order,
    and how many match in all."""
    search = resolved(session, who, search)
    ids = matching(session, who, search)
    total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    if offset >= total:  # past the last page
        return [], total
    walk = walks(session, total, limit + offset)
    page = list(session.scalars(ordered(ids, search.order, limit=limit, offset=offset, walk=walk)))
    return found_items(session, page), total
