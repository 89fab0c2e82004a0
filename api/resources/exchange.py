"""Exchange files by HTTP: an uploaded file imported (or dry run) in the request, all or nothing,
and a collection's records downloaded as MCPD, a Darwin Core Archive, FASTA, MIRRI or MIABIS."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import Response
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from repository.errors import NotFound, ValidationFailed
from repository.exchange import bulk, cellosaurus, dwca, mcpd, miabis, mirri, sequences
from repository.exchange.imports import import_files
from repository.exchange.problems import Report
from repository.services.collections import get_collection

from ..context import database
from ..policy import Permission, require


class UploadParser(FlaskParser):
    """Reads a multipart upload's fields along with its files, so one schema (documented as
    one multipart/form-data body) holds both."""

    def load_files(self, req: Any, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = UploadParser()


blp = UploadBlueprint(
    "exchange", __name__, url_prefix="/api/v1/exchange", description="Exchange formats."
)
IMPORTS = ("csv", "xlsx", "mcpd", "fasta", "genbank", "cellosaurus")
MAX_UPLOAD = 20 * 1024 * 1024


class UploadIn(Schema):
    file = Upload(required=True)
    format = fields.String(required=True, validate=validate.OneOf(IMPORTS))
    collection = fields.String(validate=validate.Length(min=1, max=32))
    dry_run = fields.Boolean(load_default=False)


class ProblemOut(Schema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    value = fields.String(allow_none=True)
    message = fields.String()
    file = fields.String(allow_none=True)


class ImportOut(Schema):
    format = fields.String()
    dry_run = fields.Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    count = fields.Integer()  # of problems
    problems = fields.List(fields.Nested(ProblemOut))


class ExportQuery(Schema):
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))


def _saved(upload: Any, folder: str) -> Path:
    """The upload as a file of the folder (the readers take paths), refused when too large."""
    name = Path(upload.filename or "upload").name or "upload"
    path = Path(folder) / name
    upload.save(path)
    if path.stat().st_size > MAX_UPLOAD:
        raise ValidationFailed({"file": [f"Upload at most {MAX_UPLOAD // 2**20} MB."]})
    return path


def _import(
    session: Session, fmt: str, path: Path, code: str, dry_run: bool
) -> tuple[dict[str, int], Report]:
    """Run the importer of `fmt` on the file; any problem (not dry) raises ImportRejected."""
    if fmt == "cellosaurus":
        count, report = cellosaurus.import_file(session, path, dry_run=dry_run)
        return {"entries": count}, report
    if fmt in sequences.FORMATS:
        with open(path, encoding="utf-8") as handle:
            count, report = sequences.import_sequences(
                session, handle, fmt, code, dry_run=dry_run, name=path.name
            )
        return {"sequences": count}, report
    outcome = import_files(session, [path], fmt, bulk.Options(code, dry_run=dry_run))
    counts = {"rows": outcome.rows, "materials": outcome.materials}
    return counts | {"lots": outcome.lots, "items": outcome.items}, outcome.report


@blp.post("/imports")
@blp.arguments(UploadIn, location="files")
@blp.response(200, ImportOut)
def upload(form: dict) -> dict:
    """Import an uploaded file (csv, xlsx, mcpd, fasta, genbank, cellosaurus) into a collection,
    all or nothing: the counts and, dry or not, the problem report (any problem, not dry, is a
    422 that names every one). Curators of the collection; Cellosaurus: any curator."""
    fmt = form["format"]
    session = database()
    require(Permission.REGISTER)  # a curator of some collection, before anything is told
    code = form.get("collection")
    if fmt != "cellosaurus":
        if code is None:
            raise ValidationFailed({"collection": ["Name the collection to import into."]})
        require(Permission.REGISTER, get_collection(session, code).id)
    with tempfile.TemporaryDirectory() as folder:
        path = _saved(form["file"], folder)
        try:
            counts, report = _import(session, fmt, path, code or "", form["dry_run"])
        except UnicodeDecodeError as error:
            raise ValidationFailed({"file": [f"Not UTF-8 text: {error.reason}."]}) from error
    return {"format": fmt, "dry_run": form["dry_run"], "counts": counts, **report.as_dict()}


Writer = Callable[[Session, str, Any], int]
EXPORTS: dict[str, tuple[Writer, bool, str, str]] = {
    # format: (writer, binary, media type, file extension)
    "mcpd": (
        lambda s, code, out: mcpd.export(s, code, out, include_internal=False),
        False,
        "text/csv",
        "csv",
    ),
    "dwca": (dwca.export, True, "application/zip", "zip"),
    "fasta": (sequences.export_fasta, False, "text/x-fasta", "fasta"),
    "mirri": (mirri.export, False, "text/csv", "csv"),
    "miabis": (miabis.export, False, "text/csv", "csv"),
}
BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.get("/exports/<string:fmt>")
@blp.arguments(ExportQuery, location="query")
@blp.doc(
    responses={
        "200": {
            "description": "The file.",
            "content": {media: BINARY for _, _, media, _ in EXPORTS.values()},
        }
    }
)
def export(query: dict, fmt: str) -> Response:
    """The open and restricted records of a collection in an exchange format: `mcpd` (seed
    accessions, MCPD v2.1 CSV), `dwca` (strains and specimens, a Darwin Core Archive), `fasta`
    (sequences), `mirri` (strains, the MIRRI strain sheet as CSV) or `miabis` (specimens, MIABIS
    sample rows as CSV). Staff."""
    require(Permission.INVENTORY_READ)
    if fmt not in EXPORTS:
        raise NotFound(f"No export format {fmt!r}; one of {', '.join(EXPORTS)}.", field="fmt")
    code = query["collection"]
    write, binary, media, extension = EXPORTS[fmt]
    out: IO[Any] = io.BytesIO() if binary else io.StringIO()
    write(database(), code, out)
    response = Response(out.getvalue(), mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{code}.{extension}"'
    return response
