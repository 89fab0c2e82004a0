"""Input of a batch edit of items: which items (an item search, or a saved one) and the
changes to set on each (status, quantity, with a note), or a sheet of changes keyed by barcode;
whether refused items are left out; the page of the preview. The commands its loads build are
what the API, the page and the sheet share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..vocabulary import EDITABLE_STATUSES, ItemStatus
from .fields import Boolean, Integer, StrictSchema, one_of, text
from .search import ItemSearch, ItemSearchIn, printable, quantity_bound

PAGE_SIZE = 50  # preview rows a page, unless asked
LARGEST_PAGE = 500


@dataclass(frozen=True, kw_only=True)
class Changes:
    """What a batch sets on an item: a status (found, missing or destroyed), a lower quantity
    (used; none left, the item is consumed), and the note of the events (the reason of a
    destruction)."""

    status: ItemStatus | None = None
    quantity: Decimal | None = None
    note: str | None = None


def editable(value: ItemStatus) -> None:
    """A status an edit sets (the words of the vocabulary's other statuses are not offered)."""
    if value not in EDITABLE_STATUSES:
        raise ValidationError("An edit makes an item available (found), missing or destroyed.")


class ChangesIn(StrictSchema):
    """The changes of a batch edit (each row of a sheet is read by this schema too)."""

    status = one_of(
        ItemStatus,
        validate=editable,
        metadata={"description": "available (a missing item found), missing or destroyed."},
    )
    quantity = fields.Decimal(
        places=6,
        validate=quantity_bound,
        as_string=True,
        metadata={"description": "The quantity left (lower than now: the rest is used)."},
    )
    note = text(
        5000,
        also=printable,
        metadata={"description": "Kept with each event; the reason of a destruction."},
    )

    @validates_schema
    def _something(self, data: dict, **_: Any) -> None:
        if data.get("status") is None and data.get("quantity") is None:
            raise ValidationError({"status": ["Say what to change: a status or a quantity."]})

    @post_load
    def _command(self, data: dict, **_: Any) -> Changes:
        return Changes(**data)


@dataclass(frozen=True, kw_only=True)
class BatchEdit:
    """A batch edit of the items a search matches: the changes, whether items that cannot take
    them are left out (otherwise one refusal refuses the batch), and which page of the
    preview to show."""

    search: ItemSearch
    changes: Changes
    skip_refused: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE


class BatchEditIn(StrictSchema):
    search = fields.Nested(ItemSearchIn, required=True)
    changes = fields.Nested(ChangesIn, required=True)
    skip_refused = Boolean(
        load_default=False,
        metadata={"description": "Leave out the items that cannot take the changes."},
    )
    page = Integer(validate=validate.Range(min=1, max=100_000), load_default=1)
    page_size = Integer(validate=validate.Range(min=1, max=LARGEST_PAGE), load_default=PAGE_SIZE)

    @post_load
    def _command(self, data: dict, **_: Any) -> BatchEdit:
        return BatchEdit(**data)


@dataclass(frozen=True, kw_only=True)
class Undo:
    """Undo a batch: all of it (refused if any item changed since), or only the items that did
    not change since (`only_unchanged`)."""

    only_unchanged: bool = False


class UndoIn(StrictSchema):
    only_unchanged = Boolean(
        load_default=False,
        metadata={"description": "Undo the items not changed since and leave the others."},
    )

    @post_load
    def _command(self, data: dict, **_: Any) -> Undo:
        return Undo(**data)
