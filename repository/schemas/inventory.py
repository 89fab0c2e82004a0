"""Input of inventory: lots, items, positions, storage units and QC results, each schema
next to the command (a frozen dataclass) its load builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from ..vocabulary import (
    CellBankTier,
    ItemForm,
    PreservationMethod,
    QcOutcome,
    QcTest,
    Sex,
    StorageKind,
    Unit,
)
from .fields import Date, Integer, StrictSchema, one_of, pattern, positive, text

Position = tuple[int, int]  # (row, col) of a box


class PositionSchema(StrictSchema):
    row = Integer(required=True, validate=validate.Range(min=1))
    col = Integer(required=True, validate=validate.Range(min=1))

    @post_load
    def _command(self, data: dict, **_: Any) -> Position:
        return data["row"], data["col"]


class AnimalSchema(StrictSchema):
    sex = one_of(Sex, required=True)
    birth_date = Date()
    ear_tag = text(32)
    sire = text(32)  # barcode of the father
    dam = text(32)  # barcode of the mother
    protocol = text(64)  # number of the welfare protocol it is made under

    @post_load
    def _command(self, data: dict, **_: Any) -> NewAnimal:
        return NewAnimal(**data)


@dataclass(frozen=True, kw_only=True)
class NewAnimal:
    """The animal an item of a new live lot is."""

    sex: Sex
    birth_date: date | None = None
    ear_tag: str | None = None
    sire: str | None = None  # barcode of the father
    dam: str | None = None  # barcode of the mother
    protocol: str | None = None  # number of the welfare protocol it is made under


class LotSchema(StrictSchema):
    method = one_of(PreservationMethod, required=True)
    preserved_on = Date(required=True)
    passage_number = Integer(validate=validate.Range(min=0, max=10_000))
    generation = fields.String(
        validate=pattern(r"^[A-Za-z0-9+/.-]{1,16}$", "a generation such as F2 or N10F3")
    )
    regeneration_cycle = Integer(validate=validate.Range(min=0, max=1000))
    tier = one_of(CellBankTier)
    items = Integer(required=True, validate=validate.Range(min=1, max=10_000))
    quantity = fields.Decimal(required=True, places=6, validate=positive)
    unit = one_of(Unit, required=True)
    form = one_of(ItemForm, required=True)
    remarks = text(5000)
    animals = fields.List(fields.Nested(AnimalSchema))

    @validates_schema(skip_on_field_errors=False)
    def _one_animal_per_item(self, data: dict, **_: Any) -> None:
        if "animals" in data and len(data["animals"]) != data.get("items"):
            raise ValidationError("Describe one animal per item.", "animals")

    @post_load
    def _command(self, data: dict, **_: Any) -> NewLot | dict:
        if self.only is not None:  # a part of a lot (the bulk importer's rows): plain fields
            return data
        return NewLot(**{**data, "animals": tuple(data.get("animals", ()))})


@dataclass(frozen=True, kw_only=True)
class NewLot:
    """A lot of `items` items of `quantity` `unit` each, to preserve."""

    method: PreservationMethod
    preserved_on: date
    items: int
    quantity: Decimal
    unit: Unit
    form: ItemForm
    passage_number: int | None = None
    generation: str | None = None
    regeneration_cycle: int | None = None
    tier: CellBankTier | None = None  # of a cell line's lot: master or working cell bank
    remarks: str | None = None
    animals: tuple[NewAnimal, ...] = ()  # one per item, for a live lot


class LotIn(LotSchema):
    """A lot of a material, optionally placed in a container."""

    material_id = Integer(required=True)
    container = fields.String(validate=validate.Length(min=1, max=32))
    positions = fields.List(fields.Nested(PositionSchema))

    @post_load
    def _command(self, data: dict, **_: Any) -> PreserveLot:
        material_id, container = data.pop("material_id"), data.pop("container", None)
        positions = tuple(data.pop("positions", ())) or None
        lot = super()._command(data)
        return PreserveLot(
            material_id=material_id, lot=lot, container=container, positions=positions
        )


@dataclass(frozen=True, kw_only=True)
class PreserveLot:
    """Preserve a lot of a material; with a container (a barcode), place its items there: at
    the given positions, or the first free ones."""

    material_id: int
    lot: NewLot
    container: str | None = None
    positions: tuple[Position, ...] | None = None


class PassageIn(LotSchema):
    """A cell line's next lot, and the thawed vial it grew from; beyond the cell line's
    passage limit, the reason to passage it anyway."""

    method = one_of(PreservationMethod)  # default: the parent lot's
    passage_number = Integer(dump_only=True)
    source = fields.String(validate=validate.Length(min=1, max=32))
    override_reason = text(
        500, also=validate.Regexp(r"\s*\S", error="Say why the passage limit is overridden.")
    )

    @post_load
    def _command(self, data: dict, **_: Any) -> Passage:
        return Passage(**{**data, "animals": tuple(data.get("animals", ()))})


@dataclass(frozen=True, kw_only=True)
class Passage:
    """Passage a cell line: a new lot at the parent's passage + 1, in the parent's method
    unless another is given; the `source` vial (a barcode), if named, is used up. Beyond the
    cell line's passage limit it needs `override_reason`; a working cell bank lot (`tier`)
    comes from a master cell bank lot."""

    preserved_on: date
    items: int
    quantity: Decimal
    unit: Unit
    form: ItemForm
    method: PreservationMethod | None = None
    generation: str | None = None
    regeneration_cycle: int | None = None
    tier: CellBankTier | None = None
    remarks: str | None = None
    animals: tuple[NewAnimal, ...] = ()
    source: str | None = None
    override_reason: str | None = None


class ItemsSchema(StrictSchema):
    """New items cut from a parent: aliquots, or derivatives (with their own lot method)."""

    count = Integer(required=True, validate=validate.Range(min=1, max=1000))
    quantity = fields.Decimal(required=True, places=6, validate=positive)
    unit = one_of(Unit)
    form = one_of(ItemForm)
    taken = fields.Decimal(places=6, validate=positive)
    method = one_of(PreservationMethod)
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewItems:
        return NewItems(**data)


@dataclass(frozen=True, kw_only=True)
class NewItems:
    """Cut `count` items of `quantity` each from a parent item: aliquots (same lot and unit),
    or with `method` derivatives (a new lot; `taken` says how much of the parent they used)."""

    count: int
    quantity: Decimal
    unit: Unit | None = None  # default: the parent's
    form: ItemForm | None = None  # default: the parent's
    taken: Decimal | None = None  # default for aliquots: count x quantity
    method: PreservationMethod | None = None
    note: str | None = None


class StorageUnitSchema(StrictSchema):
    kind = one_of(StorageKind, required=True)
    name = text(100, required=True, also=validate.Length(min=1, max=100))
    slot = Integer(validate=validate.Range(min=1, max=10_000))
    rows = Integer(validate=validate.Range(1, 50))
    cols = Integer(validate=validate.Range(1, 50))
    capacity = Integer(validate=validate.Range(min=0, max=1_000_000))
    temperature_c = fields.Float(validate=validate.Range(-273, 100))
    description = text(500)
    barcode = text(32)

    @validates_schema
    def _grid(self, data: dict, **_: Any) -> None:
        is_box = data.get("kind") == StorageKind.BOX
        has_grid = "rows" in data and "cols" in data
        if is_box and not has_grid:
            raise ValidationError("A box needs rows and cols.", "rows")
        if not is_box and ("rows" in data or "cols" in data):
            raise ValidationError("Only boxes have a grid.", "rows")

    @post_load
    def _command(self, data: dict, **_: Any) -> NewUnit:
        return NewUnit(**data)


class UnitIn(StorageUnitSchema):
    """A storage unit under its parent."""

    parent = fields.String(validate=validate.Length(min=1, max=32))


@dataclass(frozen=True, kw_only=True)
class NewUnit:
    """A storage unit under `parent` (a barcode; none for a site), with the given barcode or
    a new one."""

    kind: StorageKind
    name: str
    parent: str | None = None
    slot: int | None = None  # default: after the parent's last
    rows: int | None = None
    cols: int | None = None
    capacity: int | None = None
    temperature_c: float | None = None
    description: str | None = None
    barcode: str | None = None


class QcSchema(StrictSchema):
    test = one_of(QcTest, required=True)
    outcome = one_of(QcOutcome, required=True)
    value = fields.Float()
    value_unit = text(16)
    method = text()
    tested_on = Date(required=True)
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewQc:
        return NewQc(**data)


@dataclass(frozen=True, kw_only=True)
class NewQc:
    """A QC or viability result of a lot (post-thaw viability, germination, mycoplasma...)."""

    test: QcTest
    outcome: QcOutcome
    tested_on: date
    value: float | None = None
    value_unit: str | None = None
    method: str | None = None
    note: str | None = None


class NoteIn(Schema):
    note = fields.String(validate=validate.Length(max=5000))

    @post_load
    def _command(self, data: dict, **_: Any) -> Note:
        return Note(**data)


@dataclass(frozen=True, kw_only=True)
class Note:
    """A change of an item's status (missing) that needs nothing but an optional note."""

    note: str | None = None


