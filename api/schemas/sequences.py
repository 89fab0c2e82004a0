"""HTTP output of sequence identification: the hits of each query with identity, coverage,
taxon and verdict; reference sets; identity thresholds; a material's sequences with what each
said of its taxon."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Integer
from repository.vocabulary import IdentityVerdict


class ThresholdsOut(Schema):
    marker = fields.String()
    species = fields.Float(metadata={"description": "Percent identity: the same species."})
    genus = fields.Float(metadata={"description": "Percent identity: the same genus."})
    min_coverage = fields.Float(metadata={"description": "Percent of the query aligned, least."})
    source = fields.String(allow_none=True)


class HitOut(Schema):
    kind = fields.String(metadata={"description": "reference (a reference set's) or collection."})
    id = Integer(metadata={"description": "The reference sequence's or material sequence's id."})
    accession = fields.String()
    taxon = fields.String()
    marker = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "The reference set, or the collection."})
    material_id = Integer(allow_none=True)
    material = fields.String(allow_none=True, metadata={"description": "Accession number."})
    shared_kmers = Integer(attribute="shared")
    identity = fields.Float(attribute="comparison.identity")
    coverage = fields.Float(attribute="comparison.coverage")
    target_coverage = fields.Float(attribute="comparison.target_coverage")
    aligned_columns = Integer(attribute="comparison.columns")
    matches = Integer(attribute="comparison.matches")
    mismatches = Integer(attribute="comparison.mismatches")
    gaps = Integer(attribute="comparison.gaps")
    query_start = Integer(attribute="comparison.query_start")
    query_end = Integer(attribute="comparison.query_end")
    target_start = Integer(attribute="comparison.target_start")
    target_end = Integer(attribute="comparison.target_end")
    verdict = fields.Enum(IdentityVerdict, by_value=True)


class IdentificationOut(Schema):
    query = fields.String(attribute="query.name")
    length = fields.Function(lambda found: len(found.query.residues))
    marker = fields.String(allow_none=True)
    verdict = fields.Enum(IdentityVerdict, by_value=True)
    thresholds = fields.Nested(ThresholdsOut, allow_none=True)
    searched = Integer(metadata={"description": "Sequences the 8-mer prefilter compared."})
    aligned = Integer(metadata={"description": "Candidates aligned (the most shared 8-mers)."})
    hits = fields.List(fields.Nested(HitOut))


class IdentifyOut(Schema):
    convention = fields.String(metadata={"description": "How identity and coverage are counted."})
    results = fields.List(fields.Nested(IdentificationOut))


class ReferenceSetOut(Schema):
    id = Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    format = fields.String(attribute="source_format")
    size = Integer()
    imported_at = UtcDateTime()
    imported_by = Integer(allow_none=True)


class CheckOut(Schema):
    verdict = fields.Enum(IdentityVerdict, by_value=True)
    checked_at = UtcDateTime()
    declared_taxon = fields.String()
    hit_accession = fields.String(allow_none=True)
    hit_taxon = fields.String(allow_none=True)
    hit_source = fields.String(allow_none=True)
    identity = fields.Float(allow_none=True)
    coverage = fields.Float(allow_none=True)
    other_genus = fields.String(allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    reviewed_by = Integer(allow_none=True)
    review_note = fields.String(allow_none=True)


class MaterialSequenceOut(Schema):
    """A sequence of a material, with what it said of the material's taxon when filed and the
    warning it stands for now (None: none)."""

    id = Integer()
    accession = fields.String()
    marker = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    length = Integer()
    gc_content = fields.Float(allow_none=True)
    source_format = fields.String()
    created_at = UtcDateTime()
    check = fields.Nested(CheckOut, allow_none=True)
    warning = fields.String(allow_none=True)
