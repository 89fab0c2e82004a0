"""Stocktaking: compare what a container holds by the records (a box, or a rack or a freezer
with everything under it) with what was read from it (a rack scanner's files of its boxes, or
the codes a hand scanner read, a container's code before the tubes read in it), and apply what
was found in one step: tubes moved within what was counted or arrived from elsewhere are placed
where they were read, tubes not read anywhere are marked missing, missing tubes read again are
found; every container counted records when it was last counted. A rack file's tubes that no
item has are registered as a new lot at the positions they were read, their codes attached.

`verify` changes nothing; its comparison carries a version (a digest of every record it read),
and `apply` refuses when the records changed since, so what is applied is what was shown. A box
and a freezer are compared by the same code: a box's rack file is a freezer's count of one box."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..exchange import limits
from ..exchange.rack_scans import RackFile, Scan, read_codes, read_rack_file
from ..models import Barcode, Item, Material, StorageUnit, TubeCode
from ..models.base import utcnow
from ..models.storage import position_label
from ..schemas.inventory import Found, NewLot, Note, RackLot
from ..sql import chunked, one_of
from ..vocabulary import GONE, HOLDS_ITEMS, ItemStatus, Seen, StorageKind
from . import tube_codes
from .inventory import create_lot, mark_found, mark_missing
from .storage import Place, free_cells, get_unit, path_label, path_rows, relocate, subtree


@dataclass(frozen=True)
class Read:
    """One tube read: in which container (a box when a rack file gave the position), at which
    position (none: read in the container, or anywhere below it), its code (none: `no_read`),
    and the line of the file or list it came from."""

    container: StorageUnit
    tube: str | None
    row: int | None = None
    col: int | None = None
    no_read: bool = False
    line: int | None = None


def reads_of(box: StorageUnit, scans: Iterable[Scan]) -> list[Read]:
    """The tubes (and unread tubes) of a box's rack file; empty positions are no reads."""
    return [
        Read(box, s.tube, s.row, s.col, s.no_read, s.line)
        for s in scans
        if s.tube is not None or s.no_read
    ]


@dataclass(frozen=True)
class Entry:
    """One line of a comparison: the position (where the tube was read, or for a missing one
    where the records have it) and its container, the tube's code, and for a moved or arrived
    tube where the records have it (`was`) and its status; `message` says why a code is
    unknown; `item` is the item's barcode when the code read is its tube code."""

    seen: Seen
    row: int | None
    col: int | None
    tube: str | None = None
    was: str | None = None
    status: ItemStatus | None = None
    message: str | None = None
    line: int | None = None
    container: str | None = None
    item: str | None = None
    container_id: int | None = None
    item_id: int | None = None

    @property
    def position(self) -> str:
        return position_label(self.row, self.col)


@dataclass(frozen=True)
class Comparison:
    """A unit's records against what was read: one entry per tube read or missing, by
    container and position; `version` names the records compared (apply refuses when they
    changed)."""

    box: str  # the unit counted (a box, a rack, a freezer)
    entries: tuple[Entry, ...]
    version: str
    counted: int = 1  # units counted: the unit and every one under it

    def of(self, seen: Seen) -> list[Entry]:
        return [e for e in self.entries if e.seen is seen]

    @property
    def counts(self) -> dict[Seen, int]:
        return {seen: len(self.of(seen)) for seen in Seen}

    @property
    def changes(self) -> int:
        """How many items apply would change (moves, arrivals, missing)."""
        return sum(len(self.of(s)) for s in (Seen.MOVED, Seen.ARRIVED, Seen.MISSING))


def rack_box(session: Session, barcode: str, field: str = "rack") -> StorageUnit:
    """The box a rack scan is of: a storage unit with positions."""
    box = get_unit(session, barcode, field)
    if box.kind is not StorageKind.BOX or box.rows is None or box.cols is None:
        message = f"{box.name} is a {box.kind.value}, not a box: a rack scan is of a box."
        raise ValidationFailed({field: [message]}, message)
    return box


def check_rack(session: Session, box: StorageUnit, rack: RackFile) -> None:
    """Refuse a rack file that names another rack than `box` (naming the line and what the
    code is: another box, another kind of unit, an item's code, nothing)."""
    if rack.rack is None or rack.rack == box.barcode:
        return
    where = f"Line {rack.rack_line}: "
    other = session.scalar(select(StorageUnit).where(StorageUnit.barcode == rack.rack))
    if other is None:
        raise ValidationFailed(
            {"rack": [where + barcodes.not_found(session, rack.rack, "storage", "rack").detail]}
        )
    what = "box" if other.kind is StorageKind.BOX else f"{other.kind.value}, not a box"
    raise ValidationFailed(
        {
            "rack": [
                where + f"the file is of {other.name} ({rack.rack}, a {what}), not of "
                f"{box.name} ({box.barcode})."
            ]
        }
    )


