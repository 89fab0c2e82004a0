"""Batch edits of items over HTTP: preview, commit, read and undo a batch."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, validate
from werkzeug.datastructures import FileStorage

from api.schemas.batch_edits import BatchOut, BatchViewOut, PreviewOut
from repository.errors import ValidationFailed
from repository.exchange.batch_sheets import ITEMS, SHEET_FILE, Sheet, SheetForm, read_sheet
from repository.models import ItemBatch
from repository.schemas.batch_edits import (
    LARGEST_PAGE,
    PAGE_SIZE,
    BatchEdit,
    BatchEditIn,
    Undo,
    UndoIn,
)
from repository.schemas.fields import Boolean, Integer
from repository.services import batch_edits, batch_engine
from repository.services.batch_edits import BatchView, Preview

from ..context import database, page
from ..policy import Permission, require
from .exchange import UploadBlueprint

blp = UploadBlueprint(
    "batch_edits",
    __name__,
    url_prefix="/api/v1/items/batch-edits",
    description="Batch edits of items: preview, commit and undo.",
)


class PageQuery(Schema):
    page = Integer(validate=validate.Range(min=1, max=100_000), load_default=1)
    page_size = Integer(validate=validate.Range(min=1, max=LARGEST_PAGE), load_default=PAGE_SIZE)


@blp.post("/preview")
@blp.arguments(BatchEditIn)
@blp.response(200, PreviewOut)
def preview(command: BatchEdit) -> Preview:
    """What setting `changes` (a status — available for a missing item found, missing,
    destroyed — and/or a lower quantity, with a note) on every item the `search` matches (or a
    saved search of yours) would do, by the rules of a single edit: the counts updated /
    unchanged / refused, and one page of the items (refused first) with their values before
    and after, or why each is refused. Nothing is written. Staff."""
    who = require(Permission.INVENTORY_WRITE)
    return batch_edits.preview(database(), who, command)


@blp.post("")
@blp.arguments(BatchEditIn)
@blp.response(201, BatchOut)
def commit(command: BatchEdit) -> ItemBatch:
    """Apply a batch edit in one transaction: every item changed with the events and audit of
    a single edit, and the batch recorded (who, when, the search and the SHA-256 of it and the
    changes, the counts) with each item's values before and after. Refused with a 422 naming
    each item that cannot take the changes (nothing written), unless `skip_refused`. Staff."""
    who = require(Permission.INVENTORY_WRITE)
    return batch_edits.commit(database(), who, command)


class ChangesSheetIn(PageQuery):
    """A sheet of changes (CSV: a header naming `barcode` and any of `status`, `quantity`,
    `note`; a line per item). Not required by the schema, so that a refusal of the permission
    comes first."""

    file = Upload()
    skip_refused = Boolean(load_default=False)


def sheet_of(upload: FileStorage | None, form: SheetForm = ITEMS) -> Sheet:
    """The sheet an upload holds (read up to one byte past the limit, which says it is past
    it); every problem of it is a 422 naming its line."""
    if upload is None:
        raise ValidationFailed({"file": ["Give the sheet of changes (file)."]})
    return read_sheet(upload.read(SHEET_FILE + 1), form)


@blp.post("/sheet/preview")
@blp.arguments(ChangesSheetIn, location="files")
@blp.response(200, PreviewOut)
def preview_sheet(form: dict) -> Preview:
    """What a sheet of changes would do, line by line, by the rules of a single edit: the
    counts and one page of the items (refused first: a code of no item, a change the item
    cannot take). A bad sheet (an unknown column, a bad value, an item twice, a formula for a
    code, too large) is a 422 naming each line. Nothing is written. Staff."""
    who = require(Permission.INVENTORY_WRITE)
    sheet = sheet_of(form.get("file"))
    return batch_edits.preview_sheet(database(), who, sheet, form["page"], form["page_size"])


@blp.post("/sheet")
@blp.arguments(ChangesSheetIn, location="files")
@blp.response(201, BatchOut)
def commit_sheet(form: dict) -> ItemBatch:
    """Apply a sheet of changes in one transaction, as a batch (its SHA-256 kept); refused
    with a 422 naming each line that cannot be applied, unless `skip_refused`. Staff."""
    who = require(Permission.INVENTORY_WRITE)
    sheet = sheet_of(form.get("file"))
    return batch_edits.commit_sheet(database(), who, sheet, form["skip_refused"])


@blp.get("")
@blp.response(200, BatchOut(many=True))
@blp.paginate()
def list_batches(pagination_parameters) -> list[ItemBatch]:
    """The batch edits, newest first (paginated). Staff."""
    require(Permission.INVENTORY_READ)
    return page(batch_engine.batches(batch_edits.KIND), pagination_parameters)


@blp.get("/<id:batch_id>")
@blp.arguments(PageQuery, location="query")
@blp.response(200, BatchViewOut)
def get_batch(query: dict, batch_id: int) -> BatchView:
    """A batch edit, how many of its items changed since, and a page of its items (values
    before and after, whether each changed since or was undone). Staff."""
    who = require(Permission.INVENTORY_READ)
    return batch_edits.view(database(), who, batch_id, query["page"], query["page_size"])


@blp.post("/<id:batch_id>/undo")
@blp.arguments(UndoIn)
@blp.response(200, BatchOut)
def undo(command: Undo, batch_id: int) -> ItemBatch:
    """Undo a batch edit in one transaction: every item back to its status, quantity and place
    before it. Refused with a 409 naming the items changed since (or whose place is taken),
    unless `only_unchanged`, which undoes the others. Staff."""
    who = require(Permission.INVENTORY_WRITE)
    return batch_edits.undo(database(), who, batch_id, command)
