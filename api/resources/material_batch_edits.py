"""Batch edits of materials over HTTP: preview, commit, read and undo a batch (the curators of
the materials' collections)."""

from __future__ import annotations

from repository.exchange.batch_sheets import MATERIALS
from repository.models import ItemBatch
from repository.schemas.batch_edits import Undo, UndoIn
from repository.schemas.material_batch_edits import MaterialBatchEdit, MaterialBatchEditIn
from repository.services import material_batch_edits
from repository.services.batch_engine import Preview
from repository.services.material_batch_edits import MaterialBatchView, MaterialLine

from ..context import database, page
from ..policy import Permission, require
from ..schemas.batch_edits import BatchOut, MaterialBatchViewOut, MaterialPreviewOut
from .batch_edits import ChangesSheetIn, PageQuery, sheet_of
from .exchange import UploadBlueprint

blp = UploadBlueprint(
    "material_batch_edits",
    __name__,
    url_prefix="/api/v1/materials/batch-edits",
    description="Batch edits of materials: preview, commit and undo.",
)


@blp.post("/preview")
@blp.arguments(MaterialBatchEditIn)
@blp.response(200, MaterialPreviewOut)
def preview(command: MaterialBatchEdit) -> Preview[MaterialLine]:
    """What setting `changes` (any field a single edit of a material takes: access level,
    remarks, terms, risk group, a kind's own fields — which a material of another kind
    refuses…) on every material the `search` matches among the collections you curate would
    do, by the rules of a single edit: the counts updated / unchanged /
    refused, and one page of the materials (refused first) with the fields before and after,
    or why each is refused. Nothing is written. The collections' curators."""
    who = require(Permission.REGISTER)
    return material_batch_edits.preview(database(), who, command)


@blp.post("")
@blp.arguments(MaterialBatchEditIn)
@blp.response(201, BatchOut)
def commit(command: MaterialBatchEdit) -> ItemBatch:
    """Apply a batch edit of materials in one transaction: every material changed with the
    audit and event of a single edit, and the batch recorded (who, when, the search and the
    SHA-256 of it and the changes, the counts) with each material's fields before and after.
    Refused with a 422 naming each material that cannot take the changes (nothing written),
    unless `skip_refused`. The collections' curators."""
    who = require(Permission.REGISTER)
    return material_batch_edits.commit(database(), who, command)


@blp.post("/sheet/preview")
@blp.arguments(ChangesSheetIn, location="files")
@blp.response(200, MaterialPreviewOut)
def preview_sheet(form: dict) -> Preview[MaterialLine]:
    """What a sheet of changes (CSV: a header naming `accession_number`, optionally
    `collection`, and the fields to set, as a single edit names them; a line per material; an
    empty cell changes nothing, `(clear)` clears an optional field, a list's values are
    separated by `;`) would do, line by line: the counts and one page of the materials
    (refused first: an accession number of no material of your collections, a change it
    cannot take, a field of another kind than its own). A bad sheet is a 422 naming each line.
    Nothing is written. The collections' curators."""
    who = require(Permission.REGISTER)
    sheet = sheet_of(form.get("file"), MATERIALS)
    return material_batch_edits.preview_sheet(
        database(), who, sheet, form["page"], form["page_size"]
    )


@blp.post("/sheet")
@blp.arguments(ChangesSheetIn, location="files")
@blp.response(201, BatchOut)
def commit_sheet(form: dict) -> ItemBatch:
    """Apply a sheet of changes to materials in one transaction, as a batch (its SHA-256
    kept); refused with a 422 naming each line that cannot be applied, unless
    `skip_refused`. The collections' curators."""
    who = require(Permission.REGISTER)
    sheet = sheet_of(form.get("file"), MATERIALS)
    return material_batch_edits.commit_sheet(database(), who, sheet, form["skip_refused"])


@blp.get("")
@blp.response(200, BatchOut(many=True))
@blp.paginate()
def list_batches(pagination_parameters) -> list[ItemBatch]:
    """The batch edits of materials that changed a material of a collection you curate, or that
    you made; newest first (paginated). The collections' curators."""
    who = require(Permission.REGISTER)
    return page(material_batch_edits.batches(who), pagination_parameters)


@blp.get("/<id:batch_id>")
@blp.arguments(PageQuery, location="query")
@blp.response(200, MaterialBatchViewOut)
def get_batch(query: dict, batch_id: int) -> MaterialBatchView:
    """A batch edit of materials, how many of its materials changed since, and a page of them
    (fields before and after, whether each changed since or was undone): those of the
    collections you curate. The collections' curators."""
    who = require(Permission.REGISTER)
    return material_batch_edits.view(database(), who, batch_id, query["page"], query["page_size"])


@blp.post("/<id:batch_id>/undo")
@blp.arguments(UndoIn)
@blp.response(200, BatchOut)
def undo(command: Undo, batch_id: int) -> ItemBatch:
    """Undo a batch edit of materials in one transaction: every material (of the collections
    you curate) back to its fields before it, checked as a single edit is. Refused with a 409
    naming the materials changed since (or that cannot go back), unless `only_unchanged`,
    which undoes the others. The collections' curators."""
    who = require(Permission.REGISTER)
    return material_batch_edits.undo(database(), who, batch_id, command)