# --- what was read -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The units counted: ids, parents and barcodes of the unit and everything under it."""

    ids: frozenset[int]
    parent: dict[int, int | None]
    barcode: dict[int, str]

    def holds(self, outer: int, unit_id: int | None) -> bool:
        """Whether `unit_id` is `outer` or under it (within the scope)."""
        while unit_id is not None and unit_id in self.ids:
            if unit_id == outer:
                return True
            unit_id = self.parent[unit_id]
        return False


def _scope(session: Session, unit: StorageUnit) -> _Scope:
    if unit.kind is StorageKind.BOX:  # nothing stands in a box
        return _Scope(frozenset({unit.id}), {unit.id: None}, {unit.id: unit.barcode})
    rows = session.execute(
        select(StorageUnit.id, StorageUnit.parent_id, StorageUnit.barcode).where(
            StorageUnit.id.in_(subtree(unit.id))
        )
    ).all()
    return _Scope(
        frozenset(r.id for r in rows),
        {r.id: (r.parent_id if r.id != unit.id else None) for r in rows},
        {r.id: r.barcode for r in rows},
    )


def stocktake_reads(
    session: Session, unit: StorageUnit, codes: bytes | None, racks: Sequence[bytes]
) -> list[Read]:
    """What was read in `unit`: its boxes' rack files (each naming its box, a box within the
    unit; a box's own file may name none) and a hand scanner's codes, one per line: a code of a
    unit within it says where the tubes after it were read (until the next), before any such
    code they were read somewhere in `unit`. Refused (nothing compared) when a file is of a
    box outside, a box is read twice, a code names a unit outside, or a tube is read twice."""
    if codes is None and not racks:
        raise ValidationFailed({"codes": ["Give the codes read or the rack files."]})
    if len(racks) > limits.STOCKTAKE_RACKS:
        message = f"At most {limits.STOCKTAKE_RACKS} rack files at once; {len(racks)} were given."
        raise ValidationFailed({"racks": [message]})
    scope = _scope(session, unit)
    files = [read_rack_file(data, 50, 50) for data in racks]  # at the largest grid: its code
    named = _units(session, [f.rack for f in files if f.rack is not None])
    reads: list[Read] = []
    boxes: dict[int, int] = {}
    for number, (data, rack) in enumerate(zip(racks, files, strict=True), start=1):
        box = _rack_of(session, unit, scope, rack, named, number)
        if box.id in boxes:
            message = f"File {number} is of {box.name} ({box.barcode}), as file {boxes[box.id]}."
            raise ValidationFailed({"racks": [message]})
        boxes[box.id] = number
        rows, cols = box.rows or 0, box.cols or 0
        if any(s.row > rows or s.col > cols for s in rack.scans):  # read again: name the lines
            rack = read_rack_file(data, rows, cols)
        reads += reads_of(box, rack.scans)
    if codes is not None:
        reads += _listed(session, unit, scope, codes)
    _refuse_twice(reads)
    return reads


def _units(session: Session, codes: Sequence[str]) -> dict[str, StorageUnit]:
    """The storage units of the codes, by code (in statements of a few hundred codes)."""
    found: dict[str, StorageUnit] = {}
    dialect = session.get_bind().dialect
    for chunk in chunked(list(set(codes)), 500):
        query = select(StorageUnit).where(one_of(StorageUnit.barcode, chunk, dialect))
        found.update((u.barcode, u) for u in session.scalars(query))
    return found


def _rack_of(
    session: Session,
    unit: StorageUnit,
    scope: _Scope,
    rack: RackFile,
    named: dict[str, StorageUnit],
    number: int,
) -> StorageUnit:
    """The box a rack file of a stocktaking is of: `unit` itself, or a box within it that the
    file names (`named`: the units of the codes the files name)."""
    if unit.kind is StorageKind.BOX:
        check_rack(session, unit, rack)
        return unit
    if rack.rack is None:
        message = f"File {number} names no rack: in a count of {unit.name}, each names its box."
        raise ValidationFailed({"racks": [message]})
    box = named.get(rack.rack)
    if box is None or box.kind is not StorageKind.BOX:
        try:  # why it is not a box, in the words of a single rack scan
            rack_box(session, rack.rack, "racks")
        except NotFound as error:  # a code of the file, not of the request: the file is wrong
            raise ValidationFailed({"racks": [f"File {number}: {error.detail}"]}) from None
    assert box is not None
    if box.id not in scope.ids:
        message = f"File {number} is of {box.name} ({box.barcode}), which is not in {unit.name}."
        raise ValidationFailed({"racks": [message]})
    return box


