"""Batch edits of materials: the materials a material search matches (or the lines of a sheet
keyed by accession number) take the changes a curator makes one material at a time — any field
a single edit takes (access level, remarks, terms, risk group, a kind's own fields: a storage
temperature, a growth medium…; a material of another kind refuses them) — read by the same schema
(`MaterialPatchSchema`) and checked by the same rules (`materials.edit_refusals`), and written
by the same code (`materials.edit_materials`: audit and events). Only the materials of the
collections the asker curates are chosen. The preview, the refusal, the record of the batch and
the steps of an undo are the batch engine's, as for items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from ..audit import as_json, plain
from ..errors import NotFound
from ..exchange.batch_sheets import Sheet
from ..models import Collection, ItemBatch, Material, MaterialBatchRow
from ..schemas.batch_edits import PAGE_SIZE, Undo
from ..schemas.material_batch_edits import MaterialBatchEdit, MaterialSearch
from ..schemas.materials import MaterialPatchSchema
from ..sql import chunked, insert_many
from ..visibility import curated_filter
from . import batch_engine as engine
from .accounts import Principal
from .batch_engine import MOST, Outcome, Preview, paged
from .materials import edit_materials, edit_refusals
from .queries import matching_materials

KIND = "material"
NOUN = "materials"
_FIELDS = MaterialPatchSchema._declared_fields


@dataclass(frozen=True)
class MaterialLine:
    """One material of a batch: the fields the changes would set, before and after (as JSON
    writes them), or why it is refused (then nothing changes). `material_id` is None for a
    sheet's accession number of no material; `line` is the sheet's line."""

    accession_number: str
    collection: str | None
    outcome: Outcome
    old: dict[str, Any]
    new: dict[str, Any]
    reason: str | None = None
    material_id: int | None = None
    line: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict, repr=False)  # typed, to write

    @property
    def code(self) -> str:
        return self.accession_number


def _typed(name: str, value: Any) -> Any:
    """A field's value from its JSON form (`plain`'s: a vocabulary's member from its value, a
    moment from its ISO form in UTC)."""
    given = _FIELDS[name]
    if value is None:
        return None
    if isinstance(given, fields.Enum):
        return given.enum(value)
    if isinstance(given, fields.DateTime):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def _lines(
    session: Session, wanted: Sequence[tuple[Material, str, Mapping[str, Any], int | None]]
) -> list[MaterialLine]:
    """What each material's changes do to it (material, its collection's code, changes, sheet
    line): by the rules of a single edit, asked once for all the materials that take the same
    changes."""
    alike: dict[str, tuple[Mapping[str, Any], list[Material]]] = {}
    for material, _, changes, _ in wanted:
        alike.setdefault(as_json(dict(changes)), (changes, []))[1].append(material)
    refused: dict[int, str] = {}
    for changes, group in alike.values():
        refused.update(edit_refusals(session, group, changes))
    lines = []
    for material, code, changes, line in wanted:
        differ: dict[str, Any] = {}
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        if material.id in refused:  # perhaps a field its kind has not
            outcome, why = Outcome.REFUSED, refused[material.id]
        else:
            differ = {k: v for k, v in changes.items() if plain(getattr(material, k)) != plain(v)}
            old = {k: plain(getattr(material, k)) for k in differ}
            new = {k: plain(v) for k, v in differ.items()}
            outcome, why = (Outcome.UPDATED if differ else Outcome.UNCHANGED), None
        lines.append(
            MaterialLine(
                material.accession_number, code, outcome, old, new, why, material.id, line, differ
            )
        )
    return lines


def _chosen(session: Session, who: Principal, where: Any, *, lock: bool) -> list[Any]:
    """The materials (with their collection's code) of the collections `who` curates that
    `where` chooses, by id; locked until the transaction ends when about to write."""
    statement = (
        select(Material, Collection.code)
        .join(Collection, Collection.id == Material.collection_id)
        .where(where, curated_filter(who))
        .order_by(Material.id)
    )
    if lock:
        statement = statement.with_for_update(of=Material)
    return list(session.execute(statement))


def _matched(session: Session, who: Principal, search: MaterialSearch, *, lock: bool) -> list[Any]:
    """The materials the search matches among those `who` curates (at most MOST, or
    refused)."""
    found = matching_materials(
        q=search.q,
        kind=search.kind.value if search.kind else None,
        taxon=search.taxon,
        collection=search.collection,
        available=search.available,
    ).where(curated_filter(who))
    ids = list(session.scalars(found.with_only_columns(Material.id).limit(MOST + 1)))
    engine.at_most(len(ids), "search", NOUN, "narrow the search.")
    chosen: list[Any] = []
    for chunk in chunked(ids):
        chosen += _chosen(session, who, Material.id.in_(chunk), lock=lock)
    return chosen


def _query_of(search: MaterialSearch) -> dict[str, Any]:
    return {k: plain(v) for k, v in vars(search).items() if v is not None}


def _changes_of(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in changes.items()}


def preview(session: Session, who: Principal, command: MaterialBatchEdit) -> Preview[MaterialLine]:
    """What the batch would do to each material the search matches; nothing is written."""
    chosen = _matched(session, who, command.search, lock=False)
    lines = _lines(session, [(m, code, command.changes, None) for m, code in chosen])
    return paged(lines, command.page, command.page_size)


def commit(session: Session, who: Principal, command: MaterialBatchEdit) -> ItemBatch:
    """Apply the batch to every material the search matches, in this transaction; refused
    (nothing written, each refusal named) if a material cannot take the changes, unless those
    are left out (`skip_refused`)."""
    chosen = _matched(session, who, command.search, lock=True)
    lines = _lines(session, [(m, code, command.changes, None) for m, code in chosen])
    query, changes = _query_of(command.search), _changes_of(command.changes)
    return _write(
        session,
        {m.id: m for m, _ in chosen},
        lines,
        skip_refused=command.skip_refused,
        source="search",
        query=query,
        changes=changes,
        digest=engine.digest(query, changes),
    )


# --- sheets ------------------------------------------------------------------------------------


def _sheet_lines(
    session: Session, who: Principal, sheet: Sheet, *, lock: bool
) -> tuple[dict[int, Material], list[MaterialLine]]:
    """Each line of a sheet against its material (among those `who` curates; locked when about
    to write): what its changes do, or why it is refused (an accession number of no material
    of theirs, or of several — the collection names which —, a material listed twice)."""
    engine.at_most(len(sheet.lines), "file", NOUN)
    numbers = sorted({line.code for line in sheet.lines})
    candidates: dict[str, list[tuple[Material, str]]] = {}
    for chunk in chunked(numbers):
        for material, code in _chosen(
            session, who, Material.accession_number.in_(chunk), lock=lock
        ):
            candidates.setdefault(material.accession_number, []).append((material, code))
    wanted: list[tuple[Material, str, Mapping[str, Any], int | None]] = []
    refused: list[MaterialLine] = []
    seen: dict[int, int] = {}
    for line in sheet.lines:
        collection = dict(line.keys).get("collection")
        found = [
            (m, code)
            for m, code in candidates.get(line.code, [])
            if collection is None or code == collection
        ]
        why = None
        if not found:
            where = f"in {collection}" if collection else "in the collections you curate"
            why = f"No material {line.code} {where}."
        elif len(found) > 1:
            codes = ", ".join(sorted(code for _, code in found))
            why = f"Accession number {line.code} is used in {codes}; give the collection."
        elif found[0][0].id in seen:
            why = f"A material listed twice (line {seen[found[0][0].id]})."
        if why is not None:
            refused.append(
                MaterialLine(line.code, collection, Outcome.REFUSED, {}, {}, why, None, line.line)
            )
            continue
        material, code = found[0]
        seen[material.id] = line.line
        wanted.append((material, code, line.changes, line.line))
    return {m.id: m for m, *_ in wanted}, refused + _lines(session, wanted)


def preview_sheet(
    session: Session, who: Principal, sheet: Sheet, page: int = 1, page_size: int = PAGE_SIZE
) -> Preview[MaterialLine]:
    """What a sheet of changes would do to each material it names; nothing is written."""
    return paged(_sheet_lines(session, who, sheet, lock=False)[1], page, page_size)


def commit_sheet(
    session: Session, who: Principal, sheet: Sheet, skip_refused: bool = False
) -> ItemBatch:
    """Apply a sheet of changes, each line to its material, in this transaction; refused
    (nothing written, each refusal named) unless those are left out."""
    chosen, lines = _sheet_lines(session, who, sheet, lock=True)
    return _write(
        session,
        chosen,
        lines,
        skip_refused=skip_refused,
        source="sheet",
        query=None,
        changes=None,
        digest=sheet.digest,
    )


def _write(
    session: Session,
    chosen: dict[int, Material],
    lines: Sequence[MaterialLine],
    **recorded: Any,
) -> ItemBatch:
    """Record the batch, write each material's changes as a single edit writes them (audit,
    an event naming the batch) and keep its values before and after."""
    batch, updating = engine.record(session, KIND, lines, noun=NOUN, **recorded)
    edits = [(chosen[line.material_id], line.values) for line in updating if line.material_id]
    edit_materials(session, edits, {"batch": batch.id})
    insert_many(
        session,
        MaterialBatchRow.__table__,
        [
            {
                "batch_id": batch.id,
                "material_id": line.material_id,
                "old": as_json(line.old),
                "new": as_json(line.new),
                "undone": False,
            }
            for line in updating
        ],
        encoded={"old", "new"},
    )
    return batch


# --- reading and undoing a batch ---------------------------------------------------------------


@dataclass(frozen=True)
class MaterialBatchLine:
    """One material a batch changed: the fields before and after, whether it changed again
    since (and how), and whether an undo put it back."""

    accession_number: str
    collection: str
    old: dict[str, Any]
    new: dict[str, Any]
    undone: bool
    changed_since: str | None


@dataclass(frozen=True)
class MaterialBatchView:
    batch: ItemBatch
    lines: list[MaterialBatchLine]
    total: int
    changed_since: int
    page: int
    page_size: int


def _theirs(who: Principal) -> Any:
    """The batches of materials `who` sees: those that changed a material of a collection
    they curate, or that they made (an administrator: every one)."""
    touched = (
        select(MaterialBatchRow.batch_id)
        .join(Material, Material.id == MaterialBatchRow.material_id)
        .where(MaterialBatchRow.batch_id == ItemBatch.id, curated_filter(who))
        .exists()
    )
    return or_(touched, ItemBatch.actor_id == who.user_id) if who.user_id else touched


def batches(who: Principal) -> Select[ItemBatch]:
    """The batches of materials `who` sees, newest first (a statement to page)."""
    return engine.batches(KIND).where(_theirs(who))


def _get(session: Session, who: Principal, batch_id: int) -> ItemBatch:
    """A batch of materials `who` sees (`_theirs`); one they do not see does not exist."""
    batch = engine.get_batch(session, batch_id, KIND)
    if not session.scalar(select(_theirs(who)).where(ItemBatch.id == batch.id)):
        raise NotFound(f"No batch edit {batch_id}.", field="id")
    return batch


def _since(row: MaterialBatchRow, material: Material) -> str | None:
    """How the material differs from what the batch left (None: it does not)."""
    if row.undone:
        return None
    differs = [
        f"{name} now {plain(getattr(material, name))!r}, the batch left {value!r}"
        for name, value in sorted(row.new.items())
        if plain(getattr(material, name)) != value
    ]
    return "; ".join(differs) or None


def _rows(session: Session, who: Principal, batch_id: int, *, lock: bool = False) -> list[Any]:
    """The batch's rows with their material and its collection's code (those `who` curates),
    by accession number."""
    statement = (
        select(MaterialBatchRow, Material, Collection.code)
        .join(Material, Material.id == MaterialBatchRow.material_id)
        .join(Collection, Collection.id == Material.collection_id)
        .where(MaterialBatchRow.batch_id == batch_id, curated_filter(who))
        .order_by(Material.accession_number, Collection.code)
    )
    if lock:
        statement = statement.where(~MaterialBatchRow.undone).with_for_update(of=Material)
    return list(session.execute(statement))


def view(
    session: Session, who: Principal, batch_id: int, page: int = 1, page_size: int = 50
) -> MaterialBatchView:
    """A batch, how many of its materials changed since, and one page of them."""
    batch = _get(session, who, batch_id)
    every = _rows(session, who, batch.id)
    since = [_since(row, material) for row, material, _ in every]
    start = (page - 1) * page_size
    lines = [
        MaterialBatchLine(m.accession_number, code, row.old, row.new, row.undone, changed)
        for (row, m, code), changed in zip(
            every[start : start + page_size], since[start : start + page_size], strict=True
        )
    ]
    return MaterialBatchView(batch, lines, len(every), sum(1 for s in since if s), page, page_size)


def undo(session: Session, who: Principal, batch_id: int, command: Undo) -> ItemBatch:
    """Put every material of a batch back to its values before it, in this transaction, as a
    single edit would (its rules too: a material requesters now hold keeps its access level).
    Refused, naming them, when materials changed since or cannot go back, unless only the
    others are asked for (`only_unchanged`)."""
    batch = engine.undoing(session, _get(session, who, batch_id).id, KIND)
    changed: list[tuple[str, str]] = []
    back: list[tuple[MaterialBatchRow, Material, dict[str, Any]]] = []
    for row, material, code in _rows(session, who, batch.id, lock=True):
        since = _since(row, material)
        if since is not None:
            changed.append((f"{material.accession_number} ({code})", since))
        else:
            back.append((row, material, {k: _typed(k, v) for k, v in row.old.items()}))
    back = _returnable(session, back, changed)
    engine.check_undo(batch, changed, len(back), command.only_unchanged, NOUN)
    edit_materials(session, [(m, old) for _, m, old in back], {"batch_undone": batch.id})
    _mark_undone(session, batch.id, [m.id for _, m, _ in back])
    for row, _, _ in back:
        session.expire(row, ["undone"])
    return engine.undone(session, batch, len(back))


def _returnable(
    session: Session,
    back: list[tuple[MaterialBatchRow, Material, dict[str, Any]]],
    changed: list[tuple[str, str]],
) -> list[tuple[MaterialBatchRow, Material, dict[str, Any]]]:
    """The materials that can take their old values by the rules of a single edit; the others
    join `changed`, with why."""
    lines = _lines(session, [(m, "", old, None) for _, m, old in back])
    kept = []
    for entry, line in zip(back, lines, strict=True):
        if line.outcome is Outcome.REFUSED:
            changed.append((line.accession_number, line.reason or ""))
        else:
            kept.append(entry)
    return kept


def _mark_undone(session: Session, batch_id: int, ids: Iterable[int]) -> None:
    for chunk in chunked(sorted(ids)):
        session.execute(
            update(MaterialBatchRow)
            .where(MaterialBatchRow.batch_id == batch_id, MaterialBatchRow.material_id.in_(chunk))
            .values(undone=True)
            .execution_options(synchronize_session=False)
        )