class TubeCodeIn(StrictSchema):
    """A code a tube carries besides its barcode (its maker's, read by a rack scanner)."""

    code = text(64, required=True, also=validate.Length(min=1, max=64))
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> AttachTubeCode:
        return AttachTubeCode(**data)


@dataclass(frozen=True, kw_only=True)
class AttachTubeCode:
    """Attach a tube code to an item (one per item), with a note for its history."""

    code: str
    note: str | None = None


class RackLotIn(LotSchema):
    """A new lot of a material for the tubes of a rack file not known yet: as many items as
    those tubes (so no `items`), each at the position it was read, its code its tube code."""

    class Meta:
        exclude = ("items", "animals")

    material_id = Integer(required=True)
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> RackLot | dict:
        if self.partial:  # a form read before its permission is checked: the fields given
            return data
        return rack_lot(data)


def rack_lot(data: dict[str, Any]) -> RackLot:
    """The command of RackLotIn's fields (checked complete)."""
    data = dict(data)
    material_id, note = data.pop("material_id"), data.pop("note", None)
    return RackLot(material_id=material_id, lot=data, note=note)


@dataclass(frozen=True, kw_only=True)
class RackLot:
    """Register a rack's unknown tubes as a new lot of `material_id` (`lot`: the fields of a
    NewLot but its item count, which is the number of those tubes)."""

    material_id: int
    lot: dict[str, Any]
    note: str | None = None