def _listed(session: Session, unit: StorageUnit, scope: _Scope, data: bytes) -> list[Read]:
    listed = read_codes(data)
    held = _units(session, [c for _, c in listed])
    reads: list[Read] = []
    where = unit
    for line, code in listed:
        container = held.get(code)
        if container is None:
            reads.append(Read(where, code, line=line))
        elif container.id in scope.ids:
            where = container
        else:
            message = f"Line {line}: {container.name} ({code}) is not in {unit.name}."
            raise ValidationFailed({"codes": [message]})
    return reads


def _refuse_twice(reads: Sequence[Read]) -> None:
    """A code read twice is refused (one item read by its barcode and by its tube code is
    refused by the comparison, which looks the codes up)."""
    first: dict[str, Read] = {}
    for read in reads:
        if read.tube is None:
            continue
        if read.tube in first:
            twice = f"{read.tube} is read twice ({_where(read)} and {_where(first[read.tube])})."
            raise ValidationFailed({"codes": [twice]})
        first[read.tube] = read


def _one_code_each(found: dict[str, Any], reads: Sequence[Read]) -> None:
    """Refuse an item read twice: by its barcode and by its tube code."""
    by_item: dict[int, str] = {}
    for code, row in found.items():
        if row.id in by_item:
            where = {r.tube: r for r in reads if r.tube in (code, by_item[row.id])}
            message = (
                f"Item {row.barcode} is read twice: as {by_item[row.id]} "
                f"({_where(where[by_item[row.id]])}) and as {code} ({_where(where[code])})."
            )
            raise ValidationFailed({"codes": [message]})
        by_item[row.id] = code


def _where(read: Read) -> str:
    at = f" {position_label(read.row, read.col)}" if read.row is not None else ""
    return f"{read.container.name}{at}, line {read.line}"


# --- the comparison ------------------------------------------------------------------------

_COLUMNS = (Item.id, Item.barcode, Item.container_id, Item.row, Item.col, Item.status)


def _found(session: Session, codes: Sequence[str]) -> dict[str, Any]:
    """The items the codes read name, by the code: their barcodes, or their tube codes."""
    found: dict[str, Any] = {}
    dialect = session.get_bind().dialect
    for chunk in chunked(list(codes), 500):
        by_barcode = select(*_COLUMNS, Item.barcode.label("code")).where(
            one_of(Item.barcode, chunk, dialect)
        )
        by_tube = (
            select(*_COLUMNS, TubeCode.value.label("code"))
            .join(TubeCode, TubeCode.item_id == Item.id)
            .where(one_of(TubeCode.value, chunk, dialect))
        )
        rows = session.connection().execute(by_barcode.union_all(by_tube))
        found.update((r.code, r) for r in rows)
    return found


