"""The STR search page: a profile pasted (one `Marker: alleles` a line) or typed marker by
marker, CLASTR's parameters, and the references found as CLASTR shows them, each allele marked
matched or not, best and worst rows where the sources disagree; the same search as a PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from repository.errors import DomainError, ValidationFailed
from repository.schemas.str_search import StrSearchIn
from repository.services.str_search import Outcome
from repository.str_profiles import CORE_MARKERS, ProfileError, read_profile
from repository.vocabulary import StrAlgorithm, StrMode

from ...resources.str_search import report_pdf, run
from .. import forms
from ..pages import refused, show
from ..terms import term

TYPED = "marker-"  # the inputs of the table of markers: marker-D5S818, marker-Penta_D
PARAMETERS = (  # of the search, as the form names them
    "algorithm",
    "mode",
    "include_amelogenin",
    "score_filter",
    "min_markers",
    "max_results",
    "description",
)


def typed_name(marker: str) -> str:
    return TYPED + marker.replace(" ", "_")


def _profile(given: MultiDict[str, str]) -> Any:
    """The profile of the form: the pasted text, the table's markers, or both (a marker in
    both is refused, as one given twice)."""
    pasted = given.get("profile", "")
    typed = {
        key[len(TYPED) :]: value.strip()
        for key, value in given.items()
        if key.startswith(TYPED) and value.strip()
    }
    if not typed:
        return pasted
    if not pasted.strip():
        return typed
    errors: dict[str, list[str]] = {}
    read = []
    for part in (pasted, typed):
        try:
            read.append(read_profile(part))
        except ProfileError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationFailed({"profile": errors})
    text, table = read
    twice = sorted(set(text.markers) & set(table.markers))
    if twice:
        raise ValidationFailed(
            {"profile": {name: [_("Given in the pasted text and in the table.")] for name in twice}}
        )
    return {name: list(alleles) for name, alleles in {**text.markers, **table.markers}.items()}


def _search(given: MultiDict[str, str]) -> Outcome:
    body: dict[str, Any] = {"profile": _profile(given)}
    body.update({k: given[k] for k in PARAMETERS if given.get(k, "").strip()})
    return run(forms.load_data(StrSearchIn, body))


def _page(**values: Any) -> dict[str, Any]:
    return {
        "core": [(m, typed_name(m)) for m in CORE_MARKERS],
        "algorithms": [(a.value, term(a)) for a in StrAlgorithm],
        "modes": [(m.value, term(m)) for m in StrMode],
        **values,
    }


def columns(found: Outcome) -> list[str]:
    """The marker columns: the query's markers CLASTR knows, then those only references have
    that counted (the reference-markers mode)."""
    names = [m.name for m in found.query_markers if m.known]
    for result in found.results:
        for profile in result.profiles:
            names += [m.name for m in profile.markers if m.scored and m.name not in names]
    return names


def rows(found: Outcome) -> list[dict[str, Any]]:
    """A table row per profile shown (the best, and the worst where sources disagree), with
    its markers by name (the first of a name, as CLASTR compares it)."""
    out = []
    for result in found.results:
        for profile in result.profiles:
            cells: dict[str, Any] = {}
            for marker in profile.markers:
                cells.setdefault(marker.name, marker)
            out.append({"result": result, "profile": profile, "cells": cells})
    return out


def labels(errors: dict[str, Any]) -> dict[str, str]:
    """How the form's error summary names the profile's markers and lines."""
    found = {"profile": _("Profile"), "profile.": _("Profile")}
    given = errors.get("profile")
    if isinstance(given, dict):
        found.update({f"profile.{name}": name for name in given if name})
    return found


def _refused(error: DomainError, given: MultiDict[str, str]) -> tuple[str, int]:
    names = labels(error.errors) if isinstance(error, ValidationFailed) else {}
    return refused("str_search.html", error, form_values=given, **_page(found=None, labels=names))


def str_search_page() -> tuple[str, int]:
    """The form; with a profile given, the search and its results."""
    given = request.args
    asked = any(
        v.strip() for k, v in given.items() if k == "profile" or k.startswith(TYPED)
    ) or given.get("search")
    if not asked:
        return show("str_search.html", **_page(form=given, found=None))
    try:
        found = _search(given)
    except DomainError as error:
        return _refused(error, given)
    return show(
        "str_search.html",
        **_page(
            form=given,
            found=found,
            columns=columns(found),
            rows=rows(found),
            query={m.name: m.alleles for m in found.query_markers},
            args=given,
        ),
    )


def str_report_page() -> Response | tuple[str, int]:
    """The search of the form as a PDF report."""
    try:
        found = _search(request.args)
    except DomainError as error:
        return _refused(error, request.args)
    return report_pdf(found)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/str", "str_search", str_search_page)
    web.add_url_rule("/str/report", "str_report", str_report_page)
