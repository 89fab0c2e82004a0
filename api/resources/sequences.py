"""Sequence identification: a query's closest sequences among the collections' and the
reference sets'; reference sets imported from FASTA or GenBank files; the identity thresholds
per marker; a material's sequences with what each said of its taxon, and a curator's review of
one that places a strain in another genus."""

from __future__ import annotations

import io
from typing import Any

from flask import current_app
from flask_smorest.fields import Upload
from marshmallow import post_load

from api.schemas.sequences import (
    IdentifyOut,
    MaterialSequenceOut,
    ReferenceSetOut,
    ThresholdsOut,
)
from repository.db import unit_of_work
from repository.errors import NotFound, ValidationFailed
from repository.exchange import reference_sets
from repository.models import IdentityThreshold, Material, ReferenceSet
from repository.schemas.fields import text
from repository.schemas.sequences import (
    SET_NAME,
    Identify,
    IdentifyIn,
    ReferenceSetIn,
    Review,
    ReviewIn,
    SetThresholds,
    ThresholdsIn,
)
from repository.sequence_search import CONVENTION
from repository.services import identification, sequence_checks
from repository.visibility import sees_material

from ..context import database, principal
from ..policy import Permission, require
from ..web.uploads import safe_name
from .exchange import ImportOut, UploadBlueprint

blp = UploadBlueprint(
    "sequences",
    __name__,
    url_prefix="/api/v1",
    description="Sequence identification and reference sets.",
)


class ReferenceUploadIn(ReferenceSetIn):
    """The set's fields and its file, in one multipart/form-data body. The name and the file
    are required, but checked after the permission, so that a refusal comes first."""

    name = text(64, also=SET_NAME)
    file = Upload()

    @post_load
    def _command(self, data: dict, **kwargs: Any) -> dict[str, Any]:
        upload = data.pop("file", None)
        command = super()._command(data, **kwargs) if "name" in data else None
        return {"command": command, "file": upload}


@blp.post("/sequences/identify")
@blp.arguments(IdentifyIn)
@blp.response(200, IdentifyOut)
def identify(command: Identify) -> dict[str, Any]:
    """The closest sequences to each query (`residues`, or `fasta` with up to 20 records):
    the candidates sharing the most distinct 8-mers with it are aligned (global alignment with
    free end gaps) and reported by identity, each with its coverage, taxon and the verdict of
    the marker's thresholds; among the reference sets (`sets`, default all) and, unless
    `collections` is false, the collections' sequences. `convention` says how identity and
    coverage are counted. Staff."""
    return {"convention": CONVENTION, "results": run(command)}


def run(command: Identify) -> list[identification.Identification]:
    """The identification, if the asker is staff (the API and the page): read in a unit of
    work of its own, so a POST holds no write lock while it aligns."""
    who = require(Permission.INVENTORY_READ)
    database().commit()
    with unit_of_work(current_app.extensions["biorepo"], write=False) as session:
        return identification.identify(session, who, command)


@blp.get("/reference-sets")
@blp.response(200, ReferenceSetOut(many=True))
def list_reference_sets() -> list[ReferenceSet]:
    """The reference sets identification compares with, by name. Staff."""
    require(Permission.INVENTORY_READ)
    return reference_sets.reference_sets(database())


@blp.post("/reference-sets/imports")
@blp.arguments(ReferenceUploadIn, location="files")
@blp.response(200, ImportOut)
def import_reference_set(form: dict[str, Any]) -> dict[str, Any]:
    """Import a FASTA or GenBank `file` as the reference set `name` (`replace` to replace the
    set of that name), all or nothing: each record's taxon from [organism=...], GenBank's
    organism, a header starting with the scientific name, or a lineage; `marker` for every
    record (else each record's own). The count and, dry or not, the problem report (any
    problem, not dry, is a 422 naming each record). Curators."""
    who = require(Permission.REGISTER)
    upload, command = form["file"], form["command"]
    missing = {
        name: ["Missing data for required field."]
        for name, given in (("name", command), ("file", upload))
        if given is None
    }
    if missing:
        raise ValidationFailed(missing)
    try:
        text = io.StringIO(upload.read().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValidationFailed({"file": [f"Not UTF-8 text: {error.reason}."]}) from error
    count, report = reference_sets.import_reference_set(
        database(), text, command, actor=who.user_id, name=safe_name(upload.filename or "")
    )
    return {
        "format": command.format,
        "dry_run": command.dry_run,
        "counts": {"sequences": count},
        **report.as_dict(),
    }


@blp.delete("/reference-sets/<id:set_id>")
@blp.response(204)
def delete_reference_set(set_id: int) -> None:
    """Remove a reference set and its sequences. Curators."""
    require(Permission.REGISTER)
    db = database()
    reference_sets.drop(db, reference_sets.get_set(db, set_id))


@blp.get("/identity-thresholds")
@blp.response(200, ThresholdsOut(many=True))
def list_thresholds() -> list[IdentityThreshold]:
    """The identity thresholds of each marker: the same species, the same genus, and the
    least coverage of the query for either. Staff."""
    require(Permission.INVENTORY_READ)
    return identification.list_thresholds(database())


@blp.put("/identity-thresholds")
@blp.arguments(ThresholdsIn)
@blp.response(200, ThresholdsOut)
def set_thresholds(command: SetThresholds) -> IdentityThreshold:
    """Set a marker's thresholds (a marker without any gets them): identities in percent,
    the genus threshold at most the species one. Curators."""
    require(Permission.REGISTER)
    return identification.set_thresholds(database(), command)


@blp.get("/materials/<id:material_id>/sequences")
@blp.response(200, MaterialSequenceOut(many=True))
def material_sequences(material_id: int) -> list[dict[str, Any]]:
    """A material's sequences, each with what it said of the material's taxon when it was
    filed (a strain's 16S or ITS) and the warning it stands for now: a sequence placing the
    strain in another genus, until the taxon is corrected or a curator reviews it. Staff."""
    require(Permission.INVENTORY_READ)
    db = database()
    material = db.get(Material, material_id)
    if material is None or not sees_material(principal(), material.access_level):
        raise NotFound("No such material.", field="material_id")
    rows = []
    for sequence, check in sequence_checks.material_checks(db, material_id):
        line = sequence_checks.warning(check, sequence, material)
        rows.append(
            {
                **{name: getattr(sequence, name) for name in SEQUENCE_FIELDS},
                "check": check,
                "warning": line.reason if line is not None else None,
            }
        )
    return rows


SEQUENCE_FIELDS = (
    "id",
    "accession",
    "marker",
    "description",
    "length",
    "gc_content",
    "source_format",
    "created_at",
)


@blp.post("/sequences/<id:sequence_id>/review")
@blp.arguments(ReviewIn)
@blp.response(200, MaterialSequenceOut)
def review(command: Review, sequence_id: int) -> dict[str, Any]:
    """Keep the declared taxon of a strain whose sequence places it in another genus, saying
    why (`note`): the warning and its line of the due list end. Curators of the collection."""
    require(Permission.REGISTER)
    db = database()
    check = sequence_checks.get_check(db, sequence_id)
    sequence = check.sequence
    require(Permission.REGISTER, sequence.material.collection_id)
    sequence_checks.review(db, sequence_id, command)
    return {
        **{name: getattr(sequence, name) for name in SEQUENCE_FIELDS},
        "check": check,
        "warning": None,
    }
