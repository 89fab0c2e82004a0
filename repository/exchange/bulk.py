"""Bulk registration from CSV and XLSX files: materials, lots and items with their places, in one
file or several, each row validated by the schemas the API uses; all or nothing.

A row may declare a material (its fields), a lot (`lot` and its method, date, ...) and an item
(quantity, unit, form, barcode, box and position), or any of these: a spreadsheet of one row per
vial repeats its material's and lot's columns, or materials, lots and items come in files (or
sheets) of their own, in that order. Lots are named by a key of the import (`lot`); they get
the next numbers of their material.

An import runs in two passes. The check pass (`check_tables`) reads the rows as a stream, checks
them in batches against the database and, while nothing is wrong, prepares what to write in the
import's scratch database; it writes nothing, so it may run in a read-only transaction (on
SQLite no writer waits for it). The write pass (`Checked.write`) only inserts what was prepared,
in a write transaction: the only time an import holds SQLite's write lock. A single problem
anywhere means nothing is written (`check_tables` raises, unless dry)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import ValidationFailed
from ..memory import collection_paused
from ..models import Barcode, Collection, Donor, Item, Lot, Material, StorageUnit
from ..models.storage import parse_position
from ..placement import Misfit, capacity_misfit, occupied, position_misfit
from ..schemas.inventory import LotSchema
from ..schemas.materials import KIND_SCHEMAS, load_material
from ..services.collections import get_collection
from ..services.inventory import lot_errors
from ..sql import chunked, one_of
from ..vocabulary import CollectionKind, MaterialKind, StorageKind
from . import columns, writing
from .aliases import ALIASES
from .declared import DRAWN, Declared, LotRef, MaterialRef, drawn_key, shown
from .formulas import restored_rows
from .prepared import Prepared
from .problems import ImportRejected, Problem, Report
from .seen import FirstSeen, scratch
from .tabular import Progress, Table, read_tables

MATERIAL_FIELDS = frozenset(f for s in KIND_SCHEMAS.values() for f in s._declared_fields)
LOT_DECLARATION = frozenset(
    {"method", "preserved_on", "passage_number", "generation", "regeneration_cycle", "lot_remarks"}
)
ITEM_FIELDS = frozenset({"barcode", "quantity", "unit", "form", "box", "position", "row", "col"})
LOT_NAMES = frozenset({"lot", "existing_lot"})  # a lot of the import, or the number of one stored
KNOWN = MATERIAL_FIELDS | LOT_DECLARATION | ITEM_FIELDS | LOT_NAMES
DECLARING = MATERIAL_FIELDS - {"accession_number"}  # fields that declare a new material
LOT_FIELDS = LOT_DECLARATION | ITEM_FIELDS | LOT_NAMES  # fields that name a lot
DECLARATION = MATERIAL_FIELDS | LOT_DECLARATION | LOT_NAMES  # a row's material and lot
Translate = Callable[[Table, Report], Table | None]
Read = Callable[[Path, Report], Iterable[Table]]  # an exchange format's own file reader
DEFAULT_KIND = {
    CollectionKind.CULTURE_COLLECTION: MaterialKind.STRAIN,
    CollectionKind.SEED_BANK: MaterialKind.SEED,
    CollectionKind.CELL_BANK: MaterialKind.CELL_LINE,
    CollectionKind.ANIMAL_FACILITY: MaterialKind.ANIMAL_LINE,
    CollectionKind.BIOBANK: MaterialKind.SPECIMEN,
}
_LOT_SCHEMA = LotSchema(
    only=("method", "preserved_on", "passage_number", "generation", "regeneration_cycle", "remarks")
)
_ITEM_SCHEMA = LotSchema(only=("quantity", "unit", "form"))


@dataclass
class Options:
    collection: str
    dry_run: bool = False
    mapping: dict[str, str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    batch: int = 5000  # rows checked together, and rows of a table written together
    problems: Callable[[Problem], None] | None = None  # given every problem as it is found
    job: int | None = None  # the import job it runs for: named by its audit


@dataclass
class Outcome:
    """What an import did (or, dry, would do)."""

    dry_run: bool
    rows: int = 0
    materials: int = 0
    lots: int = 0
    items: int = 0
    report: Report = field(default_factory=Report)
    created: writing.Created | None = None  # written: the first new materials and lots

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "materials": self.materials,
            "lots": self.lots,
            "items": self.items,
            **self.report.as_dict(),
        }


@dataclass
class Box:
    """A storage unit the import names, as looked up (what the placement rules read)."""

    id: int
    barcode: str
    name: str
    kind: StorageKind
    rows: int | None
    cols: int | None
    size: int | None
    occupied: int


@dataclass(slots=True)
class Row:
    """One row of a table, validated on its own; checked against the database with its batch."""

    number: int
    accession: str
    titles: dict[str, str]
    values: dict[str, str]
    material: MaterialRef | None = None  # declared by this row
    lot: LotRef | None = None
    item: dict[str, Any] | None = None
    barcode: str | None = None
    box: str | None = None
    position: tuple[int, int] | None = None
    donor: str | None = None
    ok: bool = True


class Checked:
    """An import after its check pass: its outcome (every problem, the counts) and, when not
    dry and nothing is wrong, what to write, kept in its scratch database until closed."""

    def __init__(self, importer: BulkImport) -> None:
        self.outcome = importer.outcome
        self.prepared = importer.prepared if importer.report.ok else None
        self._code, self._batch = importer.collection.code, importer.options.batch
        # what each audit entry of the write says it came from
        self.source = {"job": importer.options.job, "files": importer.files}
        self._close = importer.close

    def write(self, session: Session) -> Outcome:
        """The write pass, in `session`'s (write) transaction: only inserts, nothing read from
        the file again; a Conflict when another writer changed what was checked meanwhile."""
        if self.prepared is None:
            raise ValueError("Only an import checked without problems, not dry, is written.")
        writer = writing.Writer(session, self._code, self.prepared, self._batch, self.source)
        with collection_paused():
            writer.write()
        self.outcome.created = writer.created
        return self.outcome

    def close(self) -> None:
        self._close()


def check_tables(
    session: Session,
    paths: Iterable[str | Path],
    options: Options,
    progress: Progress | None = None,
    translate: Translate | None = None,
    read: Read | None = None,
) -> Checked:
    """The check pass of an import of every table of the files, in order; writes nothing. Dry,
    the outcome tells every problem; otherwise any problem raises ImportRejected, and the
    result (to be closed) holds what its write pass will write. `read` reads a file that is
    not CSV or XLSX (a Darwin Core Archive) into tables; `translate` turns the tables of an
    exchange format (MCPD) into tables of our fields."""
    importer = BulkImport(session, get_collection(session, options.collection), options)
    try:
        with collection_paused():
            outcome = _import(importer, paths, options, progress, translate, read)
        outcome.report.in_order()
        if not options.dry_run and not outcome.report.ok:
            raise ImportRejected(outcome.report)
    except BaseException:
        importer.close()
        raise
    return Checked(importer)


def import_tables(
    session: Session,
    paths: Iterable[str | Path],
    options: Options,
    progress: Progress | None = None,
    translate: Translate | None = None,
    read: Read | None = None,
) -> Outcome:
    """Both passes of an import in the caller's transaction (see check_tables); not dry, the
    rows are written, else ImportRejected."""
    with closing(check_tables(session, paths, options, progress, translate, read)) as checked:
        if options.dry_run:
            return checked.outcome
        return checked.write(session)


def _import(
    importer: BulkImport,
    paths: Iterable[str | Path],
    options: Options,
    progress: Progress | None,
    translate: Translate | None,
    read: Read | None,
) -> Outcome:
    for path in paths:
        importer.report.file = Path(path).name
        importer.files.append({"name": Path(path).name, "sha256": _file_digest(path)})
        tables = (
            read(Path(path), importer.report)
            if read
            else read_tables(
                path,
                importer.report,
                encoding=options.encoding,
                delimiter=options.delimiter,
                progress=progress,
            )
        )
        for table in tables:
            table = replace(table, rows=restored_rows(table.rows))  # our neutralised cells
            translated = translate(table, importer.report) if translate else table
            if translated is not None:
                importer.table(translated)
    return importer.finish()


class BulkImport:
    """The state of one import: what the file declared so far, and the batch being checked."""

    def __init__(self, session: Session, collection: Collection, options: Options) -> None:
        self.session, self.collection, self.options = session, collection, options
        self.dialect = session.get_bind().dialect
        self.report = Report(sink=options.problems)
        self.outcome = Outcome(options.dry_run, report=self.report)
        self.default_kind = DEFAULT_KIND[collection.kind].value
        self.scratch = scratch()
        self.declared = Declared(self.scratch)  # the materials and lots named so far
        self.seen = FirstSeen(self.scratch)  # barcodes and positions, with their first rows
        self.boxes: dict[str, Box | None] = {}
        self.drawn = 0  # new materials whose accession number the write pass draws
        self.incoming: Counter[int] = Counter()
        self.batch: list[Row] = []
        self.files: list[dict[str, str | None]] = []  # each file's name and SHA-256, in order
        self.agreed: dict[type, tuple[MaterialRef | LotRef, dict[str, str]]] = {}
        self.material_names: list[str] = []  # of the table being read, set by `table`
        self.lot_names: list[str] = []
        # the cells that declared the last row's material and lot, and its lot, when the row
        # found them fine: a row with the same cells has the same (and no new problem)
        self.repeated: tuple[tuple[str, ...] | None, LotRef | None] = None, None
        # what the write pass will write: none when dry
        self.prepared = None if options.dry_run else Prepared(self.scratch, collection.id)

    # --- reading ----------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        names = columns.resolve(table.header, KNOWN, ALIASES, self.options.mapping, self.report)
        titles = {
            name: table.titles.get(name, title)
            for name, title in zip(names, table.header, strict=True)
            if name
        }
        if not self._header_complete(set(titles), table):
            return
        only_materials = not (set(titles) & LOT_FIELDS)
        kept = [name for name in names if name]
        # the table's columns of a material's and of a lot's declaration
        self.material_names = [name for name in kept if name in MATERIAL_FIELDS]
        self.lot_names = [name for name in kept if name in LOT_DECLARATION]
        cells_of = _cells_of([i for i, name in enumerate(names) if name])
        # the cells that declare a row's material and lot: a row of a vial repeats its own's
        declaration_of = _cells_of([i for i, name in enumerate(names) if name in DECLARATION])
        self.repeated = None, None
        for number, cells in table.rows:
            if "\x00" in "".join(cells):
                self._nul(number, cells, table)
                continue
            values = {
                name: cell
                for name, cell in zip(kept, map(str.strip, cells_of(cells)), strict=True)
                if cell
            }
            self._row(
                Row(number, values.get("accession_number", ""), titles, values),
                only_materials,
                declaration_of(cells),
            )
            if len(self.batch) >= self.options.batch:
                self._flush_batch()
        self._flush_batch()

    def _nul(self, number: int, cells: list[str], table: Table) -> None:
        """A row with a NUL character (which no text in the database may hold), at each cell."""
        self.outcome.rows += 1
        for cell, header in zip(cells, table.header, strict=True):
            if "\x00" in cell:
                self.report.add(
                    number,
                    table.titles.get(header, header),
                    cell.replace("\x00", "\\x00"),
                    "The cell holds a NUL character (\\x00), which no text may hold; the row is "
                    "left out.",
                )

    def _header_complete(self, present: set[str], table: Table) -> bool:
        required = {"accession_number"}
        if present & (MATERIAL_FIELDS - {"accession_number"}):  # numbers drawn when left out
            required = {"designation", "taxon_name"}
        if present & LOT_DECLARATION:
            required |= {"lot", "method", "preserved_on"}
        if present & ITEM_FIELDS:
            required |= {"quantity", "unit", "form"} | (set() if present & LOT_NAMES else {"lot"})
        missing = sorted(required - present)
        hint = ""
        if len(table.header) == 1:
            hint = " (the header was read as one column: is the delimiter right?)"
        for name in missing:
            self.report.add(1, name, None, f"Missing required column {name}{hint}.")
        if present == {"accession_number"}:
            self.report.add(1, None, None, "Nothing to import besides accession numbers.")
            return False
        return not missing

    def _row(self, row: Row, only_materials: bool, declaration: tuple[str, ...]) -> None:
        self.outcome.rows += 1
        if not row.accession and not self._drawn(row):
            return
        given = row.values.keys()
        last, lot = self.repeated
        if lot is not None and declaration == last:
            row.lot = lot  # declared as in the row before, which found them fine
        else:
            if not given.isdisjoint(DECLARING):
                self._material(row, only_materials)
            if not given.isdisjoint(LOT_FIELDS):
                self._lot(row)
            fine = row.ok and row.lot is not None and not row.accession.startswith(DRAWN)
            self.repeated = (declaration, row.lot) if fine else (None, None)
        if not given.isdisjoint(ITEM_FIELDS):
            self._item(row)
        self.batch.append(row)

    def _drawn(self, row: Row) -> bool:
        """A row without an accession number declares a new material of its own, whose number
        the write pass draws from the collection's pattern (as registering one does)."""
        if "existing_lot" in row.values:
            self._problem(
                row,
                "accession_number",
                "Give the accession number of the material whose stored lot (existing_lot) the "
                "item joins.",
            )
            return False
        if row.values.keys().isdisjoint(DECLARING):
            self._problem(
                row,
                "accession_number",
                "An accession number is required, unless the row declares a new material "
                "(designation, taxon_name…): its number is then drawn from the collection's "
                "pattern.",
            )
            return False
        self.drawn += 1
        row.accession = drawn_key(self.drawn, row.number)
        return True

    def _matching(self, query: Select, column: Any, values: Iterable) -> Iterator[Any]:
        """The rows of `query` whose `column` is one of `values` (ids or texts, which `one_of`
        binds as one parameter), a batch's worth at a time."""
        for chunk in chunked(sorted(set(values)), self.options.batch):
            yield from self.session.execute(query.where(one_of(column, chunk, self.dialect)))

    def _problem(self, row: Row, name: str | None, message: str) -> None:
        row.ok = False
        title = row.titles.get(name, name) if name else None
        self.report.add(row.number, title, row.values.get(name) if name else None, message)

    def _misfit(self, row: Row, misfit: Misfit) -> None:
        """A row's item that cannot go where the row sends it (its `box`, or its position)."""
        self._problem(row, "box" if misfit.field == "container" else misfit.field, misfit.message)

    def _errors(self, row: Row, messages: Any, renamed: dict[str, str] | None = None) -> None:
        row.ok = False
        renamed = renamed or {}
        titles = {field: row.titles.get(renamed.get(field, field), field) for field in messages}
        values = {field: row.values.get(renamed.get(field, field)) for field in messages}
        self.report.add_errors(row.number, messages, titles, values)

    def _material(self, row: Row, only_materials: bool) -> None:
        given = row.values
        values = {k: given[k] for k in self.material_names if k in given}
        values.setdefault("kind", self.default_kind)
        first = self.declared.material(row.accession)
        if first is not None:
            if only_materials or not self._as_declared(first, values):
                what = "listed twice" if only_materials else "declared again with other values"
                self._problem(
                    row, "accession_number", f"Accession {what} (first at row {first.row})."
                )
            return
        schema = KIND_SCHEMAS.get(values["kind"])
        data: dict[str, Any] = {}
        for name, text in values.items():
            target = schema._declared_fields.get(name) if schema else None
            try:
                data[name] = columns.cell_value(target, text) if target else text
            except ValueError as error:
                self._problem(row, name, str(error))
        try:
            loaded = load_material(data)
        except ValidationFailed as error:
            self._errors(row, error.errors)
            loaded = None
        ref = MaterialRef(
            row.number,
            _signature(values),
            loaded,
            kind=MaterialKind(values["kind"]) if loaded else None,
        )
        self.declared.add_material(row.accession, ref)
        self.agreed[MaterialRef] = ref, values
        if loaded is not None and row.ok:
            row.material = ref
            row.donor = loaded.get("donor")

    def _lot(self, row: Row) -> None:
        given = row.values
        key = given.get("lot")
        declared = {k: given[k] for k in self.lot_names if k in given}
        if "existing_lot" in given:
            if key or declared:
                self._problem(
                    row,
                    "existing_lot",
                    "Give either a new lot (lot, method, preserved_on…) or the number of a "
                    "stored one (existing_lot), not both.",
                )
                return
            self._stored_lot(row, row.values["existing_lot"])
            return
        if not key:
            self._problem(row, "lot", "Name the lot (the `lot` column).")
            return
        material = self.declared.material(row.accession)
        if material is None:  # an existing material: looked up with the batch
            material = self.declared.add_material(row.accession, MaterialRef(row.number))
        lot = self.declared.lot(row.accession, key)
        if lot is not None:
            if declared and not self._as_declared(lot, declared):
                self._problem(
                    row, "lot", f"Lot declared again with other values (first at row {lot.row})."
                )
                return
            row.lot = lot
            return
        if not declared:
            self._problem(
                row,
                "lot",
                f"Lot {key} of {shown(row.accession)} is not declared: give its method and "
                "preserved_on in this row or an earlier one.",
            )
            return
        fields, errors = _lot_fields(tuple(sorted(declared.items())))
        if fields is None:
            self._errors(row, errors, {"remarks": "lot_remarks"})
            return
        lot = LotRef(row.number, material, _signature(declared), fields["method"], fields)
        self.declared.add_lot(row.accession, key, lot)
        self.agreed[LotRef] = lot, declared
        self.outcome.lots += 1
        row.lot = lot

    def _as_declared(self, ref: MaterialRef | LotRef, values: dict[str, str]) -> bool:
        """Whether a row gives a material or lot the values it was first declared with. The
        rows of one follow each other: the last values found agreeing are compared first,
        before a digest."""
        agreed = self.agreed.get(type(ref))
        if agreed is not None and agreed[0] is ref and agreed[1] == values:
            return True
        if _signature(values) != ref.signature:
            return False
        self.agreed[type(ref)] = ref, values
        return True

    def _stored_lot(self, row: Row, given: str) -> None:
        """A lot already in the database, by its material's accession and its number: looked
        up with the batch."""
        number = int(given) if given.isdigit() else 0
        if number < 1:
            self._problem(row, "existing_lot", "Give the lot's number (1, 2, …).")
            return
        lot = self.declared.lot(row.accession, f"#{number}")
        if lot is None:
            material = self.declared.material(row.accession)
            if material is None:
                material = self.declared.add_material(row.accession, MaterialRef(row.number))
            lot = LotRef(row.number, material, b"", None, number=number, stored=True)
            self.declared.add_lot(row.accession, f"#{number}", lot)
        row.lot = lot

    def _item(self, row: Row) -> None:
        values = row.values
        row.item, errors = _item_fields(
            values.get("quantity"), values.get("unit"), values.get("form")
        )
        if errors:
            self._errors(row, errors)
        lot = row.lot
        if lot is not None:
            lot.items += 1  # an invalid item still belongs to its lot
        if row.item is not None and lot is not None and not lot.stored:
            if lot.unit is None:
                lot.unit = row.item["unit"]
            elif lot.unit != row.item["unit"]:
                self._problem(row, "unit", f"The items of a lot share one unit ({lot.unit.value}).")
        if "barcode" in values:
            self._barcode(row, values["barcode"])
        if "box" in values:
            row.box = _box_code(values["box"])
            self._position(row)
        elif {"position", "row", "col"} & set(values):
            self._problem(row, "box", "A position needs its box.")

    def _barcode(self, row: Row, given: str) -> None:
        code = barcodes.normalise(given)
        if len(code) > 32 or "_" in code or "^" in code or "~" in code or not code.isascii():
            self._problem(row, "barcode", "Barcodes are 1-32 ASCII characters, no _ ^ ~.")
            return
        row.barcode = code

    def _position(self, row: Row) -> None:
        values = row.values
        if "position" in values:
            position = _position_of(values["position"])
            if position is None:
                self._problem(
                    row, "position", "Write a position as A1 (row letter, column) or 1:1."
                )
                return
        elif "row" in values or "col" in values:
            try:
                position = (int(values.get("row", "")), int(values.get("col", "")))
            except ValueError:
                self._problem(row, "row", "Give row and col as whole numbers.")
                row.box = None
                return
        else:
            return
        row.position = position

    # --- checking against the database, then preparing what to write ------------------------

    def _flush_batch(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        self._check_repeats(batch)
        self._look_up_materials(batch)
        self._look_up_lots(batch)
        self._look_up_boxes(batch)
        self._check_barcodes(batch)
        self._check_positions(batch)
        donors = self._look_up_donors(batch)
        for row in batch:
            self._check_row(row, donors)
        if self.report.ok and self.prepared is not None:
            self.prepared.add(batch, donors, self.boxes)
        for row in batch:
            if row.material is not None:
                row.material.data = None  # prepared, or (dry, or not to be written) not needed
        self.outcome.materials += sum(1 for r in batch if r.material is not None)
        self.outcome.items += sum(1 for r in batch if r.item is not None)
        if self.declared.settle():  # the refs in memory moved to the scratch database
            self.agreed.clear()
            self.repeated = None, None

    def _check_repeats(self, batch: list[Row]) -> None:
        """Barcodes and positions given twice in the import (also across batches)."""
        rows = {r.number: r for r in batch}
        barcodes_ = ((r.barcode, r.number) for r in batch if r.barcode)
        for number, first in self.seen.repeats("barcode", barcodes_).items():
            self._problem(rows[number], "barcode", f"Barcode listed twice (first at row {first}).")
            rows[number].barcode = None
        positions = (
            (f"{r.position[0]},{r.position[1]},{r.box}", r.number) for r in batch if r.position
        )
        for number, first in self.seen.repeats("position", positions).items():
            self._problem(
                rows[number],
                "position",
                f"Position given twice in the file (first at row {first}).",
            )
            rows[number].box = rows[number].position = None  # reported once

    def _look_up_materials(self, batch: list[Row]) -> None:
        wanted = {
            r.accession
            for r in batch
            if (r.material or r.lot) and not r.accession.startswith(DRAWN)
        }
        ours = select(Material.accession_number, Material.id, Material.kind).where(
            Material.collection_id == self.collection.id
        )
        found = {
            number: (id_, kind)
            for number, id_, kind in self._matching(ours, Material.accession_number, wanted)
        }
        for row in batch:
            ref = self.declared.material(row.accession)
            if row.material is not None and row.accession in found:
                self._problem(
                    row, "accession_number", f"Accession already in {self.collection.code}."
                )
            elif ref is not None and not ref.signature and ref.id is None and row.lot:
                if row.accession in found:
                    ref.id, ref.kind = found[row.accession]
                else:
                    self._problem(
                        row,
                        "accession_number",
                        f"No material with this accession in {self.collection.code}, nor "
                        "declared earlier in the import.",
                    )

    def _look_up_lots(self, batch: list[Row]) -> None:
        """The stored lots the batch's rows name (existing_lot): their ids, method and unit."""
        wanted = {
            id(r.lot): r.lot
            for r in batch
            if r.lot and r.lot.stored and r.lot.id is None and r.lot.material.id is not None
        }
        found = {
            (material_id, number): (id_, method, unit)
            for id_, material_id, number, method, unit in self._matching(
                select(Lot.id, Lot.material_id, Lot.number, Lot.method, Lot.unit),
                Lot.material_id,
                (lot.material.id for lot in wanted.values()),
            )
        }
        for ref in wanted.values():
            if (ref.material.id, ref.number) in found:
                ref.id, ref.method, ref.unit = found[(ref.material.id, ref.number)]
        for row in batch:
            lot = row.lot
            if not (lot and lot.stored) or not row.ok:
                continue
            if lot.id is None or lot.unit is None:  # a stored lot has its unit
                self._problem(row, "existing_lot", f"{row.accession} has no lot {lot.number}.")
            elif row.item is not None and row.item["unit"] != lot.unit:
                self._problem(row, "unit", f"The items of a lot share one unit ({lot.unit.value}).")

    def _look_up_boxes(self, batch: list[Row]) -> None:
        wanted = {r.box for r in batch if r.box and r.box not in self.boxes}
        for (unit,) in self._matching(select(StorageUnit), StorageUnit.barcode, wanted):
            self.boxes[unit.barcode] = Box(
                unit.id,
                unit.barcode,
                unit.name,
                unit.kind,
                unit.rows,
                unit.cols,
                unit.size,
                unit.occupied,
            )
        for code in wanted:
            self.boxes.setdefault(code, None)

    def _check_barcodes(self, batch: list[Row]) -> None:
        wanted = (r.barcode for r in batch if r.barcode)
        taken = {code for (code,) in self._matching(select(Barcode.value), Barcode.value, wanted)}
        for row in batch:
            if row.barcode in taken:
                self._problem(row, "barcode", "Barcode already in use.")

    def _check_positions(self, batch: list[Row]) -> None:
        """Positions taken in the database, looked up box by box (a grid's items lead its
        unique index)."""
        keys: dict[tuple[int, int, int], tuple[Row, Box]] = {}
        for row in batch:
            box = self.boxes.get(row.box) if row.box else None
            if row.position and box is not None:
                keys[(box.id, *row.position)] = row, box
        placed = select(Item.barcode, Item.container_id, Item.row, Item.col).where(
            Item.row.is_not(None)
        )
        boxes = (box_id for box_id, _, _ in keys)
        for barcode, box_id, row_, col in self._matching(placed, Item.container_id, boxes):
            if (box_id, row_, col) in keys:
                row, box = keys[(box_id, row_, col)]
                self._misfit(row, occupied(box, row_, col, barcode))

    def _look_up_donors(self, batch: list[Row]) -> dict[str, int]:
        ours = select(Donor.code, Donor.id).where(Donor.collection_id == self.collection.id)
        return dict(self._matching(ours, Donor.code, (r.donor for r in batch if r.donor)))

    def _check_row(self, row: Row, donors: dict[str, int]) -> None:
        if row.donor and row.donor not in donors:
            self._problem(row, "donor", f"No donor with this code in {self.collection.code}.")
        lot = row.lot
        if lot is not None and lot.row == row.number and not lot.stored:
            kind, fields = lot.material.kind, lot.fields
            if kind is not None and fields is not None and (errors := lot_errors(kind, fields)):
                self._errors(row, errors)
        if row.box is None:
            return
        box = self.boxes.get(row.box)
        if box is None:
            self._problem(row, "box", "No storage unit with this barcode.")
            return
        r, c = row.position or (None, None)
        misfit = position_misfit(box, r, c)
        if misfit is not None:
            self._misfit(row, misfit)
            return
        self.incoming[box.id] += 1
        misfit = capacity_misfit(box, box.occupied, self.incoming[box.id])
        if misfit is not None:
            self._misfit(row, misfit)

    def close(self) -> None:
        self.scratch.close()

    def finish(self) -> Outcome:
        for accession, key, row, number, stored in self.declared.lots_without_items():
            name = number if stored else key
            self.report.add(row, "lot", key, f"Lot {name} of {shown(accession)} has no items.")
        return self.outcome


def _cells_of(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """The cells of a row at these places, as a tuple."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        index = indexes[0]
        return lambda cells: (cells[index],)
    return itemgetter(*indexes)


def _file_digest(path: str | Path) -> str | None:
    """The SHA-256 of a file's bytes (hex); None when it cannot be read (its reader says so)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _signature(values: dict[str, str]) -> bytes:
    """A digest of the values a material or lot was declared with, to tell a repeat from a
    redeclaration without keeping the values."""
    return hashlib.blake2b(repr(sorted(values.items())).encode(), digest_size=16).digest()


# the rows of a box follow each other: its code normalised once; a box's positions repeat
_box_code = lru_cache(maxsize=1024)(barcodes.normalise)
_position_of = lru_cache(maxsize=4096)(parse_position)


@lru_cache(maxsize=4096)
def _lot_fields(declared: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any] | None, dict | None]:
    """A lot's declared fields validated, or the errors: remembered, since the lots of a
    spreadsheet often share their method and date (the result is shared: not to be changed)."""
    data = {("remarks" if k == "lot_remarks" else k): v for k, v in declared}
    try:
        return _LOT_SCHEMA.load(data), None
    except ValidationError as error:
        return None, error.normalized_messages()


@lru_cache(maxsize=4096)
def _item_fields(
    quantity: str | None, unit: str | None, form: str | None
) -> tuple[dict[str, Any] | None, dict | None]:
    """An item's quantity, unit and form validated, or the errors: remembered, since the items
    of a spreadsheet repeat a handful of these (the result is shared: not to be changed)."""
    given = {"quantity": quantity, "unit": unit, "form": form}
    try:
        return _ITEM_SCHEMA.load({k: v for k, v in given.items() if v is not None}), None
    except ValidationError as error:
        return None, error.normalized_messages()
