"""Read-only questions: the scan lookup, lineage, item history, a box's grid, material search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased, selectin_polymorphic, selectinload

from .. import barcodes
from ..errors import ValidationFailed
from ..models import (
    Collection,
    Event,
    Identifier,
    Item,
    Lot,
    Material,
    MaterialRequest,
    StorageUnit,
    TubeCode,
)
from ..models.storage import position_label
from ..sql import json_array, json_object, json_value
from ..vocabulary import AccessLevel, EventType, ItemStatus, MaterialKind
from .storage import path_of, with_path


@dataclass
class Scan:
    """Everything a curator needs when a barcode is scanned."""

    item: dict[str, Any]
    material: dict[str, Any]
    lot: dict[str, Any]
    location: list[dict[str, Any]] = field(default_factory=list)
    position: str | None = None
    temperature_c: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


_SCAN_COLUMNS = (
    Item.id,
    Item.barcode,
    Item.status,
    Item.quantity,
    Item.unit,
    Item.form,
    Item.row,
    Item.col,
    Item.container_id,
    Item.parent_id,
    Lot.id.label("lot_id"),
    Lot.number.label("lot_number"),
    Lot.method,
    Lot.preserved_on,
    Lot.passage_number,
    Lot.generation,
    Lot.regeneration_cycle,
    Material.id.label("material_id"),
    Material.accession_number,
    Material.kind,
    Material.designation,
    Material.designation_zh,
    Material.taxon_name,
    Material.taxon_name_zh,
    Material.risk_group,
    Material.access_level,
    Collection.code.label("collection"),
)
HISTORY = 10  # events in a scan
_LATEST = (
    select(Event.id, Event.at, Event.type, Event.data, Event.note, Event.actor_id)
    .where(Event.item_id == Item.id)
    .order_by(Event.id.desc())
    .limit(HISTORY)
    .correlate(Item)
    .subquery("latest")
)
_HISTORY = (
    select(
        json_array(
            json_object(
                *(
                    part
                    for name in ("id", "at", "type", "note", "actor_id")
                    for part in (literal_column(f"'{name}'"), _LATEST.c[name])
                ),
                literal_column("'data'"),
                json_value(_LATEST.c.data),
            )
        )
    )
    .scalar_subquery()
    .label("history")
)
# Statements built once (building costs more than running them). The scan is one statement:
# the item with its lot, material, collection and the units above it, all by primary keys,
# and its latest events folded into one JSON value.
SCAN = with_path(
    select(*_SCAN_COLUMNS, TubeCode.value.label("tube_code"), _HISTORY)
    .join(Lot, Lot.id == Item.lot_id)
    .join(Material, Material.id == Lot.material_id)
    .join(Collection, Collection.id == Material.collection_id)
    .outerjoin(TubeCode, TubeCode.item_id == Item.id)
    .where(Item.barcode == bindparam("barcode")),
    Item.container_id,
)


def scan(session: Session, barcode: str) -> Scan:
    """Barcode (or a tube code) to item, material, lot, full location path, status and recent
    history, in one statement (a tube code first finds its item's barcode)."""
    code = barcodes.scanned(barcode)
    row = session.connection().execute(SCAN, {"barcode": code}).first()
    if row is None and (of_tube := barcodes.of_tube(session, code)) is not None:
        row = session.connection().execute(SCAN, {"barcode": of_tube}).first()
    if row is None:
        raise barcodes.not_found(session, barcode, "item")
    path = path_of(row)
    events = sorted(row.history or (), key=lambda e: e["id"], reverse=True)
    return Scan(
        item={
            "barcode": row.barcode,
            "status": row.status,
            "quantity": row.quantity,
            "unit": row.unit,
            "form": row.form,
            "parent_id": row.parent_id,
            "tube_code": row.tube_code,
        },
        material={
            "id": row.material_id,
            "collection": row.collection,
            "accession_number": row.accession_number,
            "kind": row.kind,
            "designation": row.designation,
            "designation_zh": row.designation_zh,
            "taxon_name": row.taxon_name,
            "taxon_name_zh": row.taxon_name_zh,
            "risk_group": row.risk_group,
            "access_level": row.access_level,
        },
        lot={
            "id": row.lot_id,
            "number": row.lot_number,
            "method": row.method,
            "preserved_on": row.preserved_on,
            "passage_number": row.passage_number,
            "generation": row.generation,
            "regeneration_cycle": row.regeneration_cycle,
        },
        location=[{"barcode": p.barcode, "name": p.name, "kind": p.kind} for p in path],
        position=position_label(row.row, row.col) or None,
        temperature_c=row.temperature,
        history=[
            {
                "at": datetime.fromisoformat(e["at"]),
                "type": EventType(e["type"]),
                "data": e["data"],
                "note": e["note"],
                "actor_id": e["actor_id"],
            }
            for e in events
        ],
    )


def lineage(session: Session, item: Item) -> dict[str, list[Item]]:
    """Ancestors (parent first) and descendants (breadth first) of an item."""
    up = (
        select(Item.id, Item.parent_id, literal(1).label("depth"))
        .where(Item.id == item.parent_id)
        .cte("up", recursive=True)
    )
    parent = aliased(Item)
    up = up.union_all(
        select(parent.id, parent.parent_id, up.c.depth + 1).where(parent.id == up.c.parent_id)
    )
    down = (
        select(Item.id, literal(1).label("depth"))
        .where(Item.parent_id == item.id)
        .cte("down", recursive=True)
    )
    child = aliased(Item)
    down = down.union_all(select(child.id, down.c.depth + 1).where(child.parent_id == down.c.id))
    ancestors = session.scalars(select(Item).join(up, up.c.id == Item.id).order_by(up.c.depth))
    descendants = session.scalars(
        select(Item).join(down, down.c.id == Item.id).order_by(down.c.depth, Item.id)
    )
    return {"ancestors": list(ancestors), "descendants": list(descendants)}


def item_history(session: Session, item: Item) -> list[Event]:
    """Every event of the item, oldest first, with the events of its lot and material."""
    return list(
        session.scalars(
            select(Event)
            .where(
                or_(
                    Event.item_id == item.id,
                    (Event.lot_id == item.lot_id) & Event.item_id.is_(None),
                    (Event.material_id == item.lot.material_id)
                    & Event.item_id.is_(None)
                    & Event.lot_id.is_(None),
                )
            )
            .order_by(Event.id)
        )
    )


def box_grid(session: Session, box: StorageUnit) -> list[list[dict[str, Any] | None]]:
    """The box as rows of cells: each the item there (barcode, accession, status) or None."""
    height, width = box.rows, box.cols
    if height is None or width is None:
        raise ValidationFailed({"box": [f"{box.name} is not a box."]})
    grid: list[list[dict[str, Any] | None]] = [[None] * width for _ in range(height)]
    rows = session.execute(
        select(
            Item.row,
            Item.col,
            Item.barcode,
            Item.status,
            Material.accession_number,
            Material.designation,
            Lot.number,
        )
        .join(Lot, Lot.id == Item.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .where(Item.container_id == box.id)
    ).all()
    for r in rows:
        grid[r.row - 1][r.col - 1] = {
            "barcode": r.barcode,
            "status": r.status.value,
            "position": position_label(r.row, r.col),
            "accession_number": r.accession_number,
            "designation": r.designation,
            "lot": r.number,
        }
    return grid


def taxa(session: Session, access: Sequence[AccessLevel] | None = None) -> list[str]:
    """The scientific names of the materials of these access levels (None: all), sorted: each
    the least name after the one before, found in the index of names, so that the cost goes
    with the number of names, not of materials."""

    def least(*after: ColumnElement[bool]) -> ScalarSelect[str]:
        query = select(func.min(Material.taxon_name)).where(*after)
        if access is not None:
            query = query.where(Material.access_level.in_(access))
        return query.scalar_subquery()

    names = select(least().label("name")).cte("names", recursive=True)
    names = names.union_all(
        select(least(Material.taxon_name > names.c.name)).where(names.c.name.is_not(None))
    )
    return list(session.scalars(select(names.c.name).where(names.c.name.is_not(None))))


SORTABLE = {
    "accession_number": Material.accession_number,
    "designation": Material.designation,
    "taxon_name": Material.taxon_name,
    "created_at": Material.created_at,
}


def material_text(text: str) -> ColumnElement[bool]:
    """The materials whose accession number, other identifiers, designation or taxon (Latin or
    Chinese) hold `text`, whatever its case (`%` and `_` are plain characters): a union of one
    select per column, each of which a trigram index serves on PostgreSQL."""
    return Material.id.in_(
        union(
            *(
                select(Material.id).where(column.icontains(text, autoescape=True))
                for column in (
                    Material.accession_number,
                    Material.designation,
                    Material.designation_zh,
                    Material.taxon_name,
                    Material.taxon_name_zh,
                )
            ),
            select(Identifier.material_id).where(Identifier.value.icontains(text, autoescape=True)),
        )
    )


def matching_materials(
    *,
    q: str | None = None,
    kind: str | None = None,
    taxon: str | None = None,
    collection: str | None = None,
    available: bool | None = None,
    access: Sequence[AccessLevel] | None = None,
) -> Select[Material]:
    """The materials the search finds (see `search_materials`), unordered: the search's one
    home, which the list and a batch edit of materials share."""
    query = select(Material)
    text = (q or "").strip()
    if text:
        query = query.where(material_text(text))
    if kind:
        if kind not in set(MaterialKind):
            raise ValidationFailed({"kind": [f"Unknown kind {kind!r}."]})
        query = query.where(Material.kind == kind)
    if taxon:
        query = query.where(Material.taxon_name == taxon)
    if collection:
        query = query.join(Collection).where(Collection.code == collection)
    if access is not None:
        query = query.where(Material.access_level.in_(access))
    if available is not None:
        has_stock = exists().where(
            Lot.material_id == Material.id,
            Item.lot_id == Lot.id,
            Item.status == ItemStatus.AVAILABLE,
        )
        query = query.where(has_stock if available else ~has_stock)
    return query


def search_materials(
    session: Session,
    *,
    q: str | None = None,
    kind: str | None = None,
    taxon: str | None = None,
    collection: str | None = None,
    available: bool | None = None,
    access: Sequence[AccessLevel] | None = None,
    sort: str = "accession_number",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Material], int]:
    """Materials matching a text (accession number, name, taxon, other identifiers: `%` and
    `_` are plain characters), a kind, a taxon (its scientific name), a collection and
    availability; with the total count."""
    query = matching_materials(
        q=q, kind=kind, taxon=taxon, collection=collection, available=available, access=access
    )
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    column = SORTABLE.get(sort.removeprefix("-"))
    if column is None:
        raise ValidationFailed({"sort": [f"Sort by one of {', '.join(SORTABLE)} (- for desc)."]})
    order = column.desc() if sort.startswith("-") else column.asc()
    found = session.scalars(
        query.order_by(order, Material.id)
        .limit(limit)
        .offset(offset)
        .options(  # each kind's own columns and the identifiers: a query each, not one a row
            selectin_polymorphic(Material, Material.__subclasses__()),
            selectinload(Material.identifiers),
        )
    )
    return list(found), total or 0


@dataclass(frozen=True)
class Match:
    """A record a scanned code names: an item, a storage unit, a request or a material."""

    kind: str  # "item", "unit", "request" or "material"
    key: str | int  # the barcode, the request's id or the material's id
    label: str


def identify(session: Session, code: str) -> list[Match]:
    """Every record a scanned or typed code names (none: unknown; several: ambiguous, e.g. an
    accession number used by two collections)."""
    barcode = barcodes.scanned(code, "code")
    text = code.strip()
    item_code = barcodes.of_tube(session, barcode) or barcode  # a tube code names its item
    found = [
        Match("item", b, f"{b} · {a}")
        for b, a in session.execute(
            select(Item.barcode, Material.accession_number)
            .join(Lot, Lot.id == Item.lot_id)
            .join(Material, Material.id == Lot.material_id)
            .where(Item.barcode == item_code)
        )
    ]
    found += [
        Match("unit", b, f"{b} · {n}")
        for b, n in session.execute(
            select(StorageUnit.barcode, StorageUnit.name).where(StorageUnit.barcode == barcode)
        )
    ]
    found += [
        Match("request", i, n)
        for i, n in session.execute(
            select(MaterialRequest.id, MaterialRequest.number).where(
                MaterialRequest.number == text.upper()
            )
        )
    ]
    found += [
        Match("material", i, f"{c} {a} · {d}")
        for i, a, d, c in session.execute(
            select(Material.id, Material.accession_number, Material.designation, Collection.code)
            .join(Collection)
            .where(Material.accession_number == text)
            .order_by(Collection.code)
        )
    ]
    return found
