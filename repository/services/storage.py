"""The storage tree and the places of items: create units, place and move items, move whole
boxes, racks and freezers, empty a failed freezer into a twin, and find free positions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from .. import audit, barcodes
from ..errors import Conflict, InvalidState, ValidationFailed
from ..models import Item, StorageUnit
from ..models.storage import position_label
from ..placement import capacity_misfit, occupied, position_misfit
from ..schemas.inventory import NewUnit
from ..vocabulary import GONE, HOLDS_ITEMS, STORAGE_CHILDREN, EventType, ItemStatus, StorageKind
from .events import record_events

units = StorageUnit.__table__
items = Item.__table__


@dataclass(frozen=True)
class Place:
    """Where an item goes: a box position, or a cage or container (no position)."""

    container: StorageUnit
    row: int | None = None
    col: int | None = None

    @property
    def label(self) -> str:
        return position_label(self.row, self.col)


# --- the tree --------------------------------------------------------------------------------


def create_unit(session: Session, command: NewUnit) -> StorageUnit:
    """Create a storage unit under its parent (none: a site), with a new or given barcode."""
    parent = get_unit(session, command.parent) if command.parent else None
    fields = {k: v for k, v in vars(command).items() if v is not None and k != "parent"}
    kind = command.kind
    if parent is None and kind is not StorageKind.SITE:
        raise ValidationFailed({"parent": ["Only a site stands at the top of the tree."]})
    if parent is not None and kind not in STORAGE_CHILDREN[parent.kind]:
        raise ValidationFailed({"kind": [f"A {kind.value} cannot stand in a {parent.kind.value}."]})
    code = fields.pop("barcode", None)
    fields["barcode"] = (
        barcodes.claim(session, code, "storage")
        if code
        else barcodes.allocate(session, 1, "storage")[0]
    )
    if parent is not None and "slot" not in fields:
        fields["slot"] = (
            session.scalar(
                select(func.max(StorageUnit.slot)).where(StorageUnit.parent_id == parent.id)
            )
            or 0
        ) + 1
    elif parent is not None and session.scalar(
        select(StorageUnit.id).where(
            StorageUnit.parent_id == parent.id, StorageUnit.slot == fields["slot"]
        )
    ):
        raise Conflict(f"Slot {fields['slot']} of {parent.name} is taken.", field="slot")
    unit = StorageUnit(parent=parent, occupied=0, **fields)
    session.add(unit)
    session.flush()
    return unit


def get_unit(session: Session, barcode: str, field: str = "barcode") -> StorageUnit:
    """The unit a scanned code names; the error names `field` (the input it came from)."""
    code = barcodes.scanned(barcode, field)
    unit = session.scalar(select(StorageUnit).where(StorageUnit.barcode == code))
    if unit is None:
        raise barcodes.not_found(session, barcode, "storage", field)
    return unit


@dataclass(frozen=True)
class PathUnit:
    """One unit on a location path."""

    barcode: str
    name: str
    kind: StorageKind
    temperature_c: float | None


def _levels(kind: StorageKind) -> int:
    return 1 + max((_levels(child) for child in STORAGE_CHILDREN[kind]), default=0)


# The kinds' hierarchy is finite (site > room > cold room > rack > shelf > box), so every path
# is at most this long, and a path is found with that many primary-key joins.
MAX_DEPTH = _levels(StorageKind.SITE)
_PATH_FIELDS = [f.name for f in fields(PathUnit)]


def with_path(statement: Select, unit_id: Any) -> Select:
    """`statement` with the unit `unit_id` and every unit above it outer-joined, as columns
    up0_* (the unit itself), up1_* (its parent) ... (read them back with `path_of`), and the
    unit's effective temperature (its nearest set point) as `temperature`."""
    parent_of = unit_id
    set_points = []
    for level in range(MAX_DEPTH):
        up = units.alias(f"up{level}")
        statement = statement.outerjoin(up, up.c.id == parent_of).add_columns(
            *(up.c[name].label(f"up{level}_{name}") for name in _PATH_FIELDS)
        )
        set_points.append(up.c.temperature_c)
        parent_of = up.c.parent_id
    return statement.add_columns(func.coalesce(*set_points).label("temperature"))


