"""STR similarity search (CLASTR 1.4's scores) of a query profile against the reference
profiles: the Cellosaurus entries and, for the staff, the collection's own cell lines. Each
result comes with its verdict by the published thresholds and the reference's cautions.

The Cellosaurus references are laid out once per process and database (`ReferenceIndex`) and
kept until the table changes (its row count, last id or last update differ); the cell lines
are read at each search, so an edit shows at once."""

from __future__ import annotations

import threading
from collections.abc import Collection as Many
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..memory import collection_paused
from ..models import CellLine, CellosaurusEntry, Collection
from ..schemas.str_search import StrSearch
from ..str_profiles import (
    Marker,
    Profile,
    from_stored,
    known,
    marker_name,
    marker_order,
    read_alleles,
    resolve,
    single,
)
from ..str_search import (
    MarkerMatch,
    Match,
    Options,
    Query,
    Reference,
    ReferenceIndex,
    Score,
    Verdict,
    markers_of,
    verdict,
)
from ..visibility import sees_own_str_profiles
from .accounts import Principal

CELLOSAURUS = "cellosaurus"
COLLECTION = "collection"


@dataclass(frozen=True)
class ProfileResult:
    """One profile of a result: the best, or where sources disagree the best and the worst."""

    label: str | None  # "best", "worst", or None for a reference whose sources agree
    score: Score
    verdict: Verdict
    markers: list[MarkerMatch]


@dataclass(frozen=True)
class Result:
    rank: int
    reference: Reference
    score: float  # of the best profile
    markers: int  # compared, of the best profile (Amelogenin among them when included)
    verdict: Verdict
    profiles: list[ProfileResult]


@dataclass(frozen=True)
class Outcome:
    """A search: what was asked, how many references were searched and passed, the results
    in CLASTR's order (at most max_results)."""

    profile: Profile
    options: Options
    description: str | None
    searched: int
    found: int
    results: list[Result]

    @property
    def unknown_markers(self) -> tuple[str, ...]:
        return self.profile.unknown

    @property
    def query_markers(self) -> list[QueryMarker]:
        """The query's markers in CLASTR's order, those it does not know among them."""
        markers = sorted(self.profile.markers.items(), key=lambda m: marker_order(m[0]))
        return [QueryMarker(name, alleles, known(name)) for name, alleles in markers]


@dataclass(frozen=True)
class QueryMarker:
    name: str
    alleles: tuple[str, ...]
    known: bool


def search(session: Session, who: Principal, command: StrSearch) -> Outcome:
    """The references most like the query, best first, each with its verdict: the
    Cellosaurus entries, and the collection's own cell lines if the asker sees them."""
    query = Query.of(command.profile)
    options = command.options
    indexes = [cellosaurus_index(session)]
    if sees_own_str_profiles(who):
        indexes.append(ReferenceIndex(cell_line_references(session)))
    merged: list[tuple[tuple[float, int, int, int], Match]] = []
    found = 0
    for order, index in enumerate(indexes):
        matches, passed = index.search(query, options)
        found += passed
        merged.extend(
            ((-m.best_score.score, -m.best_score.markers, order, rank), m)
            for rank, m in enumerate(matches)
        )
    merged.sort(key=lambda pair: pair[0])
    results = [
        _result(rank, query, match, options)
        for rank, (_, match) in enumerate(merged[: options.max_results], start=1)
    ]
    return Outcome(
        command.profile,
        options,
        command.description,
        sum(len(index) for index in indexes),
        found,
        results,
    )