def compare(session: Session, unit: StorageUnit, reads: Sequence[Read]) -> Comparison:
    """Compare the records of `unit` (and everything under it) with the tubes read."""
    scope = _scope(session, unit)
    in_scope = (
        Item.container_id == unit.id
        if unit.kind is StorageKind.BOX
        else Item.container_id.in_(subtree(unit.id))
    )
    expected = (
        session.connection().execute(select(*_COLUMNS).where(in_scope).order_by(Item.id)).all()
    )
    found = _found(session, [r.tube for r in reads if r.tube is not None])
    _one_code_each(found, reads)
    found_ids = {r.id for r in found.values()}
    paths = path_rows(
        session,
        {r.container_id for r in found.values() if r.container_id is not None}
        - {r.container.id for r in reads},
    )

    def elsewhere(row: Any) -> str | None:
        if row.container_id is None:
            return None
        if row.container_id not in paths:
            paths.update(path_rows(session, [row.container_id]))
        return path_label(paths[row.container_id], row.row, row.col)

    entries: list[Entry] = []
    unread = {(r.container.id, r.row, r.col) for r in reads if r.no_read}
    for read in reads:
        here: dict[str, Any] = {
            "line": read.line,
            "container": read.container.barcode,
            "container_id": read.container.id,
        }
        if read.no_read or read.tube is None:
            entries.append(Entry(Seen.NO_READ, read.row, read.col, **here))
            continue
        record = found.get(read.tube)
        at: dict[str, Any] = {**here, "row": read.row, "col": read.col, "tube": read.tube}
        if record is None:
            reason = barcodes.not_found(session, read.tube, "item", "tube").detail
            entries.append(Entry(Seen.UNKNOWN, message=reason, **at))
            continue
        at |= {"status": record.status, "item_id": record.id}
        if record.barcode != read.tube:
            at["item"] = record.barcode
        same = record.container_id == read.container.id
        if read.row is None and scope.holds(read.container.id, record.container_id):
            entries.append(Entry(Seen.MATCHED, **at))  # read in it, or below it
        elif same and (record.row, record.col) == (read.row, read.col):
            entries.append(Entry(Seen.MATCHED, **at))  # at the position read
        elif same:
            inside = position_label(record.row, record.col)
            entries.append(Entry(Seen.MOVED, was=inside, **at))
        elif record.container_id in scope.ids:
            entries.append(Entry(Seen.MOVED, was=elsewhere(record), **at))
        else:
            entries.append(Entry(Seen.ARRIVED, was=elsewhere(record), **at))
    for kept in expected:
        if kept.id not in found_ids and (kept.container_id, kept.row, kept.col) not in unread:
            entries.append(
                Entry(
                    Seen.MISSING,
                    kept.row,
                    kept.col,
                    kept.barcode,
                    status=kept.status,
                    container=scope.barcode[kept.container_id],
                    container_id=kept.container_id,
                    item_id=kept.id,
                )
            )
    entries.sort(
        key=lambda e: (
            e.container_id != unit.id,
            e.container or "",
            e.row or 0,
            e.col or 0,
            e.seen is Seen.MISSING,
            e.line or 0,
        )
    )
    digest = hashlib.sha256(f"{unit.id};{sorted(scope.ids)}".encode())
    for rows in (expected, sorted(found.values(), key=lambda r: (r.id, r.code))):
        digest.update(
            "".join(f";{r.id},{r.container_id},{r.row},{r.col},{r.status}" for r in rows).encode()
        )
    return Comparison(unit.barcode, tuple(entries), digest.hexdigest()[:16], len(scope.ids))


def verify(session: Session, box: StorageUnit, scans: Sequence[Scan]) -> Comparison:
    """Compare the records of `box` with the positions of its rack file (those not read are
    empty)."""
    return compare(session, box, reads_of(box, scans))


# --- applying it ---------------------------------------------------------------------------


def _locked(session: Session, unit: StorageUnit) -> list[StorageUnit]:
    """The unit and every unit under it, locked in the order of their ids (so that two counts
    of overlapping units wait for each other instead of deadlocking) until the transaction
    ends; on SQLite the writer holds the database already."""
    within = (
        StorageUnit.id == unit.id
        if unit.kind is StorageKind.BOX
        else StorageUnit.id.in_(subtree(unit.id))
    )
    return list(
        session.scalars(
            select(StorageUnit).where(within).order_by(StorageUnit.id).with_for_update()
        )
    )


def apply(
    session: Session,
    box: StorageUnit,
    scans: Sequence[Scan],
    version: str,
    note: str | None = None,
) -> Comparison:
    """Apply what a verify of a box's rack file found (see `apply_reads`)."""
    return apply_reads(session, box, reads_of(box, scans), version, note)


