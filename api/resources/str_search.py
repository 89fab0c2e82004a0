"""STR similarity search, compatible with Cellosaurus CLASTR 1.4: a query profile against the
Cellosaurus reference profiles (everyone) and the collection's own cell lines (staff), as JSON
or as a PDF report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from api.schemas.str_search import SearchOut
from labels.str_report import render_str_report
from repository.schemas.str_search import StrSearch, StrSearchIn
from repository.services import str_search
from repository.services.str_search import Outcome

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "str",
    __name__,
    url_prefix="/api/v1/str",
    description="STR profiles: similarity search as Cellosaurus CLASTR scores it.",
)


def run(command: StrSearch) -> Outcome:
    """The search for whoever asks (the pages and the report call it too)."""
    who = require(Permission.CATALOGUE)
    return str_search.search(database(), who, command)


def report_pdf(found: Outcome) -> Response:
    """A search's PDF report, to open or save."""
    run_on = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pdf = render_str_report(SearchOut().dump(found), run_on)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="str-search.pdf"'},
    )


@blp.post("/search")
@blp.arguments(StrSearchIn)
@blp.response(200, SearchOut)
def search(command: StrSearch) -> Any:
    """Search a profile (`{"D5S818": "11,12", ...}` or text, one `Marker: alleles` a line):
    Tanabe or Masters scores, on the markers of both, of the query or of the reference,
    Amelogenin in or out, at least `min_markers` compared and `score_filter` reached; the
    references best first (then by markers compared), each with its verdict, cautions and
    every allele matched or not, and for a reference whose sources disagree its best and
    worst profiles. Markers CLASTR does not know are kept and listed, not scored."""
    return run(command)


@blp.post("/report")
@blp.arguments(StrSearchIn)
@blp.response(200, content_type="application/pdf", description="The search as a PDF report.")
def report(command: StrSearch) -> Response:
    """The same search as a PDF report for a journal or a customer: the query, the
    parameters, and each reference found with its alleles marked matched or not."""
    return report_pdf(run(command))