def _result(rank: int, query: Query, match: Match, options: Options) -> Result:
    reference = match.reference
    seen: dict[str, set[Marker]] = {}
    for profile in reference.profiles:
        for marker in profile:
            seen.setdefault(marker.name, set()).add(marker)
    conflicts = frozenset(name for name, alternatives in seen.items() if len(alternatives) > 1)
    shown: list[tuple[str | None, int, Score]] = [(None, match.best, match.best_score)]
    if match.worst is not None and match.worst_score is not None:
        shown = [("best", match.best, match.best_score), ("worst", match.worst, match.worst_score)]
    return Result(
        rank,
        reference,
        match.best_score.score,
        match.best_score.markers,
        verdict(match.best_score.score, options.algorithm),
        [
            ProfileResult(
                label,
                found,
                verdict(found.score, options.algorithm),
                markers_of(query, reference.profiles[i], options, conflicts),
            )
            for label, i, found in shown
        ],
    )


# The references


_CACHE: dict[str, tuple[tuple[Any, ...], ReferenceIndex]] = {}
_BUILDING = threading.Lock()


def cellosaurus_index(session: Session) -> ReferenceIndex:
    """The Cellosaurus entries with an STR profile, laid out for searching; built again only
    when the table has changed."""
    stamp = tuple(
        session.execute(
            select(
                func.count(CellosaurusEntry.id),
                func.max(CellosaurusEntry.id),
                func.max(CellosaurusEntry.updated_at),
            )
        ).one()
    )
    where = session.get_bind().engine.url.render_as_string(hide_password=True)
    cached = _CACHE.get(where)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _BUILDING:
        cached = _CACHE.get(where)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with collection_paused():
            index = ReferenceIndex(cellosaurus_references(session))
        _CACHE[where] = (stamp, index)
        return index


def cellosaurus_references(
    session: Session, accessions: Many[str] | None = None
) -> list[Reference]:
    """Every Cellosaurus entry with STR data (or those of `accessions`), in the order it was
    imported (the file's)."""
    query = select(
        CellosaurusEntry.accession,
        CellosaurusEntry.name,
        CellosaurusEntry.str_markers,
        CellosaurusEntry.cautions,
    ).order_by(CellosaurusEntry.id)
    if accessions is not None:
        query = query.where(CellosaurusEntry.accession.in_(accessions))
    rows = session.execute(query)
    return [
        Reference(
            CELLOSAURUS,
            accession,
            name,
            tuple(resolve(from_stored(markers))),
            tuple(cautions or ()),
        )
        for accession, name, markers, cautions in rows
        if markers
    ]


def cell_line_references(
    session: Session, where: ColumnElement[bool] | None = None
) -> list[Reference]:
    """The collection's cell lines with a profile of their own (or those `where` picks), with
    their cautions (their own note of a problem and their Cellosaurus entry's)."""
    query = (
        select(
            CellLine.id,
            Collection.code,
            CellLine.accession_number,
            CellLine.designation,
            CellLine.str_profile,
            CellLine.cellosaurus_id,
            CellLine.problematic,
            CellosaurusEntry.cautions,
        )
        .join(Collection, Collection.id == CellLine.collection_id)
        .outerjoin(CellosaurusEntry, CellosaurusEntry.accession == CellLine.cellosaurus_id)
        .order_by(CellLine.id)
    )
    rows = session.execute(query if where is None else query.where(where))
    found = []
    for material_id, code, number, name, stored, cvcl, problem, cautions in rows:
        profile = stored_profile(stored or {})
        if not profile:
            continue
        found.append(
            Reference(
                COLLECTION,
                number,
                name,
                tuple(resolve(single(profile))),
                tuple(([problem] if problem else []) + list(cautions or [])),
                material_id=material_id,
                collection=code,
                cellosaurus_id=cvcl,
            )
        )
    return found


def stored_profile(stored: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """A cell line's profile as kept (marker → "11,12"), its names normalised; a marker whose
    alleles do not read (kept before they were checked) is left out, never a failed search."""
    profile: dict[str, tuple[str, ...]] = {}
    for raw, alleles in stored.items():
        name = marker_name(str(raw))
        if name in profile or not isinstance(alleles, str | list):
            continue
        try:
            read = read_alleles(name, alleles)
        except ValueError:
            continue
        if read:
            profile[name] = read
    return profile