def path_of(row: Any) -> list[PathUnit]:
    """The path in a row made by `with_path`, from the site down."""
    mapping = row._mapping
    path = [
        PathUnit(**{name: mapping[f"up{level}_{name}"] for name in _PATH_FIELDS})
        for level in range(MAX_DEPTH)
        if mapping[f"up{level}_barcode"] is not None
    ]
    return path[::-1]


_PATHS = with_path(
    select(units.c.id.label("start")).where(units.c.id.in_(bindparam("ids", expanding=True))),
    units.c.id,
)


def path_rows(session: Session, unit_ids: Iterable[int]) -> dict[int, list[PathUnit]]:
    """For each unit, its ancestors and itself from the site down."""
    wanted = list(set(unit_ids))
    if not wanted:
        return {}
    rows = session.connection().execute(_PATHS, {"ids": wanted})
    return {row.start: path_of(row) for row in rows}


def path_label(path: Sequence[Any], row: int | None = None, col: int | None = None) -> str:
    return placed_label(" › ".join(p.name for p in path), row, col)


def placed_label(label: str, row: int | None = None, col: int | None = None) -> str:
    """A unit's path label (path_label without a position) with a position in it."""
    return f"{label} [{position_label(row, col)}]" if row is not None else label


def subtree(root_id: int) -> Select:
    """A select of the ids of a unit and everything below it."""
    down = select(units.c.id).where(units.c.id == root_id).cte("down", recursive=True)
    child = units.alias("child")
    down = down.union_all(select(child.c.id).where(child.c.parent_id == down.c.id))
    return select(down.c.id)


# --- placing and moving items ------------------------------------------------------------------


Spot = tuple[int | None, int | None, int | None]  # container, row, column: None, out of storage
_NOWHERE: Spot = (None, None, None)


def _move_event(
    paths: dict[int, list[PathUnit]], item_id: int, lot_id: int, old: Spot, new: Spot
) -> tuple[EventType, dict[str, Any]]:
    """The event of an item going from `old` to `new` (`paths` holding their containers'),
    as a row for record_events: `moved`, or `placed` when it was out of storage."""
    data = {
        "from": path_label(paths[old[0]], old[1], old[2]) if old[0] else None,
        "to": path_label(paths[new[0]], new[1], new[2]) if new[0] else None,
    }
    kind = EventType.MOVED if data["from"] else EventType.PLACED
    return kind, {"item_id": item_id, "lot_id": lot_id, "data": data}


def relocate(
    session: Session, moves: Sequence[tuple[Item, Place | None]], note: str | None = None
) -> None:
    """Move each item to its place (None: out of storage), checking every rule first, so that
    either all move or none; one event per item that had or gets a place."""
    moving = {item.id for item, _ in moves}
    if len(moving) != len(moves):
        raise ValidationFailed({"items": ["An item is listed twice."]})
    targets: list[tuple[Item, Place]] = [(i, p) for i, p in moves if p is not None]
    _check_places(session, targets, moving)

    paths = path_rows(
        session,
        {i.container_id for i, _ in moves if i.container_id} | {p.container.id for _, p in targets},
    )
    before = {i.id: (i.container_id, i.row, i.col) for i, _ in moves}
    delta: Counter[int] = Counter()
    for item, _ in moves:  # vacate first, so items may swap or shift positions
        if item.container_id is not None:
            delta[item.container_id] -= 1
            item.container_id = item.row = item.col = item.grid_rows = item.grid_cols = None
    session.flush()
    for item, target in targets:
        item.container_id, item.row, item.col = target.container.id, target.row, target.col
        item.grid_rows, item.grid_cols = target.container.rows, target.container.cols
        delta[target.container.id] += 1
    _adjust_occupancy(session, delta)
    session.flush()

    history: dict[EventType, list[dict[str, Any]]] = defaultdict(list)
    for item, place in moves:
        old = before[item.id]
        if old[0] is None and place is None:
            continue
        new = (place.container.id, place.row, place.col) if place else _NOWHERE
        kind, event = _move_event(paths, item.id, item.lot_id, old, new)
        history[kind].append(event)
    record_events(session, EventType.MOVED, history[EventType.MOVED], note)
    record_events(session, EventType.PLACED, history[EventType.PLACED], note)


class Placing(Protocol):
    """What the place checks read of an item: its code and its status."""

    @property
    def barcode(self) -> str: ...

    @property
    def status(self) -> ItemStatus: ...


