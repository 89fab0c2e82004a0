"""Label data from the records: what a vial, cap, seed packet, cage card, box lid or box map
shows for each kind of material (the `labels` package renders it). Every set of items labelled
(barcodes, a lot, a box's items, an item search, a request's items) is one `Selected`: the
items' ids in order, their labels read a chunk at a time as they are drawn. What each label
holds is said in one place, `cards`: an item, or the animals of a cage on its one card, which
no chunk and no print job parts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from labels import BoxCell, BoxMap, Label, PackingList, PackingRow, PickList, PickRow, cage_card

from .. import barcodes
from ..errors import NotFound, ValidationFailed
from ..models import Animal, AnimalLine, Item, Lot, Material, StorageUnit
from ..schemas.search import ItemSearch
from ..vocabulary import GONE, METHOD_TEMPERATURE, ItemForm, MaterialKind, StorageKind
from . import item_search, sharing, shipping
from .accounts import ANONYMOUS, Principal
from .storage import get_unit, path_label, path_rows

ITEM_TEMPLATES = ("cryovial", "cap", "seed-packet", "cage-card")
UNIT_TEMPLATES = ("box", "box-map")
TEMPLATES = (*ITEM_TEMPLATES, *UNIT_TEMPLATES)  # the packing list comes with shipments
MAX_LABELS = 10_000  # per document
CHUNK = 500  # items whose labels are read at once (and per print job of a large selection)

_SIRE, _DAM = aliased(Item), aliased(Item)
_ANIMAL_LINES = AnimalLine.__table__  # the table alone: its protocol number
_ROWS = (
    select(
        Item.id,
        Item.barcode,
        Item.form,
        Item.quantity,
        Item.unit,
        Lot.number.label("lot_number"),
        Lot.method,
        Lot.preserved_on,
        Lot.passage_number,
        Lot.generation,
        Lot.regeneration_cycle,
        Material.accession_number,
        Material.kind,
        Material.designation,
        Material.designation_zh,
        Material.taxon_name,
        Material.risk_group,
        _ANIMAL_LINES.c.protocol_number,
        Item.container_id,
        Animal.sex,
        Animal.birth_date,
        _SIRE.barcode.label("sire"),
        _DAM.barcode.label("dam"),
    )
    .join(Lot, Lot.id == Item.lot_id)
    .join(Material, Material.id == Lot.material_id)
    .outerjoin(_ANIMAL_LINES, _ANIMAL_LINES.c.id == Material.id)
    .outerjoin(Animal, Animal.item_id == Item.id)
    .outerjoin(_SIRE, _SIRE.id == Animal.sire_id)
    .outerjoin(_DAM, _DAM.id == Animal.dam_id)
)


def payload(barcode: str, url: str | None = None) -> str:
    """What the QR code holds: the barcode, or a link to the item when a URL pattern (with
    `{barcode}`) is configured."""
    return url.format(barcode=barcode) if url else barcode


def template_for(form: ItemForm) -> str:
    """The default label of an item of this form."""
    return {ItemForm.SEED_PACKET: "seed-packet", ItemForm.ANIMAL: "cage-card"}.get(form, "cryovial")


@dataclass(frozen=True)
class Selected:
    """What a selection labels: items, by their ids in the order they print (their labels
    read CHUNK at a time as they are rendered, so 10,000 of them keep memory flat), or
    documents made whole (a box's lid or map, a request's packing list)."""

    ids: tuple[int, ...] = ()
    things: tuple[Label | BoxMap | PackingList | PickList, ...] = ()
    template: str | None = None
    url: str | None = None

    @property
    def count(self) -> int:
        """How many items (or documents); `label_count` says how many labels they print."""
        return len(self.ids) + len(self.things)

    def label_count(self, session: Session) -> int:
        """How many labels it prints: one per item or document, but one card per cage for
        the animals of a cage (`cards`)."""
        return len(self.things) + len(cards(session, self.ids, self.template))

    def labels(self, session: Session) -> Iterator[Label | BoxMap | PackingList | PickList]:
        yield from self.things
        yield from labels_of(session, self.ids, self.template, self.url)

    def parts(self, session: Session, size: int) -> Iterator[tuple[Selected, int]]:
        """The selection in parts of about `size` items, in order (a print job each), with
        how many labels each prints; the animals of a cage stay in one part, its card's."""
        if self.things:
            yield replace(self, ids=()), len(self.things)
        for part in _parts(cards(session, self.ids, self.template), size):
            yield (
                replace(self, ids=tuple(i for card in part for i in card.ids), things=()),
                len(part),
            )


