"""Exchange files by HTTP: an uploaded file imported (or dry run) in the request or as a job in
the background, all or nothing, the jobs followed, and a collection's records downloaded as
MCPD, a Darwin Core Archive, FASTA, MIRRI or MIABIS."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from repository.errors import Forbidden, NotFound, ValidationFailed
from repository.exchange import dwca, mcpd, miabis, mirri, sequences, uploads
from repository.exchange.imports import UPLOADS, run_upload
from repository.schemas.fields import Boolean
from repository.services import import_jobs
from repository.services.collections import get_collection
from repository.visibility import sees_donors, sees_import_job

from .. import background
from ..context import database, principal
from ..policy import Permission, require
from ..web.uploads import safe_name


class UploadParser(FlaskParser):
    """Reads a multipart upload's fields along with its files, so one schema (documented as
    one multipart/form-data body) holds both."""

    # a field the schema does not name is refused, as in a JSON body
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "files": RAISE}

    def load_files(self, req: Any, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = UploadParser()


log = logging.getLogger(__name__)
blp = UploadBlueprint(
    "exchange", __name__, url_prefix="/api/v1/exchange", description="Exchange formats."
)


class FileUpload(Upload):
    """An uploaded file: a plain form field of that name is not one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, FileStorage):
            raise ValidationError("Send the file as a file part of the form (multipart/form-data).")
        return value


class UploadIn(Schema):
    file = FileUpload(required=True)
    format = fields.String(required=True, validate=validate.OneOf(UPLOADS))
    collection = fields.String(validate=validate.Length(min=1, max=32))
    dry_run = Boolean(load_default=False)
    background = Boolean(load_default=False)  # 202 and a job to follow


class ProblemOut(Schema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    value = fields.String(allow_none=True)
    message = fields.String()
    file = fields.String(allow_none=True)


class ImportOut(Schema):
    format = fields.String()
    dry_run = Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    count = fields.Integer()  # of problems
    problems = fields.List(fields.Nested(ProblemOut))


class ImportJobOut(Schema):
    id = fields.Integer()
    collection = fields.Function(lambda job: job.collection.code if job.collection else None)
    format = fields.String()
    files = fields.List(fields.String())
    dry_run = Boolean()
    status = fields.Function(lambda job: job.status.value)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    report = fields.Dict()  # {"count": problems in all, "problems": the first 100}
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class ExportQuery(Schema):
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))


def _saved(upload: Any, folder: str) -> Path:
    """The upload as a file of the folder (the readers take paths); a request larger than
    MAX_CONTENT_LENGTH never gets here (413)."""
    path = Path(folder) / safe_name(upload.filename)
    upload.save(path)
    return path


@blp.post("/imports")
@blp.arguments(UploadIn, location="files")
@blp.response(200, ImportOut)
@blp.alt_response(202, schema=ImportJobOut, description="The job importing it (`background`).")
def upload(form: dict) -> Any:
    """Import an uploaded file (csv, xlsx, mcpd, dwca, fasta, genbank, cellosaurus) into a
    collection, all or nothing: the counts and, dry or not, the problem report (any problem,
    not dry, is a 422 that names every one). With `background`, a 202 and the job doing it, to
    follow at /imports/{job_id}. Curators of the collection; Cellosaurus: any curator."""
    fmt = form["format"]
    session = database()
    who = require(Permission.REGISTER)  # a curator of some collection, before anything is told
    code = form.get("collection")
    collection_id = None
    if fmt != "cellosaurus":
        if code is None:
            raise ValidationFailed({"collection": ["Name the collection to import into."]})
        collection_id = get_collection(session, code).id
        require(Permission.REGISTER, collection_id)
    if form["background"]:
        response = jsonify(_queue(form, fmt, code, collection_id, who.user_id))
        response.status_code = 202  # not the 200 schema's: the job's
        return response
    session.commit()  # the checks above done: the import has units of work of its own
    with tempfile.TemporaryDirectory() as folder:
        path = _saved(form["file"], folder)
        factory = current_app.extensions["biorepo"]
        try:
            counts, report = run_upload(
                factory, who.user_id, fmt, path, code or "", form["dry_run"]
            )
        except UnicodeDecodeError as error:
            raise ValidationFailed({"file": [f"Not UTF-8 text: {error.reason}."]}) from error
    return {"format": fmt, "dry_run": form["dry_run"], "counts": counts, **report.as_dict()}


def _queue(
    form: dict, fmt: str, code: str | None, collection_id: int | None, who: int | None
) -> dict[str, Any]:
    """Record the job and keep its file in the database (both in one transaction, before it
    can start), then hand its id to the queue. A queue that cannot take it leaves the job
    queued: the workers' recovery finds it."""
    session = database()
    name = safe_name(form["file"].filename)
    job = import_jobs.create_job(
        session,
        collection_id=collection_id,
        fmt=fmt,
        files=[name],
        dry_run=form["dry_run"],
        created_by=who,
    )
    uploads.keep(session, [(name, form["file"].stream)], owner=who, job_id=job.id)
    shown = ImportJobOut().dump(job)
    session.commit()
    try:
        background.of(current_app).import_job(job.id)
    except Exception:
        log.exception("import job %s could not be queued; the recovery will", job.id)
    return shown


@blp.get("/imports")
@blp.response(200, ImportJobOut(many=True))
def list_jobs() -> Any:
    """The newest 100 import jobs the caller may see (their own, their collections'; admins:
    all). A job whose worker stopped runs again in another (at once on the same machine, else
    an hour after it started). Curators."""
    who = require(Permission.REGISTER)
    return import_jobs.visible_jobs(database(), who)


@blp.get("/imports/<id:job_id>")
@blp.response(200, ImportJobOut)
def get_job(job_id: int) -> Any:
    """An import job: its status, counts and problem report. The uploader, curators of its
    collection and admins."""
    who = require(Permission.REGISTER)
    job = import_jobs.get_job(database(), job_id)
    if not sees_import_job(who, job):
        raise Forbidden("Only the uploader, the collection's curators and admins see a job.")
    return job


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
    "miabis": (
        lambda s, code, out: miabis.export(
            s, code, out, donors=sees_donors(principal(), get_collection(s, code).id)
        ),
        False,
        "text/csv",
        "csv",
    ),
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
    sample rows as CSV; the donor columns filled only for the collection's curators and
    admins, who see its donors). Staff."""
    require(Permission.INVENTORY_READ)
    if fmt not in EXPORTS:
        raise NotFound(f"No export format {fmt!r}; one of {', '.join(EXPORTS)}.", field="fmt")
    code = query["collection"]
    write, binary, media, extension = EXPORTS[fmt]
    out: io.BytesIO | io.StringIO = io.BytesIO() if binary else io.StringIO()
    write(database(), code, out)
    response = Response(out.getvalue(), mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{code}.{extension}"'
    return response