class ReleaseIn(StrictSchema):
    reason = text(
        500,
        required=True,
        also=validate.Regexp(r"\s*\S", error="Say why the quarantine is lifted."),
    )

    @post_load
    def _command(self, data: dict, **_: Any) -> Release:
        return Release(**data)


@dataclass(frozen=True, kw_only=True)
class Release:
    """Lift a lot's quarantine, with the curator's reason (a retest passed, a profile checked)."""

    reason: str


class ConsumeIn(NoteIn):
    quantity = fields.Decimal(places=6, validate=positive)

    @post_load
    def _command(self, data: dict, **_: Any) -> Consume:
        return Consume(**data)


@dataclass(frozen=True, kw_only=True)
class Consume:
    """Use up `quantity` of an item, or all of it."""

    quantity: Decimal | None = None
    note: str | None = None


class DestroyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))

    @post_load
    def _command(self, data: dict, **_: Any) -> Destroy:
        return Destroy(**data)


@dataclass(frozen=True, kw_only=True)
class Destroy:
    """Destroy an item, for a reason."""

    reason: str


class FoundIn(NoteIn):
    container = fields.String(validate=validate.Length(min=1, max=32))
    row = Integer(validate=validate.Range(min=1))
    col = Integer(validate=validate.Range(min=1))

    @post_load
    def _command(self, data: dict, **_: Any) -> Found:
        return Found(**data)


@dataclass(frozen=True, kw_only=True)
class Found:
    """A missing item is found; with a container (a barcode), it goes back there (at row and
    col of a box)."""

    container: str | None = None
    row: int | None = None
    col: int | None = None
    note: str | None = None


class MoveIn(Schema):
    items = fields.List(
        fields.String(required=True, validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=1, max=1000),
    )
    container = fields.String(required=True, validate=validate.Length(min=1, max=32))
    positions = fields.List(fields.Nested(PositionSchema))
    note = fields.String(validate=validate.Length(max=5000))

    @post_load
    def _command(self, data: dict, **_: Any) -> MoveItems:
        positions = tuple(data.pop("positions")) if "positions" in data else None
        return MoveItems(**{**data, "items": tuple(data["items"]), "positions": positions})


@dataclass(frozen=True, kw_only=True)
class MoveItems:
    """Place or move items (barcodes) into a container: at the given positions (one per
    item), at the free ones of a box from `start` on, or the first free ones."""

    items: tuple[str, ...]
    container: str
    positions: tuple[Position, ...] | None = None
    start: Position | None = None
    note: str | None = None