def selection(
    session: Session,
    who: Principal = ANONYMOUS,
    *,
    barcodes: Sequence[str] | None = None,
    lot: int | None = None,
    box: str | None = None,
    request: int | None = None,
    search: ItemSearch | None = None,
    template: str | None = None,
    url: str | None = None,
) -> Selected:
    """The labels of items by barcode, of a lot's items, of a box (its lid by default), of
    the items an item search (or a saved search) matches among those `who` sees, in its
    sort; or a request's packing list (by default) or its items' labels (an item template),
    in the picker's storage order. Only the items' ids are read here."""
    if request is not None and template not in ITEM_TEMPLATES:
        return Selected(things=(packing_list(session, request, url),))
    if box and (template is None or template in UNIT_TEMPLATES):
        return Selected(things=tuple(box_labels(session, box, template or "box", url)))
    if barcodes:
        ids = item_ids(session, barcodes)
    elif lot is not None:
        ids = lot_item_ids(session, lot)
    elif box:
        unit = get_unit(session, box)
        if template == "cage-card" and unit.kind is StorageKind.CAGE:
            return Selected(things=tuple(box_labels(session, box, template, url)))
        ids = box_item_ids(session, unit)
    elif search is not None:
        ids = search_item_ids(session, who, search)
    elif request is not None:
        picked = shipping.pick_list(session, sharing.get_request(session, request))
        ids = item_ids(session, [entry.barcode for entry in picked])
    else:
        raise ValidationFailed({"barcodes": ["Give barcodes, a lot, a box or a search."]})
    _check(template, ITEM_TEMPLATES, len(ids))
    return Selected(ids=tuple(ids), template=template, url=url)


def select_labels(
    session: Session, who: Principal = ANONYMOUS, **selected: Any
) -> list[Label | BoxMap | PackingList]:
    """`selection`'s labels, made at once (a few; for many, render `Selected.labels`)."""
    return list(selection(session, who, **selected).labels(session))