@dataclass(frozen=True)
class Rewrite:
    """An item's status, quantity and place before (as read, locked) and after, for
    `rewrite_items`."""

    id: int
    barcode: str
    lot_id: int
    old_status: ItemStatus
    old_quantity: Decimal
    old_container_id: int | None
    old_row: int | None
    old_col: int | None
    new_status: ItemStatus
    new_quantity: Decimal
    place: Place | None  # where it goes (None: out of storage), unless it keeps its place
    note: str | None = None
    keep_place: bool = False
    old_grid_rows: int | None = None
    old_grid_cols: int | None = None

    @property
    def status(self) -> ItemStatus:
        return self.new_status


_REWRITE = (
    update(items)
    .where(items.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        quantity=bindparam("b_quantity"),
        container_id=bindparam("b_container_id"),
        row=bindparam("b_row"),
        col=bindparam("b_col"),
        grid_rows=bindparam("b_grid_rows"),
        grid_cols=bindparam("b_grid_cols"),
    )
)


_PLACE_COLUMNS = ("container_id", "row", "col", "grid_rows", "grid_cols")


def rewrite_items(session: Session, rewrites: Sequence[Rewrite]) -> None:
    """Batch work on many items in a few statements: each item's status, quantity and place
    written at once (out of storage when `place` is None), the places checked first as
    `relocate` checks them (all or none), one `moved` or `placed` event per item whose place
    changes (with its own note) and one audit entry per item, as a single edit writes them.
    Items loaded in the session are expired. The caller checks the statuses and quantities."""
    moving = {r.id for r in rewrites}
    targets = [(r, r.place) for r in rewrites if r.place is not None and not r.keep_place]
    _check_places(session, targets, moving)
    paths = path_rows(
        session,
        {r.old_container_id for r in rewrites if r.old_container_id}
        | {p.container.id for _, p in targets},
    )
    values: list[dict[str, Any]] = []
    delta: Counter[int] = Counter()
    history: dict[tuple[EventType, str | None], list[dict[str, Any]]] = defaultdict(list)
    entries = []
    for r in rewrites:
        old = (r.old_container_id, r.old_row, r.old_col)
        new: Spot = old
        grid = (r.old_grid_rows, r.old_grid_cols)
        if not r.keep_place:
            unit = r.place.container if r.place is not None else None
            new = (unit.id, r.place.row, r.place.col) if unit and r.place else _NOWHERE
            grid = (unit.rows, unit.cols) if unit else (None, None)
        values.append(
            {
                "b_id": r.id,
                "b_status": r.new_status.value,
                "b_quantity": r.new_quantity,
                "b_container_id": new[0],
                "b_row": new[1],
                "b_col": new[2],
                "b_grid_rows": grid[0],
                "b_grid_cols": grid[1],
            }
        )
        before = {"status": r.old_status, "quantity": r.old_quantity}
        after: dict[str, Any] = {"status": r.new_status, "quantity": r.new_quantity}
        if old != new:
            if old[0] is not None:
                delta[old[0]] -= 1
            if new[0] is not None:
                delta[new[0]] += 1
            before.update(container_id=old[0], row=old[1], col=old[2])
            after.update(container_id=new[0], row=new[1], col=new[2])
            kind, event = _move_event(paths, r.id, r.lot_id, old, new)
            history[(kind, r.note)].append(event)
        changed = [k for k in after if before[k] != after[k]]
        entries.append(
            audit.entry(
                "items",
                r.id,
                "update",
                {k: before[k] for k in changed},
                {k: after[k] for k in changed},
            )
        )
    connection = session.connection()
    placed = [v for v, r in zip(values, rewrites, strict=True) if r.place and not r.keep_place]
    for chunk in _chunks(placed, 1000):  # each to its own place
        connection.execute(_REWRITE, list(chunk))
    alike: dict[tuple[Any, ...], list[int]] = defaultdict(list)  # the rest, by what they take
    for r in rewrites:
        if r.keep_place or r.place is None:
            alike[(r.new_status, r.new_quantity, r.keep_place)].append(r.id)
    for (status, quantity, keep), ids in alike.items():
        out = {} if keep else dict.fromkeys(_PLACE_COLUMNS)
        for chunk in _chunks(ids, 500):
            connection.execute(
                update(items)
                .where(items.c.id.in_(chunk))
                .values(status=status, quantity=quantity, **out)
            )
    _adjust_occupancy(session, delta)
    for obj in session.identity_map.values():
        if isinstance(obj, Item) and obj.id in moving:
            session.expire(obj)
    for (kind, note), rows in history.items():
        record_events(session, kind, rows, note)
    audit.record(session, entries)


