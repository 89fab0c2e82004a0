"""Stocktaking with a rack scanner: compare what a box holds by the records with what was read
from it (a rack file), and apply what was found in one step: tubes moved within the box or
arrived from elsewhere are placed where they were read, tubes not read anywhere are marked
missing, missing tubes read again are found; the box records when it was last counted.

`verify` changes nothing; its comparison carries a version (a digest of every record it read),
and `apply` refuses when the records changed since, so what is applied is what was shown."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import Conflict, InvalidState, ValidationFailed
from ..exchange.rack_scans import RackFile, Scan
from ..models import Item, StorageUnit
from ..models.base import utcnow
from ..models.storage import position_label
from ..schemas.inventory import Found, Note
from ..vocabulary import GONE, ItemStatus, StorageKind
from .inventory import mark_found, mark_missing
from .storage import get_unit, path_label, path_rows, place_items


class Seen(StrEnum):
    """What a position read says against the records."""

    MATCHED = "matched"  # the tube the records have there
    MOVED = "moved"  # a tube of the box, at another position
    ARRIVED = "arrived"  # a tube the records have elsewhere (another box, or nowhere)
    UNKNOWN = "unknown"  # a code of no item
    MISSING = "missing"  # a tube the records have in the box, read nowhere
    NO_READ = "no_read"  # a tube the reader could not read


@dataclass(frozen=True)
class Entry:
    """One line of a comparison: the position (where the tube was read, or for a missing one
    where the records have it), the tube's code, and for a moved or arrived tube where the
    records have it (`was`) and its status; `message` says why a code is unknown."""

    seen: Seen
    row: int
    col: int
    tube: str | None = None
    was: str | None = None
    status: ItemStatus | None = None
    message: str | None = None
    line: int | None = None

    @property
    def position(self) -> str:
        return position_label(self.row, self.col)


@dataclass(frozen=True)
class Comparison:
    """A box's records against a rack read: one entry per tube read or missing, in position
    order; `version` names the records compared (apply refuses when they changed)."""

    box: str
    entries: tuple[Entry, ...]
    version: str

    def of(self, seen: Seen) -> list[Entry]:
        return [e for e in self.entries if e.seen is seen]

    @property
    def counts(self) -> dict[str, int]:
        return {seen.value: len(self.of(seen)) for seen in Seen}

    @property
    def changes(self) -> int:
        """How many items apply would change (moves, arrivals, missing)."""
        return sum(len(self.of(s)) for s in (Seen.MOVED, Seen.ARRIVED, Seen.MISSING))


def rack_box(session: Session, barcode: str) -> StorageUnit:
    """The box a rack scan is of: a storage unit with positions."""
    box = get_unit(session, barcode)
    if box.kind is not StorageKind.BOX or box.rows is None or box.cols is None:
        message = f"{box.name} is a {box.kind.value}, not a box: a rack scan is of a box."
        raise ValidationFailed({"rack": [message]}, message)
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


def verify(session: Session, box: StorageUnit, scans: Sequence[Scan]) -> Comparison:
    """Compare the records of `box` with the positions read (positions not read are empty)."""
    expected = session.execute(
        select(Item.id, Item.barcode, Item.row, Item.col, Item.status)
        .where(Item.container_id == box.id)
        .order_by(Item.id)
    ).all()
    codes = [s.tube for s in scans if s.tube is not None]
    found = {
        r.barcode: r
        for r in session.execute(
            select(Item.id, Item.barcode, Item.container_id, Item.row, Item.col, Item.status)
            .where(Item.barcode.in_(codes))
            .order_by(Item.id)
        )
    }
    paths = path_rows(
        session, {r.container_id for r in found.values() if r.container_id not in (None, box.id)}
    )
    entries: list[Entry] = []
    read_at = {(s.row, s.col) for s in scans if s.no_read}
    for scan in scans:
        if scan.no_read:
            entries.append(Entry(Seen.NO_READ, scan.row, scan.col, line=scan.line))
            continue
        if scan.tube is None:
            continue
        record = found.get(scan.tube)
        at = (scan.row, scan.col, scan.tube)
        if record is None:
            reason = barcodes.not_found(session, scan.tube, "item", "tube").detail
            entries.append(Entry(Seen.UNKNOWN, *at, message=reason, line=scan.line))
        elif record.container_id == box.id and (record.row, record.col) == (scan.row, scan.col):
            entries.append(Entry(Seen.MATCHED, *at, status=record.status, line=scan.line))
        elif record.container_id == box.id:
            inside = position_label(record.row, record.col)
            entries.append(Entry(Seen.MOVED, *at, inside, record.status, line=scan.line))
        else:
            was = (
                path_label(paths[record.container_id], record.row, record.col)
                if record.container_id is not None
                else None
            )
            entries.append(Entry(Seen.ARRIVED, *at, was, record.status, line=scan.line))
    for kept in expected:  # a box's items all have positions
        if kept.barcode not in found and (kept.row, kept.col) not in read_at:
            entries.append(
                Entry(Seen.MISSING, kept.row or 0, kept.col or 0, kept.barcode, status=kept.status)
            )
    entries.sort(key=lambda e: (e.row, e.col, e.seen is Seen.MISSING))
    digest = hashlib.sha256(
        repr(
            (box.id, [tuple(r) for r in expected], sorted(tuple(r) for r in found.values()))
        ).encode()
    )
    return Comparison(box.barcode, tuple(entries), digest.hexdigest()[:16])


def apply(
    session: Session,
    box: StorageUnit,
    scans: Sequence[Scan],
    version: str,
    note: str | None = None,
) -> Comparison:
    """Apply what a verify found, in one step: the missing marked missing, the missing read
    again found, the moved and arrived placed where they were read (one event each); refused
    (nothing written) when the records changed since the verify that gave `version`."""
    session.execute(select(StorageUnit.id).where(StorageUnit.id == box.id).with_for_update())
    comparison = verify(session, box, scans)
    if version != comparison.version:
        raise Conflict(
            f"The records of {box.name} changed since the rack was verified; verify it again.",
            field="version",
        )
    placing = comparison.of(Seen.MOVED) + comparison.of(Seen.ARRIVED)
    gone = next((e for e in placing if e.status in GONE), None)
    if gone is not None and gone.status is not None:
        raise InvalidState(
            f"{gone.position}: item {gone.tube} is {gone.status.value}; it cannot be placed.",
            field="tube",
        )
    for entry in comparison.of(Seen.MISSING):
        assert entry.tube is not None
        mark_missing(session, entry.tube, Note(note=note))
    for entry in placing:
        if entry.status is ItemStatus.MISSING:
            assert entry.tube is not None
            mark_found(session, entry.tube, Found(note=note))
    if placing:
        by_code = {
            i.barcode: i
            for i in session.scalars(
                select(Item).where(Item.barcode.in_([e.tube for e in placing]))
            )
        }
        moving = [by_code[e.tube] for e in placing if e.tube is not None]
        place_items(session, moving, box, [(e.row, e.col) for e in placing], note)
    box.last_counted_at = utcnow()
    session.flush()
    return comparison
