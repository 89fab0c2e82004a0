"""Input of the item search: the filters (by material, lot, kind, collection, status, place,
position range, form, preservation, dates, QC result, quantity and text) and the sort, the
schema next to the command (a frozen dataclass) its load builds; and a saved search, a name
and those filters. The command is what the search pages, the API and batch work share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, post_load, validate, validates_schema

from ..models.storage import parse_position, position_label
from ..vocabulary import (
    ItemForm,
    ItemStatus,
    MaterialKind,
    PreservationMethod,
    QcOutcome,
    Unit,
)
from .fields import Date, Entries, Integer, StrictSchema, one_of, text

Position = tuple[int, int]  # (row, col) of a box
LARGEST_GRID = 50  # rows and columns of the largest box (storage_units' grid_size check)
LARGEST_QUANTITY = Decimal(10) ** 12
SORTS = (
    "barcode",
    "accession_number",
    "preserved_on",
    "location",
    "created_at",
    "status",
    "quantity",
)  # each also descending, with a leading -
SORT_CHOICES = tuple(f"{d}{s}" for s in SORTS for d in ("", "-"))
# The pairs of bounds: (from, to) of dates and quantities, in the order a range is written.
RANGES = (
    ("position_from", "position_to"),
    ("preserved_from", "preserved_to"),
    ("last_event_from", "last_event_to"),
    ("qc_from", "qc_to"),
    ("quantity_min", "quantity_max"),
)


def printable(value: str) -> None:
    """No control characters (a scanner's prefix, a NUL that PostgreSQL text cannot hold)."""
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        raise ValidationError(f"The text holds a control character (U+{ord(bad):04X}).")


def quantity_bound(value: Decimal) -> None:
    """A quantity an item can have: from 0 to 10^12 (a function, not a Range, so that no
    Decimal lands in the OpenAPI document)."""
    if not 0 <= value <= LARGEST_QUANTITY:
        raise ValidationError("Between 0 and 1000000000000.")


class PositionLabel(fields.String):
    """A box position as the grid names it (B3; 27:1 past row Z; 2:3 and 2/3 too), loaded as
    (row, col) and written back as the grid names it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        given = super()._deserialize(value, attr, data, **kwargs)
        if len(given) > 16:
            raise ValidationError("Longer than maximum length 16.")
        found = parse_position(given)
        if found is None:
            raise ValidationError("Write a position as the grid names it, e.g. B3 (or 27:1).")
        if not (1 <= found[0] <= LARGEST_GRID and 1 <= found[1] <= LARGEST_GRID):
            raise ValidationError(f"Boxes have at most {LARGEST_GRID} rows and columns.")
        return found

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else position_label(*value)


def choices(enum_cls: type[StrEnum]) -> Entries:
    """Any of a vocabulary's values (in a query string: the parameter repeated)."""
    return Entries(one_of(enum_cls), most=len(enum_cls))


class ItemQuery(StrictSchema):
    """The filters of an item search (all optional; given together, an item matches them
    all) and its sort."""

    q = text(
        200,
        also=printable,
        metadata={
            "description": "A whole barcode, or text in the accession number, other "
            "identifiers, designation or taxon (`%` and `_` are plain characters)."
        },
    )
    material = text(
        64, also=printable, metadata={"description": "The material's accession number."}
    )
    lot = Integer(
        validate=validate.Range(min=1),
        metadata={"description": "The lot's number (of the material given)."},
    )
    kind = choices(MaterialKind)
    collection = text(32, also=printable, metadata={"description": "The collection's code."})
    status = choices(ItemStatus)
    container = text(
        64,
        also=printable,
        metadata={"description": "A unit's barcode: the items in it and in every unit under it."},
    )
    position_from = PositionLabel(metadata={"description": "First position (e.g. A1)."})
    position_to = PositionLabel(
        metadata={"description": "Last position (e.g. C9), row by row as a box is filled."}
    )
    form = choices(ItemForm)
    method = choices(PreservationMethod)
    preserved_from = Date()
    preserved_to = Date()
    last_event_from = Date(metadata={"description": "The item's latest event on or after."})
    last_event_to = Date(metadata={"description": "The item's latest event on or before."})
    qc_from = Date(metadata={"description": "The latest QC of the item (or its lot) from."})
    qc_to = Date(metadata={"description": "The latest QC of the item (or its lot) until."})
    qc_result = Entries(
        one_of(QcOutcome),
        most=len(QcOutcome),
        metadata={"description": "The outcome of the latest QC of the item (or its lot)."},
    )
    quantity_min = fields.Decimal(places=6, validate=quantity_bound, as_string=True)
    quantity_max = fields.Decimal(places=6, validate=quantity_bound, as_string=True)
    unit = choices(Unit)
    sort = fields.String(validate=validate.OneOf(SORT_CHOICES))

    @validates_schema
    def _ranges(self, data: dict, **_: Any) -> None:
        problems: dict[str, list[str]] = {}
        for low, high in RANGES:
            if low in data and high in data and data[low] > data[high]:
                problems[high] = [f"The range ends before it starts: {low} comes after it."]
        if "lot" in data and "material" not in data:
            problems["lot"] = ["A lot number is the lot of a material: give the material too."]
        if problems:
            raise ValidationError(problems)

    @post_load
    def _command(self, data: dict, **_: Any) -> ItemSearch:
        given: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return ItemSearch(**given)

    def canonical(self, search: ItemSearch) -> dict[str, Any]:
        """The filters and sort a search was given, as this schema reads them (stored as a
        saved search's query)."""
        dumped = self.dump(search)
        return {k: v for k, v in dumped.items() if v not in (None, [], ())}


@dataclass(frozen=True, kw_only=True)
class ItemSearch:
    """Which items, in which order. Empty filters match everything the asker sees; `saved`
    names a saved search of the asker's to run instead of the filters (the sort may differ)."""

    q: str | None = None
    material: str | None = None  # accession number
    lot: int | None = None  # its number, of the material
    kind: tuple[MaterialKind, ...] = ()
    collection: str | None = None  # code
    status: tuple[ItemStatus, ...] = ()
    container: str | None = None  # barcode: the unit and everything under it
    position_from: Position | None = None
    position_to: Position | None = None
    form: tuple[ItemForm, ...] = ()
    method: tuple[PreservationMethod, ...] = ()
    preserved_from: date | None = None
    preserved_to: date | None = None
    last_event_from: date | None = None
    last_event_to: date | None = None
    qc_from: date | None = None
    qc_to: date | None = None
    qc_result: tuple[QcOutcome, ...] = ()
    quantity_min: Decimal | None = None
    quantity_max: Decimal | None = None
    unit: tuple[Unit, ...] = ()
    sort: str | None = None  # one of SORT_CHOICES; None: by barcode (or as saved)
    saved: int | None = None

    @property
    def order(self) -> str:
        return self.sort or SORTS[0]


class ItemSearchQuery(ItemQuery):
    """The item search as a query string: the filters, or a saved search (`saved`) with an
    optional sort; `page` and `page_size` are the pagination's. Any other parameter is
    refused, so that a mistyped filter never silently widens the search."""

    class Meta:
        unknown = EXCLUDE  # the pagination's parameters pass; any other is refused below

    PAGING = frozenset({"page", "page_size"})
    saved = Integer(
        validate=validate.Range(min=1),
        metadata={"description": "Run a saved search of yours (its id) instead of filters."},
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _only_known(self, data: dict, original: Any, **_: Any) -> None:
        if not isinstance(original, Mapping):  # not an object (nested): its type error says so
            return
        unknown = sorted(set(original.keys()) - set(self.fields) - self.PAGING)
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        saved_alone(original)


def saved_alone(original: Any) -> None:
    """A saved search (`saved`) runs with its own filters: none may be given beside it."""
    if not isinstance(original, Mapping):  # not an object: its field errors say so
        return
    given = sorted(set(original.keys()) & set(ItemQuery._declared_fields) - {"sort"})
    if "saved" in original and given:
        raise ValidationError(
            {"saved": [f"A saved search runs with its own filters; drop {', '.join(given)}."]}
        )


class ItemSearchIn(ItemQuery):
    """The item search in a JSON body (batch work): the filters, or a saved search of the
    asker's (`saved`) instead."""

    saved = Integer(
        validate=validate.Range(min=1),
        metadata={"description": "A saved search of yours (its id) instead of filters."},
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _saved_alone(self, data: dict, original: Any, **_: Any) -> None:
        saved_alone(original)


class SavedSearchIn(StrictSchema):
    name = text(
        100,
        required=True,
        also=validate.Regexp(r"\s*\S", error="Name the search."),
    )
    query = fields.Nested(ItemQuery, required=True)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewSavedSearch:
        return NewSavedSearch(name=data["name"].strip(), search=data["query"])


@dataclass(frozen=True, kw_only=True)
class NewSavedSearch:
    """A search to keep under a name of its owner's."""

    name: str
    search: ItemSearch