def at_positions(
    positions: Sequence[tuple[Any, Any, Any]],
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The items at these (container, row, column) positions. The containers are named apart:
    SQLite reads a list of row values by scanning every item, but their containers by the
    index of positions."""
    units = {unit_id for unit_id, _, _ in positions}
    return Item.container_id.in_(units), tuple_(Item.container_id, Item.row, Item.col).in_(
        positions
    )


def _check_places(
    session: Session, targets: Sequence[tuple[Placing, Place]], moving: set[int]
) -> None:
    wanted: dict[tuple[int, int | None, int | None], Placing] = {}
    incoming: Counter[int] = Counter()
    for item, place in targets:
        unit = place.container
        if item.status in GONE:
            raise InvalidState(
                f"Item {item.barcode} is {item.status.value}; it cannot be placed or moved.",
                field="status",
            )
        misfit = position_misfit(unit, place.row, place.col)
        if misfit is not None:
            raise ValidationFailed({misfit.field: [misfit.message]})
        key = (unit.id, place.row, place.col)
        if unit.rows is not None and key in wanted:
            raise ValidationFailed(
                {"position": [f"Two items are going to {unit.name} {place.label}."]}
            )
        wanted[key] = item
        incoming[unit.id] += 1

    grid_keys = [k for k in wanted if k[1] is not None]
    for chunk in _chunks(grid_keys, 500):
        held = session.execute(  # the moving filtered here: a NOT IN of thousands costs more
            select(Item.id, Item.barcode, Item.container_id, Item.row, Item.col).where(
                *at_positions(chunk)
            )
        ).all()
        taken = next((h for h in held if h.id not in moving), None)
        if taken is not None:
            unit = next(p.container for _, p in targets if p.container.id == taken.container_id)
            misfit = occupied(unit, taken.row, taken.col, taken.barcode)
            raise Conflict(misfit.message, field=misfit.field)
    units_by_id = {p.container.id: p.container for _, p in targets}
    for unit_id, count in incoming.items():
        unit = units_by_id[unit_id]
        if unit.size is None:
            continue
        there = session.scalars(select(Item.id).where(Item.container_id == unit_id)).all()
        staying = sum(1 for held_id in there if held_id not in moving)
        misfit = capacity_misfit(unit, staying, count)
        if misfit is not None:
            raise Conflict(misfit.message, field=misfit.field)


def _adjust_occupancy(session: Session, delta: Counter[int]) -> None:
    """Count the items that came into (or left) each unit of `delta`, and measure again the
    free runs of those that are boxes (an item moved within a box counts 0 there)."""
    for unit_id, change in delta.items():
        if change:
            session.execute(
                update(StorageUnit)
                .where(StorageUnit.id == unit_id)
                .values(occupied=StorageUnit.occupied + change)
                .execution_options(synchronize_session=False)
            )
    for unit in session.identity_map.values():
        if isinstance(unit, StorageUnit) and unit.id in delta:
            session.expire(unit, ["occupied"])
    measure_free_runs(session, list(delta))


def measure_free_runs(session: Session, unit_ids: Sequence[int]) -> None:
    """Set `free_run` of the boxes among these units from the items they hold now: the boxes
    locked first, so that the items are read after any other writer's to them is committed."""
    session.flush()
    boxes = session.connection().execute(
        select(units.c.id, units.c.rows, units.c.cols)
        .where(units.c.id.in_(unit_ids), units.c.rows.is_not(None))
        .order_by(units.c.id)
        .with_for_update(key_share=True)  # as the occupancy's UPDATE: not against the items' keys
    )
    runs = []
    for chunk in _chunks(boxes.all(), 500):
        taken = _taken_positions(session, [box.id for box in chunk])
        runs += [
            {"b_id": box.id, "b_run": longest_free_run(box.rows, box.cols, taken[box.id])}
            for box in chunk
        ]
    if runs:
        session.connection().execute(
            update(units)
            .where(units.c.id == bindparam("b_id"))
            .values(free_run=bindparam("b_run")),
            runs,
        )
    for unit in session.identity_map.values():
        if isinstance(unit, StorageUnit) and unit.id in unit_ids:
            session.expire(unit, ["free_run"])


def _chunks(seq: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


_PAGE = 100  # boxes whose items are read at once when searching for space


def _space(need: int, contiguous: bool, start: int, size: int) -> Select:
    """Boxes `start` to `start + size` of those with room for `need` items (with `contiguous`,
    a run of `need` free positions as their kept free runs tell), fullest first, with their
    effective temperature: the page is cut before the paths are joined, so that a page costs
    the same however many boxes have room."""
    room = units.c.free_run if contiguous else units.c.rows * units.c.cols - units.c.occupied
    page = (
        select(units.c.id, units.c.rows, units.c.cols, units.c.occupied)
        .where(units.c.kind == StorageKind.BOX, room >= need)
        .order_by(units.c.occupied.desc(), units.c.id)
        .limit(size)
        .offset(start)
        .subquery()
    )
    return with_path(select(page.c.id, page.c.rows, page.c.cols), page.c.id).order_by(
        page.c.occupied.desc(), page.c.id
    )


def _taken_positions(session: Session, box_ids: Sequence[int]) -> dict[int, set[tuple[int, int]]]:
    taken: dict[int, set[tuple[int, int]]] = defaultdict(set)
    statement = select(items.c.container_id, items.c.row, items.c.col).where(
        items.c.container_id.in_(box_ids)
    )
    rows = session.connection().execute(statement).all()  # Core rows, fetched at once
    for box_id, row, col in rows:
        taken[box_id].add((row, col))
    return taken


def _free_in_grid(
    box: StorageUnit, taken: set[tuple[int, int]], count: int | None, contiguous: bool
) -> list[Place]:
    if box.rows is None or box.cols is None:
        raise InvalidState(f"{box.name} has no positions.", field="position")
    cells = free_cells(box.rows, box.cols, taken, count, contiguous)
    return [Place(box, row, col) for row, col in cells]


def _gaps(rows: int, cols: int, taken: set[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The runs of free cells of a grid, as [start, end) of row-major indexes, in order."""
    start = 0  # first cell of the current gap between occupied cells
    for end in [*sorted((r - 1) * cols + (c - 1) for r, c in taken), rows * cols]:
        yield start, end
        start = end + 1


def longest_free_run(rows: int, cols: int, taken: set[tuple[int, int]]) -> int:
    """How many consecutive free cells (row-major) a grid has at most."""
    return max(end - start for start, end in _gaps(rows, cols, taken))


def free_cells(
    rows: int, cols: int, taken: set[tuple[int, int]], count: int | None, contiguous: bool
) -> list[tuple[int, int]]:
    """Free (row, col) of a grid in row-major order: the first `count`, or with `contiguous`
    the first run of `count` consecutive ones (none if there is no such run)."""
    wanted = rows * cols if count is None else count
    cells: list[int] = []
    for start, end in _gaps(rows, cols, taken):
        if contiguous:
            if end - start >= wanted:
                cells = list(range(start, start + wanted))
                break
        else:
            cells.extend(range(start, min(end, start + wanted - len(cells))))
            if len(cells) == wanted:
                break
    return [(index // cols + 1, index % cols + 1) for index in cells]


def place_items(
    session: Session,
    items_: Sequence[Item],
    container: StorageUnit,
    positions: Sequence[tuple[int, int]] | None = None,
    note: str | None = None,
    *,
    start: tuple[int, int] | None = None,
) -> list[Place]:
    """Place or move items into a container: at the given positions, or (boxes) the free ones
    in row-major order from `start` (a free position; default the first of the box) on."""
    if positions is not None:
        if len(positions) != len(items_):
            raise ValidationFailed({"positions": ["Give one position per item."]})
        places = [Place(container, r, c) for r, c in positions]
    elif container.rows is not None:
        places = _free_from(session, container, items_, start)
    elif start is not None:
        raise ValidationFailed({"position": [f"{container.name} has no positions."]})
    else:
        places = [Place(container)] * len(items_)
    relocate(session, list(zip(items_, places, strict=True)), note)
    return places


def _free_from(
    session: Session, box: StorageUnit, items_: Sequence[Item], start: tuple[int, int] | None
) -> list[Place]:
    """Free positions of `box` for the items in row-major order: the first ones, or from
    `start` on, which must be in the grid and free (the items themselves leave theirs)."""
    label = position_label(*start) if start else ""
    misfit = position_misfit(box, *start) if start else None
    if misfit is not None:
        raise ValidationFailed({misfit.field: [misfit.message]})
    moving = {i.id for i in items_}
    taken = {
        (r.row, r.col): r.barcode
        for r in session.execute(
            select(Item.row, Item.col, Item.barcode).where(
                Item.container_id == box.id, Item.id.not_in(moving)
            )
        )
    }
    if start in taken:
        raise Conflict(f"{box.name} {label} is occupied by {taken[start]}.", field="position")
    free = [
        p
        for p in _free_in_grid(box, set(taken), None, contiguous=False)
        if start is None or (p.row, p.col) >= start
    ]
    if len(free) < len(items_):
        raise Conflict(
            f"{box.name} has {len(free)} free positions{f' from {label} on' if start else ''}, "
            f"{len(items_)} are needed.",
            field="position" if start else "container",
        )
    return free[: len(items_)]


def find_free_positions(
    session: Session,
    temperature_c: float,
    count: int,
    *,
    contiguous: bool = False,
    tolerance: float = 1.0,
) -> list[Place]:
    """`count` free box positions at a set temperature: fullest boxes first; with
    `contiguous`, a run of `count` consecutive positions in one box."""
    if count < 1:
        raise ValidationFailed({"count": ["Ask for at least one position."]})
    found: list[Place] = []
    start, size = 0, 4  # the first box mostly has the room: pages grow from a few boxes
    need = count if contiguous else 1
    while page := session.connection().execute(_space(need, contiguous, start, size)).all():
        start, size = start + size, size * 4
        at = [
            box
            for box in page
            if box.temperature is not None
            and temperature_c - tolerance <= box.temperature <= temperature_c + tolerance
        ]
        for boxes in _chunks(at, _PAGE):
            taken = _taken_positions(session, [box.id for box in boxes])
            for box in boxes:
                wanted = count if contiguous else count - len(found)
                cells = free_cells(box.rows, box.cols, taken[box.id], wanted, contiguous)
                if cells:
                    unit = session.get_one(StorageUnit, box.id)
                    found.extend(Place(unit, row, col) for row, col in cells)
                if len(found) >= count:
                    return found[:count]
    raise Conflict(
        f"No {'run of ' if contiguous else ''}{count} free positions at {temperature_c} °C.",
        field="count",
    )


# --- moving whole units -------------------------------------------------------------------------


def move_unit(
    session: Session,
    unit: StorageUnit,
    new_parent: StorageUnit,
    slot: int | None = None,
    note: str | None = None,
) -> None:
    """Move a box, rack, freezer... with all it holds; every item keeps its position and gets
    a `moved` event."""
    if unit.kind not in STORAGE_CHILDREN[new_parent.kind]:
        raise ValidationFailed(
            {"parent": [f"A {unit.kind.value} cannot stand in a {new_parent.kind.value}."]}
        )
    inside = set(session.scalars(subtree(unit.id)))  # the kinds' hierarchy rules out cycles
    if slot is None:
        slot = (
            session.scalar(
                select(func.max(StorageUnit.slot)).where(StorageUnit.parent_id == new_parent.id)
            )
            or 0
        ) + 1
    elif session.scalar(
        select(StorageUnit.id).where(
            StorageUnit.parent_id == new_parent.id, StorageUnit.slot == slot
        )
    ):
        raise Conflict(f"Slot {slot} of {new_parent.name} is taken.", field="slot")
    old_path = path_label(path_rows(session, [unit.id])[unit.id])
    unit.parent_id, unit.slot = new_parent.id, slot
    session.flush()
    new_path = path_label(path_rows(session, [unit.id])[unit.id])
    moved = session.execute(select(Item.id, Item.lot_id).where(Item.container_id.in_(inside))).all()
    record_events(
        session,
        EventType.MOVED,
        (
            {
                "item_id": i.id,
                "lot_id": i.lot_id,
                "data": {"with": unit.barcode, "from": old_path, "to": new_path},
            }
            for i in moved
        ),
        note,
    )


def evacuate(
    session: Session, failed: StorageUnit, target: StorageUnit, note: str | None = None
) -> int:
    """Move everything stored in `failed` into the identically laid out `target`, each item
    keeping its position: a box (cage, container) is carried to the same slot of the same rack
    in `target`; where `target` already has a box of the same grid there, the items go into the
    same positions of that box. Returns how many items moved; nothing moves if the layouts
    differ or a position is taken."""
    plan = _evacuation_plan(session, failed, target)
    into = {unit.id: to for unit, to in plan if to.kind is StorageKind.BOX}
    carried = [(unit, to) for unit, to in plan if to.kind is not StorageKind.BOX]
    rows = session.execute(
        select(Item.id, Item.lot_id, Item.container_id, Item.row, Item.col).where(
            Item.container_id.in_([unit.id for unit, _ in plan])
        )
    ).all()
    taken = _taken_positions(session, [box.id for box in into.values()])
    for r in rows:
        if r.container_id in into and (r.row, r.col) in taken[into[r.container_id].id]:
            box = into[r.container_id]
            raise Conflict(
                f"{box.name} {position_label(r.row, r.col)} in {target.name} is occupied.",
                field="position",
            )
    before = path_rows(session, [unit.id for unit, _ in plan])
    for unit, parent in carried:
        unit.parent_id = parent.id  # the slot stays the same
    session.flush()
    after = path_rows(session, [unit.id for unit, _ in carried] + [b.id for b in into.values()])

    counts = Counter(r.container_id for r in rows if r.container_id in into)
    delta: Counter[int] = Counter()
    for source_id, count in counts.items():
        box = into[source_id]
        session.execute(
            update(Item)
            .where(Item.container_id == source_id)
            .values(container_id=box.id)
            .execution_options(synchronize_session=False)
        )
        delta[source_id] -= count
        delta[box.id] += count
    _adjust_occupancy(session, delta)
    for item in session.identity_map.values():
        if isinstance(item, Item) and item.container_id in into:
            session.expire(item, ["container_id"])

    def destination(r: Any) -> int:
        return into[r.container_id].id if r.container_id in into else r.container_id

    record_events(
        session,
        EventType.MOVED,
        (
            {
                "item_id": r.id,
                "lot_id": r.lot_id,
                "data": {
                    "from": path_label(before[r.container_id], r.row, r.col),
                    "to": path_label(after[destination(r)], r.row, r.col),
                },
            }
            for r in rows
        ),
        note,
    )
    audit.record(
        session,
        (
            audit.entry(
                "items",
                r.id,
                "update",
                {"container_id": r.container_id},
                {"container_id": destination(r)},
            )
            for r in rows
            if r.container_id in into
        ),
    )
    return len(rows)


def _evacuation_plan(
    session: Session, failed: StorageUnit, target: StorageUnit
) -> list[tuple[StorageUnit, StorageUnit]]:
    """For every unit holding items below `failed`: the box at the same slot path below
    `target` to empty it into, or the unit below `target` that will hold it there."""
    if failed.id == target.id:
        raise ValidationFailed({"target": ["Choose another unit than the failed one."]})
    source, destination = _by_slots(session, failed), _by_slots(session, target)
    plan = []
    for key, unit in sorted(source.items()):
        if unit.kind not in HOLDS_ITEMS:
            continue
        where = "/".join(map(str, key))
        twin = destination.get(key)
        if twin is None:
            parent = destination.get(key[:-1])
            if parent is None or unit.kind not in STORAGE_CHILDREN[parent.kind]:
                raise InvalidState(
                    f"{target.name} has no place at slot {where} for {unit.name}.", field="target"
                )
            plan.append((unit, parent))
        elif twin.kind is StorageKind.BOX and (twin.rows, twin.cols) == (unit.rows, unit.cols):
            plan.append((unit, twin))
        else:
            raise InvalidState(
                f"At slot {where}, {target.name} has {twin.name} ({twin.kind.value}"
                f"{f' {twin.rows}x{twin.cols}' if twin.rows else ''}), which cannot take the "
                f"contents of {unit.name}.",
                field="target",
            )
    return plan


def _by_slots(session: Session, root: StorageUnit) -> dict[tuple[int, ...], StorageUnit]:
    """Every unit below `root` (and `root` itself, at ()) by its path of slots from `root`."""
    nodes = {
        u.id: u
        for u in session.scalars(select(StorageUnit).where(StorageUnit.id.in_(subtree(root.id))))
    }
    found: dict[tuple[int, ...], StorageUnit] = {}
    for unit in nodes.values():
        key: list[int] = []
        node = unit
        while node.id != root.id:
            key.append(node.slot or 0)
            assert node.parent_id is not None, "every unit below the root has a parent"
            node = nodes[node.parent_id]
        found[tuple(reversed(key))] = unit
    return found