def apply_reads(
    session: Session,
    unit: StorageUnit,
    reads: Sequence[Read],
    version: str,
    note: str | None = None,
) -> Comparison:
    """Apply what a comparison found, in one step: the missing marked missing, the missing read
    again found, the moved and arrived placed where they were read (at the position read, or
    in a box read without positions the first free ones; one event each), and every unit
    counted records the count; refused (nothing written) when the records changed since the
    verify that gave `version`."""
    counted = _locked(session, unit)
    comparison = compare(session, unit, reads)
    if version != comparison.version:
        raise Conflict(
            f"The records of {unit.name} changed since it was verified; verify it again.",
            field="version",
        )
    placing = comparison.of(Seen.MOVED) + comparison.of(Seen.ARRIVED)
    gone = next((e for e in placing if e.status in GONE), None)
    if gone is not None and gone.status is not None:
        raise InvalidState(
            f"{_at(gone)}: item {gone.tube} is {gone.status.value}; it cannot be placed.",
            field="tube",
        )
    units = {u.id: u for u in counted}
    astray = next((e for e in placing if units[e.container_id or 0].kind not in HOLDS_ITEMS), None)
    if astray is not None:
        raise InvalidState(
            f"Line {astray.line}: {astray.tube} was read in {units[astray.container_id or 0].name},"
            " which holds no items; scan the code of its box before it.",
            field="codes",
        )
    for entry in comparison.of(Seen.MISSING):
        assert entry.tube is not None
        mark_missing(session, entry.tube, Note(note=note))
    for entry in placing:
        if entry.status is ItemStatus.MISSING:
            mark_found(session, entry.item or entry.tube or "", Found(note=note))
    if placing:
        _place(session, placing, units, note)
    now = utcnow()
    for counted_unit in counted:
        counted_unit.last_counted_at = now
    session.flush()
    return comparison


def _place(
    session: Session, placing: Sequence[Entry], units: dict[int, StorageUnit], note: str | None
) -> None:
    """The moved and arrived items where they were read, in one move (so they may swap): at
    the positions read, or in a box read without positions the first free ones, around the
    items that stay and the positions the others take."""
    by_id = {
        i.id: i
        for i in session.scalars(select(Item).where(Item.id.in_([e.item_id for e in placing])))
    }
    moving = set(by_id)
    staying: dict[int, set[tuple[int, int]]] = defaultdict(set)
    unplaced: dict[int, list[Entry]] = defaultdict(list)
    moves: list[tuple[Item, Place]] = []
    for entry in placing:
        container = units[entry.container_id or 0]
        if entry.row is not None and entry.col is not None:
            staying[container.id].add((entry.row, entry.col))
            moves.append((by_id[entry.item_id or 0], Place(container, entry.row, entry.col)))
        elif container.rows is not None:
            unplaced[container.id].append(entry)
        else:
            moves.append((by_id[entry.item_id or 0], Place(container)))
    for box_id, entries in unplaced.items():
        box = units[box_id]
        taken = staying[box_id] | {
            (r or 0, c or 0)
            for r, c, i in session.execute(
                select(Item.row, Item.col, Item.id).where(Item.container_id == box_id)
            )
            if i not in moving
        }
        cells = free_cells(box.rows or 0, box.cols or 0, taken, len(entries), False)
        if len(cells) < len(entries):
            raise Conflict(f"{box.name} has no room for the {len(entries)} tubes read in it.")
        moves += [
            (by_id[e.item_id or 0], Place(box, r, c))
            for e, (r, c) in zip(entries, cells, strict=False)
        ]
    relocate(session, moves, note)


def _at(entry: Entry) -> str:
    return f"{entry.container} {entry.position}".strip() if entry.row else entry.container or ""


# --- registering a new rack's tubes --------------------------------------------------------


def register(
    session: Session, box: StorageUnit, scans: Sequence[Scan], command: RackLot
) -> list[Item]:
    """The tubes of a box's rack file that no item has yet, registered in one step: a new lot
    of the material with one item per such tube, each at the position it was read, its code
    attached as its tube code. All or nothing: refused when there is none, when a code is a
    misread label or any other record's code, or when a position is taken by another item."""
    material = session.get(Material, command.material_id)
    if material is None:
        raise NotFound(f"No material with id {command.material_id}.", field="material_id")
    session.execute(select(StorageUnit.id).where(StorageUnit.id == box.id).with_for_update())
    comparison = verify(session, box, scans)
    new = comparison.of(Seen.UNKNOWN)
    if not new:
        raise ValidationFailed({"file": ["No tube of the file is new: nothing to register."]})
    for entry in new:
        assert entry.tube is not None
        if barcodes.looks_misread(entry.tube) or session.get(Barcode, entry.tube) is not None:
            raise ValidationFailed({"file": [f"Line {entry.line}: {entry.message}"]})
    fields = {k: v for k, v in command.lot.items() if k not in ("items", "animals")}
    lot = create_lot(
        session,
        material,
        NewLot(**fields, items=len(new)),
        place=Place(box),
        positions=[(e.row or 0, e.col or 0) for e in new],
    )
    placed = {
        (i.row, i.col): i
        for i in session.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id))
    }
    items = [placed[(e.row, e.col)] for e in new]
    tube_codes.attach_all(
        session, [(i, e.tube or "") for i, e in zip(items, new, strict=True)], command.note
    )
    return items
