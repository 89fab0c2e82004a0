"""The census of the colony on a day: the animals alive at its end, counted per room, line
and protocol, and written as a CSV file a spreadsheet opens safely.

An animal is alive on a day from its birth (or, its birth unknown, the day its lot came in)
until its exit. Its room is that of its cage: the cage it is in now when it has not moved
since the day; else its last placement recorded by the end of the day; else (placed only
later, as animals registered after their birth are) its first placement recorded. An animal
gone without an exit (shipped through a request, destroyed as an item) is not counted, since
when it went is not known."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..exchange.formulas import SafeWriter
from ..models import Animal, Event, Item, Lot, Material, Protocol, StorageUnit
from ..vocabulary import GONE, EventType, StorageKind
from .health_reports import get_room
from .storage import PathUnit, path_label, path_rows

CHUNK = 500  # animals whose placements are read per query
# the events that put an item somewhere: a bulk registration's (in its place), placing, moves
PLACING = (EventType.REGISTERED, EventType.PLACED, EventType.MOVED)
COLUMNS = ("on", "room", "room_name", "line", "line_name", "protocol", "animals")


@dataclass(frozen=True)
class Room:
    """A room as the census names it."""

    barcode: str
    name: str


@dataclass(frozen=True)
class CensusLine:
    """How many animals of a line, under a protocol, were alive in a room (None: in no room
    known) at the end of a day."""

    room: Room | None
    line_id: int
    line: str  # its accession number
    line_name: str
    protocol: str | None
    animals: int


def census(session: Session, on: date, room: str | None = None) -> list[CensusLine]:
    """The animals alive at the end of `on`, counted per room, line and protocol; only those
    of one room (its barcode) when `room` is given."""
    only = get_room(session, room, "room") if room is not None else None
    living = _living(session, on)
    rooms = _rooms_of(session, living, on)
    counts: Counter[tuple[Room | None, int, str | None]] = Counter()
    lines: dict[int, tuple[str, str]] = {}
    for row in living:
        where = rooms.get(row.id)
        if only is not None and (where is None or where.barcode != only.barcode):
            continue
        counts[(where, row.material_id, row.protocol)] += 1
        lines[row.material_id] = (row.accession_number, row.designation)
    found = [
        CensusLine(where, line_id, *lines[line_id], protocol, count)
        for (where, line_id, protocol), count in counts.items()
    ]
    return sorted(
        found,
        key=lambda c: (c.room is None, c.room.name if c.room else "", c.line, c.protocol or ""),
    )


def _living(session: Session, on: date) -> list[Any]:
    """The animals alive at the end of `on`: item id, container, line and protocol."""
    born = Animal.birth_date
    statement = (
        select(
            Item.id,
            Item.container_id,
            Lot.material_id,
            Material.accession_number,
            Material.designation,
            Protocol.number.label("protocol"),
        )
        .join(Animal, Animal.item_id == Item.id)
        .join(Lot, Lot.id == Item.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .outerjoin(Protocol, Protocol.id == Animal.protocol_id)
        .where(
            ((born.is_not(None)) & (born <= on)) | ((born.is_(None)) & (Lot.preserved_on <= on)),
            Animal.exit_on.is_(None) | (Animal.exit_on > on),
            Animal.exit.is_not(None) | Item.status.not_in(GONE),
        )
        .order_by(Item.id)
    )
    return list(session.execute(statement))


def _rooms_of(session: Session, living: list[Any], on: date) -> dict[int, Room]:
    """The room of each animal at the end of `on`, where known."""
    end = datetime.combine(on + timedelta(days=1), time(), tzinfo=UTC)
    placed: dict[int, str | None] = {}  # the last place recorded by the end of the day
    moved_since: set[int] = set()
    first_after: dict[int, str | None] = {}  # the first place recorded after it
    ids = [row.id for row in living]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for item_id, at, data in session.execute(
            select(Event.item_id, Event.at, Event.data)
            .where(Event.item_id.in_(chunk), Event.type.in_(PLACING))
            .order_by(Event.item_id, Event.id)
        ):
            if _aware(at) < end:
                placed[item_id] = _put_in(data)
            elif item_id not in moved_since:
                moved_since.add(item_id)
                first_after[item_id] = _put_in(data)
    containers = {row.container_id for row in living if row.container_id is not None}
    paths = path_rows(session, containers | set(_room_ids(session)))
    by_label = {path_label(path): _room(path) for path in paths.values() if _room(path)}
    found: dict[int, Room] = {}
    for row in living:
        if row.id not in moved_since and row.container_id is not None:
            now = _room(paths.get(row.container_id, []))
            if now is not None:
                found[row.id] = now
                continue
        label = placed[row.id] if row.id in placed else first_after.get(row.id)
        if label:
            then = _room_in_label(label, by_label)
            if then is not None:
                found[row.id] = then
    return found


def _put_in(data: dict[str, Any] | None) -> str | None:
    """The place an event put its item in: a move's or placing's `to`, a bulk registration's
    `place`."""
    data = data or {}
    return data.get("to", data.get("place"))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _room_ids(session: Session) -> list[int]:
    return list(session.scalars(select(StorageUnit.id).where(StorageUnit.kind == StorageKind.ROOM)))


def _room(path: Iterable[PathUnit]) -> Room | None:
    """The room on a location path, if any."""
    for unit in path:
        if unit.kind is StorageKind.ROOM:
            return Room(unit.barcode, unit.name)
    return None


def _room_in_label(label: str, rooms: dict[str, Room | None]) -> Room | None:
    """The room whose location path begins the recorded place `label` (the longest)."""
    best: tuple[int, Room | None] = (0, None)
    for prefix, room in rooms.items():
        if (label == prefix or label.startswith(prefix + " › ")) and len(prefix) > best[0]:
            best = (len(prefix), room)
    return best[1]


def write_csv(lines: Iterable[CensusLine], on: date, out: IO[str]) -> int:
    """The census as CSV (every cell safe from spreadsheet formulas): its rows written."""
    writer = SafeWriter(out)
    writer.writerow(COLUMNS)
    count = 0
    for line in lines:
        writer.writerow(
            [
                on.isoformat(),
                line.room.barcode if line.room else "",
                line.room.name if line.room else "",
                line.line,
                line.line_name,
                line.protocol or "",
                line.animals,
            ]
        )
        count += 1
    return count
