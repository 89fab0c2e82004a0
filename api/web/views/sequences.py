"""Sequence identification for staff: a sequence pasted (FASTA or bare residues), the reference
sets to search, and each query's closest sequences with identity, coverage, taxon and verdict;
on a material's page, its sequences with what each said of its taxon, and the review that
keeps a taxon a sequence disputes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from repository.errors import DomainError, NotFound, ValidationFailed
from repository.exchange import reference_sets
from repository.models import Material, Sequence
from repository.schemas.sequences import IdentifyIn, ReviewIn
from repository.services import identification, sequence_checks

from ...context import database, principal
from ...policy import Permission, allowed, require
from ...resources.sequences import run
from .. import forms
from ..pages import back, refused, show
from ..terms import language

OPTIONS = ("marker", "hits")  # the form's fields the schema takes as they are


def _values(**values: Any) -> dict[str, Any]:
    db = database()
    return {
        "markers": [(t.marker, t.marker) for t in identification.list_thresholds(db)],
        "sets": [s.name for s in reference_sets.reference_sets(db)],
        **values,
    }


def _body(form: Any) -> dict[str, Any]:
    """The identification the form asks for: the pasted text as FASTA when it starts with a
    header line, else as bare residues."""
    text = form.get("sequence", "")
    body: dict[str, Any] = {"fasta" if text.lstrip().startswith(">") else "residues": text}
    body.update({k: form[k].strip() for k in OPTIONS if form.get(k, "").strip()})
    chosen = form.getlist("sets")
    if chosen:
        body["sets"] = chosen
    body["collections"] = bool(form.get("collections"))
    return body


def _as_form(error: DomainError) -> DomainError:
    """The query's errors (of `residues` or `fasta`) said of the one text box."""
    if isinstance(error, ValidationFailed):
        errors = dict(error.errors)
        for name in ("residues", "fasta"):
            if name in errors:
                errors["sequence"] = errors.pop(name)
        error.errors = errors
    return error


def identify_page() -> tuple[str, int]:
    """The form; posted, each query's hits."""
    require(Permission.INVENTORY_READ)
    if request.method == "GET":
        return show("identify.html", **_values(form={"collections": "true"}, results=None))
    values = _values()  # read first: the identification ends the request's transaction
    try:
        results = run(forms.load_data(IdentifyIn, _body(request.form)))
    except DomainError as error:
        return refused("identify.html", _as_form(error), **values, results=None)
    return show("identify.html", **values, form=request.form, results=results)


def rows(material: Material) -> list[dict[str, Any]]:
    """The material's sequences for its page: each with its check, the warning it stands for
    now, in the page's language, and whether the user may review it (its collection's
    curators)."""
    locale = language()
    curator = allowed(principal(), Permission.REGISTER, material.collection_id)
    found = []
    for sequence, check in sequence_checks.material_checks(database(), material.id):
        line = sequence_checks.warning(check, sequence, material)
        found.append(
            {
                "sequence": sequence,
                "check": check,
                "warning": line.said(locale) if line is not None else None,
                "reviewable": line is not None and curator,
            }
        )
    return found


def review(material_id: int, sequence_id: int) -> Response:
    """Keep the material's taxon against a sequence that places it in another genus (a
    refusal is the error page: nothing was changed)."""
    require(Permission.REGISTER)
    db = database()
    sequence = db.get(Sequence, sequence_id)
    if sequence is None or sequence.material_id != material_id:
        raise NotFound(_("No such sequence of this material."))
    require(Permission.REGISTER, sequence.material.collection_id)
    sequence_checks.review(db, sequence_id, forms.load(ReviewIn))
    return back("web.material", material_id=material_id, _anchor="sequences")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/identify", "identify", identify_page, methods=["GET", "POST"])
    web.add_url_rule(
        "/materials/<id:material_id>/sequences/<id:sequence_id>/review",
        "sequence_review",
        review,
        methods=["POST"],
    )
