"""HTTP output of an STR similarity search: the query as read, the parameters, and the ranked
references with their scores, verdicts, cautions and every marker's alleles matched or not.
The PDF report and the `biorepo str search` command print this same shape."""

from __future__ import annotations

from marshmallow import Schema, fields

from repository.schemas.fields import Integer


class AlleleOut(Schema):
    value = fields.String()
    matched = fields.Boolean()  # the query has it


class MarkerOut(Schema):
    name = fields.String()
    alleles = fields.List(fields.Nested(AlleleOut))
    scored = fields.Boolean()  # counted in the score (by the mode and Amelogenin)
    in_query = fields.Boolean()
    conflicted = fields.Boolean()  # the reference's sources disagree on it
    sources = fields.List(fields.String())  # those that report these alleles, if they disagree


class ProfileOut(Schema):
    label = fields.String(allow_none=True)  # best or worst, where the sources disagree
    score = fields.Float(attribute="score.score")
    verdict = fields.String()
    shared_alleles = Integer(attribute="score.shared")
    query_alleles = Integer(attribute="score.query_alleles")
    reference_alleles = Integer(attribute="score.reference_alleles")
    markers_compared = Integer(attribute="score.markers")
    markers = fields.List(fields.Nested(MarkerOut))


class ResultOut(Schema):
    rank = Integer()
    source = fields.String(attribute="reference.kind")  # cellosaurus or collection
    accession = fields.String(attribute="reference.key")  # CVCL_ or the accession number
    name = fields.String(attribute="reference.name")
    collection = fields.String(attribute="reference.collection", allow_none=True)
    material_id = Integer(attribute="reference.material_id", allow_none=True)
    cellosaurus_id = fields.String(attribute="reference.cellosaurus_id", allow_none=True)
    score = fields.Float()
    markers_compared = Integer(attribute="markers")
    verdict = fields.String()
    problematic = fields.Function(lambda r: bool(r.reference.cautions))
    cautions = fields.List(fields.String(), attribute="reference.cautions")
    conflicted = fields.Boolean(attribute="reference.conflicted")
    profiles = fields.List(fields.Nested(ProfileOut))


class QueryMarkerOut(Schema):
    name = fields.String()
    alleles = fields.List(fields.String())
    known = fields.Boolean()  # CLASTR compares it; an unknown marker is kept, not scored


class ParametersOut(Schema):
    algorithm = fields.String()
    mode = fields.String()
    include_amelogenin = fields.Boolean()
    score_filter = fields.Float()
    min_markers = Integer()
    max_results = Integer()


class SearchOut(Schema):
    description = fields.String(allow_none=True)
    parameters = fields.Nested(ParametersOut, attribute="options")
    query = fields.List(fields.Nested(QueryMarkerOut), attribute="query_markers")
    unknown_markers = fields.List(fields.String())
    searched = Integer()  # reference records searched
    found = Integer()  # passed the filters (results holds at most max_results of them)
    results = fields.List(fields.Nested(ResultOut))
