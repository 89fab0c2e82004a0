"""Genotypes of animals: recorded one at a time, an animal's listed, and a genotyping lab's
file imported all or nothing."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema

from api.schemas.animal_records import GenotypeOut
from repository.errors import ValidationFailed
from repository.models import Genotype
from repository.schemas.fields import Boolean
from repository.schemas.genotypes import GenotypeIn, NewGenotype
from repository.services import genotypes

from ..context import database
from ..policy import Permission, require
from ..web.uploads import saved
from .exchange import ImportOut, UploadBlueprint

blp = UploadBlueprint(
    "genotypes",
    __name__,
    url_prefix="/api/v1",
    description="Genotypes of animals, one at a time or a genotyping lab's file.",
)


class GenotypeUploadIn(Schema):
    file = Upload()  # required: checked after the permission, so a refusal comes first
    dry_run = Boolean(load_default=False)


@blp.get("/animals/<string:barcode>/genotypes")
@blp.response(200, GenotypeOut(many=True))
def list_genotypes(barcode: str) -> list[Genotype]:
    """The animal's genotypes, by gene, the latest first."""
    require(Permission.INVENTORY_READ)
    return genotypes.genotypes(database(), barcode)


@blp.post("/animals/<string:barcode>/genotypes")
@blp.arguments(GenotypeIn)
@blp.response(201, GenotypeOut)
def record_genotype(command: NewGenotype, barcode: str) -> Genotype:
    """Record the animal's genotype at a gene: allele 1 and allele 2, the method and the day
    (once a day per gene)."""
    require(Permission.INVENTORY_WRITE)
    return genotypes.record_genotype(database(), barcode, command)


@blp.post("/genotypes/imports")
@blp.arguments(GenotypeUploadIn, location="files")
@blp.response(200, ImportOut)
def import_genotypes(form: dict) -> dict[str, Any]:
    """Import a genotyping lab's file (CSV or XLSX; columns animal, gene, allele1 and allele2
    or result `a/b`, method, date), all or nothing: the count and, dry or not, the problem
    report (any problem, not dry, is a 422 that names each row and column)."""
    require(Permission.INVENTORY_WRITE)
    upload = form.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["Missing data for required field."]})
    with saved(upload, "genotypes.csv") as path:
        count, report = genotypes.import_file(
            database(), path, dry_run=form["dry_run"], name=path.name
        )
    return {
        "format": "genotypes",
        "dry_run": form["dry_run"],
        "counts": {"genotypes": count},
        **report.as_dict(),
    }
