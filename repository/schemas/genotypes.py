"""Input of genotypes: one result of an animal at a gene, the schema next to the command (a
frozen dataclass) its load builds. A genotyping lab's files are read row by row with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import fields, post_load

from .fields import Boolean, Date, StrictSchema, pattern, text

# A gene, transgene or allele locus as written (Trp53, Tg(CAG-EGFP), Gt(ROSA)26Sor, Cre):
# a letter or digit first, so that no spreadsheet formula is a gene.
GENE = r"^[A-Za-z0-9][A-Za-z0-9()\[\]<>.,:;/_+*' -]{0,99}$"
# An allele: `+`, `-`, `0` (hemizygous) or a symbol (wt, ko, tm1a(EUCOMM)Wtsi, flox, tg).
ALLELE = r"^([+-]|[A-Za-z0-9][A-Za-z0-9()\[\]<>.,:_+*' -]{0,99})$"


def allele(**kwargs: Any) -> fields.String:
    return text(
        100,
        also=pattern(ALLELE, "an allele: +, -, 0 or a symbol of letters and digits (wt, ko)"),
        **kwargs,
    )


class GenotypeIn(StrictSchema):
    gene = text(
        100,
        required=True,
        also=pattern(GENE, "a gene symbol starting with a letter or digit (Trp53, Tg(CAG-EGFP))"),
    )
    allele1 = allele(required=True)
    allele2 = allele(required=True)
    method = text(200)
    genotyped_on = Date(required=True)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewGenotype:
        return NewGenotype(**data)


@dataclass(frozen=True, kw_only=True)
class NewGenotype:
    """A genotyping result of an animal at a gene: its two alleles, the method and the day."""

    gene: str
    allele1: str
    allele2: str
    genotyped_on: date
    method: str | None = None


class ImportIn(StrictSchema):
    dry_run = Boolean(load_default=False)