def item_ids(session: Session, barcodes_: Sequence[str]) -> list[int]:
    """The ids of the items of these barcodes, in the order given; an unknown one refused."""
    codes = [barcodes.normalise(code) for code in barcodes_]
    known = select(Item.barcode, Item.id).where(Item.barcode.in_(set(codes)))
    found = {code: id_ for code, id_ in session.execute(known)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise NotFound(f"No item with barcode {', '.join(missing[:10])}.", field="barcodes")
    return [found[code] for code in codes]


def lot_item_ids(session: Session, lot_id: int) -> list[int]:
    """The items of a lot still held (not distributed, consumed or destroyed), as made."""
    if session.get(Lot, lot_id) is None:
        raise NotFound(f"No lot {lot_id}.", field="lot")
    held = Item.lot_id == lot_id, Item.status.not_in(GONE)
    return _ids(session, select(Item.id).where(*held).order_by(Item.id))


def box_item_ids(session: Session, unit: StorageUnit) -> list[int]:
    """The items in a unit, by position."""
    inside = select(Item.id).where(Item.container_id == unit.id)
    return _ids(session, inside.order_by(Item.row, Item.col, Item.id))


def search_item_ids(session: Session, who: Principal, search: ItemSearch) -> list[int]:
    """The items an item search matches among those `who` sees, in the search's sort."""
    matched = item_search.matching(session, who, search)
    search = item_search.resolved(session, who, search)
    return _ids(
        session, item_search.ordered(matched, search.order, limit=MAX_LABELS + 1, walk=False)
    )


def _ids(session: Session, statement: Select) -> list[int]:
    """At most MAX_LABELS + 1 ids (one more than a document takes, so that `_check` says so)."""
    return list(session.scalars(statement.limit(MAX_LABELS + 1)))


class Card(NamedTuple):
    """What one label holds: an item (`cage` None), or the animals of a cage on its card."""

    cage: int | None
    ids: tuple[int, ...]


def cards(session: Session, ids: Sequence[int], template: str | None = None) -> list[Card]:
    """The labels these items print, in their order: one per item, but one card per cage for
    the animals of a cage (where its first one comes; cage cards by `template`, or each
    item's own), whatever chunks they are read in; an animal kept in no cage has a card of
    its own. Only the cages of the items are read here."""
    if template not in (None, "cage-card"):
        return [Card(None, (id_,)) for id_ in ids]
    caged = select(Item.id, Item.container_id).where(Item.container_id.is_not(None))
    if template is None:  # each item's own: the forms whose own label is a cage card
        caged = caged.where(Item.form.in_([f for f in ItemForm if template_for(f) == "cage-card"]))
    cage_of: dict[int, int | None] = {}
    for start in range(0, len(ids), CHUNK):
        for id_, cage in session.execute(caged.where(Item.id.in_(ids[start : start + CHUNK]))):
            cage_of[id_] = cage
    animals: dict[int, list[int]] = {}
    out: list[Card | list[int]] = []
    for id_ in ids:
        cage = cage_of.get(id_)
        if cage is None:
            out.append(Card(None, (id_,)))
        elif cage in animals:
            animals[cage].append(id_)
        else:
            animals[cage] = [id_]
            out.append(animals[cage])  # the cage's card, once all its animals are known
    return [
        entry if isinstance(entry, Card) else Card(cage_of[entry[0]], tuple(entry)) for entry in out
    ]


def _parts(cards_: Sequence[Card], size: int) -> Iterator[list[Card]]:
    """Cards in runs of about `size` items, in order (one card's animals may make a run
    longer)."""
    part: list[Card] = []
    held = 0
    for card in cards_:
        if part and held + len(card.ids) > size:
            yield part
            part, held = [], 0
        part.append(card)
        held += len(card.ids)
    if part:
        yield part


def labels_of(
    session: Session, ids: Sequence[int], template: str | None = None, url: str | None = None
) -> Iterator[Label]:
    """The labels of these items, in this order (`cards`), read about CHUNK items at a time."""
    for part in _parts(cards(session, ids, template), CHUNK):
        chunk = [id_ for card in part for id_ in card.ids]
        rows = {r.id: r for r in session.execute(_ROWS.where(Item.id.in_(chunk)))}
        cages = {card.cage for card in part if card.cage is not None}
        units = {}
        if cages:
            units = {
                u.id: u
                for u in session.scalars(select(StorageUnit).where(StorageUnit.id.in_(cages)))
            }
        for card in part:
            held = [rows[id_] for id_ in card.ids if id_ in rows]
            if card.cage is not None and held:
                yield _cage_card(units[card.cage], held, url)
            elif held:
                yield _label(held[0], template, url)


def item_labels(
    session: Session, barcodes_: Sequence[str], template: str | None = None, url: str | None = None
) -> list[Label]:
    """One label per barcode, in the order given; each item's default template unless one
    is named."""
    ids = item_ids(session, barcodes_)
    _check(template, ITEM_TEMPLATES, len(ids))
    return list(labels_of(session, ids, template, url))


def lot_labels(
    session: Session, lot_id: int, template: str | None = None, url: str | None = None
) -> list[Label]:
    """A label for every item of a lot still held (not distributed, consumed or destroyed)."""
    ids = lot_item_ids(session, lot_id)
    _check(template, ITEM_TEMPLATES, len(ids))
    return list(labels_of(session, ids, template, url))


def box_labels(
    session: Session, barcode: str, template: str = "box", url: str | None = None
) -> list[Label | BoxMap]:
    """For a box: its lid label (`box`), its map (`box-map`), or a label for each item in it
    (an item template), by position."""
    unit = get_unit(session, barcode)
    if template in UNIT_TEMPLATES or (template == "cage-card" and unit.kind is StorageKind.CAGE):
        return [_unit_label(session, unit, template, url)]
    ids = box_item_ids(session, unit)
    _check(template, ITEM_TEMPLATES, len(ids))
    return list(labels_of(session, ids, template, url))


def packing_list(session: Session, request_id: int, url: str | None = None) -> PackingList:
    """The packing list of a request: recipient, shipment, the agreement and the terms that
    travel with the material, and a code per item."""
    data = sharing.packing_list(session, sharing.get_request(session, request_id))
    if not data["rows"]:
        raise ValidationFailed({"request": ["Nothing is reserved for this request yet."]})
    condition = (data["condition"] or "").replace("_", " ")
    shipment = ", ".join(filter(None, (data["packaging"], condition)))
    return PackingList(
        number=data["request"],
        recipient=(data["recipient"], data["organisation"], data["address"], data["country"]),
        courier=" ".join(filter(None, (data["courier"], data["tracking_number"]))),
        conditions=shipment,
        terms=(f"Agreement: {data['agreement']}" if data["agreement"] else "", *data["terms"]),
        rows=tuple(
            PackingRow(
                code=payload(row["barcode"], url),
                barcode=row["barcode"],
                accession=row["accession_number"],
                designation=row["designation"],
                quantity=f"{row['quantity']} {row['unit']}",
                lot=row["lot"],
            )
            for row in data["rows"]
        ),
        date=date.today().isoformat(),
    )


def pick_list(session: Session, request_id: int) -> PickList:
    """The picker's list of a request: its reserved items in storage order with their place
    and box position, and the shipping condition their preservation calls for."""
    request = sharing.get_request(session, request_id)
    entries = shipping.pick_list(session, request)
    if not entries:
        raise ValidationFailed({"request": ["Nothing is reserved for this request yet."]})
    condition = shipping.proposed_condition(request)
    return PickList(
        number=request.number,
        conditions=f"Ship: {condition.value.replace('_', ' ')}" if condition else "",
        rows=tuple(
            PickRow(
                code=e.barcode,
                barcode=e.barcode,
                accession=e.accession_number,
                quantity=f"{e.quantity} {e.unit}",
                lot=e.lot,
                place=e.place,
                position=e.position,
            )
            for e in entries
        ),
        date=date.today().isoformat(),
    )


def _animal(row: Any) -> str:
    """One animal's line on a cage card: barcode, sex, birth, parents."""
    parents = " × ".join(filter(None, (row.sire, row.dam)))
    return " · ".join(
        filter(
            None,
            (
                row.barcode,
                row.sex.value if row.sex else "",
                f"b. {row.birth_date.isoformat()}" if row.birth_date else "",
                f"of {parents}" if parents else "",
            ),
        )
    )


def _cage_card(unit: StorageUnit, rows: Sequence[Any], url: str | None) -> Label:
    """The card of a cage: its name and code, the strains and protocols of its animals, and a
    line per animal (the card of a cage holds all of them)."""
    strains = dict.fromkeys(
        " ".join(filter(None, (r.designation, r.designation_zh, r.accession_number))) for r in rows
    )
    protocols = dict.fromkeys(r.protocol_number for r in rows if r.protocol_number)
    risk = max((r.risk_group for r in rows if r.risk_group is not None), default=None)
    return cage_card(
        payload(unit.barcode, url),
        unit.name,
        strain=" / ".join(strains),
        protocol=", ".join(protocols),
        animals=[_animal(r) for r in rows],
        risk_group=risk,
        caption=unit.barcode,
    )


def _check(template: str | None, allowed: Sequence[str], count: int) -> None:
    if template is not None and template not in allowed:
        raise ValidationFailed({"template": [f"One of {', '.join(allowed)}."]})
    if count > MAX_LABELS:
        raise ValidationFailed({"barcodes": [f"At most {MAX_LABELS} labels in one document."]})
    if count == 0:
        raise ValidationFailed({"barcodes": ["Nothing to label."]})


def _label(row: Any, template: str | None, url: str | None) -> Label:
    template = template or template_for(row.form)
    code = payload(row.barcode, url)
    lot = f"Lot {row.lot_number}" + _stage(row)
    name = " ".join(filter(None, (row.designation, row.designation_zh)))
    if template == "cage-card":  # an animal kept in no cage: a card of its own
        return cage_card(
            code,
            row.barcode,
            strain=" ".join(filter(None, (name, row.accession_number))),
            protocol=row.protocol_number or "",
            animals=[_animal(row), lot],
            risk_group=row.risk_group,
            caption=row.barcode,
        )
    taxon = row.taxon_name if row.kind is not MaterialKind.CELL_LINE else ""
    if template == "cap":
        lines: tuple[str, ...] = (name, lot)
    elif template == "seed-packet":
        quantity = f"{row.quantity.normalize():f} {row.unit.value}"
        lines = (taxon, name, lot, row.preserved_on.isoformat(), quantity, _temperature(row))
    else:
        kept = " · ".join(filter(None, (row.preserved_on.isoformat(), _temperature(row))))
        lines = (name, taxon, lot, kept)
    return Label(code, row.accession_number, lines, template, row.risk_group, row.barcode)


def _stage(row: Any) -> str:
    if row.passage_number is not None:
        return f" · P{row.passage_number}"
    if row.generation:
        return f" · {row.generation}"
    if row.regeneration_cycle is not None:
        return f" · cycle {row.regeneration_cycle}"
    return ""


def _temperature(row: Any) -> str:
    degrees = METHOD_TEMPERATURE[row.method]
    return "" if degrees is None else f"{degrees:g} °C"


def _unit_label(session: Session, unit: StorageUnit, template: str, url: str | None):
    path = path_label(path_rows(session, [unit.id])[unit.id][:-1])
    code = payload(unit.barcode, url)
    if template == "box":
        lines = (
            path,
            f"{unit.temperature_c:g} °C" if unit.temperature_c is not None else "",
            f"{unit.occupied} items",
        )
        return Label(code, unit.name, lines, "box", caption=unit.barcode)
    if template == "cage-card":
        statement = _ROWS.where(Item.container_id == unit.id, Item.status.not_in(GONE))
        rows = session.execute(statement.order_by(Item.id).limit(MAX_LABELS)).all()
        return _cage_card(unit, rows, url)
    if unit.kind is not StorageKind.BOX or unit.rows is None or unit.cols is None:
        raise ValidationFailed({"template": [f"{unit.barcode} is a {unit.kind.value}, not a box."]})
    held = session.execute(
        select(Item.barcode, Item.row, Item.col, Material.accession_number)
        .join(Lot, Lot.id == Item.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .where(Item.container_id == unit.id)
    )
    cells = tuple(BoxCell(r.row, r.col, r.barcode, r.accession_number) for r in held)
    return BoxMap(unit.name, unit.rows, unit.cols, cells, path, code)
