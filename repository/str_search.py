"""STR similarity search as CLASTR 1.4 computes it: the Tanabe and the two Masters scores of a
query against reference profiles, in the three scoring modes, Amelogenin in or out; for a
reference whose sources disagree, its best and its worst profile; the score and marker filters
and CLASTR's order. `score` is the rule on one pair; `ReferenceIndex` applies it to many
references at once (numpy) and gives the same numbers. No database, no web."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .str_profiles import AMELOGENIN, ND, Marker, Profile, marker_order
from .vocabulary import StrAlgorithm as Algorithm
from .vocabulary import StrMode as Mode
from .vocabulary import StrVerdict as Verdict

# The published thresholds (CLASTR's colours): related at or above the first, ambiguous (a
# related line that drifted, or a mixture) down to the second.
THRESHOLDS = {
    Algorithm.TANABE: (90.0, 80.0),
    Algorithm.MASTERS_QUERY: (80.0, 60.0),
    Algorithm.MASTERS_REFERENCE: (80.0, 60.0),
}


def verdict(score: float, algorithm: Algorithm) -> Verdict:
    related, ambiguous = THRESHOLDS[algorithm]
    if score >= related:
        return Verdict.RELATED
    return Verdict.AMBIGUOUS if score >= ambiguous else Verdict.UNRELATED


@dataclass(frozen=True)
class Options:
    """CLASTR's parameters, with its defaults."""

    algorithm: Algorithm = Algorithm.TANABE
    mode: Mode = Mode.NON_EMPTY
    include_amelogenin: bool = False
    score_filter: float = 60.0  # the best profile scores at least this
    min_markers: int = 8  # compared, Amelogenin not counted
    max_results: int = 200


@dataclass(frozen=True)
class Query:
    """A query profile as scored: its known markers, each with the alleles that count."""

    markers: dict[str, frozenset[str]]
    counts: dict[str, int]

    @classmethod
    def of(cls, profile: Profile) -> Query:
        scored = profile.scored
        typed = {m: frozenset(a for a in alleles if a != ND) for m, alleles in scored.items()}
        return cls(typed, {m: len(a) for m, a in typed.items()})


@dataclass(frozen=True)
class Score:
    """One profile against the query: the score (NaN when nothing could be compared), the
    alleles shared, the alleles of each side compared and the markers compared (Amelogenin
    among them when it is included), as CLASTR counts them."""

    score: float
    shared: int
    query_alleles: int
    reference_alleles: int
    markers: int
    amelogenin: bool  # Amelogenin was among the markers compared

    @property
    def defined(self) -> bool:
        return not math.isnan(self.score)


def _first(profile: Sequence[Marker], name: str) -> Marker | None:
    return next((m for m in profile if m.name == name), None)


def score(query: Query, profile: Sequence[Marker], options: Options) -> Score:
    """CLASTR's score of one reference profile (ScoringMode and ScoringAlgorithm): a marker
    is compared by name, its alleles as sets (ND not counted); the mode decides whose markers
    count, and only markers present on both sides can share alleles."""

    def included(name: str) -> bool:
        return options.include_amelogenin or name != AMELOGENIN

    shared = query_size = reference_size = markers = 0
    amelogenin = False
    if options.mode is Mode.REFERENCE:
        for marker in profile:
            if not included(marker.name):
                continue
            reference_size += len(marker.typed)
            markers += 1
            amelogenin = amelogenin or marker.name == AMELOGENIN
            if marker.name in query.markers:
                shared += len(marker.typed & query.markers[marker.name])
                query_size += query.counts[marker.name]
    else:
        for name, alleles in query.markers.items():
            if not included(name):
                continue
            found = _first(profile, name)
            if options.mode is Mode.QUERY or found is not None:
                query_size += query.counts[name]
                markers += 1
                amelogenin = amelogenin or name == AMELOGENIN
            if found is not None:
                shared += len(found.typed & alleles)
                reference_size += len(found.typed)
    return Score(
        _score(options.algorithm, shared, query_size, reference_size),
        shared,
        query_size,
        reference_size,
        markers,
        amelogenin,
    )


def _score(algorithm: Algorithm, shared: int, query: int, reference: int) -> float:
    """Java's double arithmetic, in its order (a zero denominator: NaN)."""
    denominator = {
        Algorithm.TANABE: query + reference,
        Algorithm.MASTERS_QUERY: query,
        Algorithm.MASTERS_REFERENCE: reference,
    }[algorithm]
    if denominator == 0:
        return math.nan
    numerator = shared * 2.0 if algorithm is Algorithm.TANABE else float(shared)
    return numerator / denominator * 100


@dataclass(frozen=True)
class Reference:
    """A reference: a Cellosaurus entry or one of the collection's cell lines, with the
    profiles CLASTR scores for it (several where its sources disagree) and its cautions."""

    kind: str  # "cellosaurus" or "collection"
    key: str  # the CVCL accession, or the collection's accession number
    name: str
    profiles: tuple[tuple[Marker, ...], ...]
    cautions: tuple[str, ...] = ()
    material_id: int | None = None
    collection: str | None = None
    cellosaurus_id: str | None = None  # a cell line's Cellosaurus accession

    @property
    def conflicted(self) -> bool:
        return len(self.profiles) > 1


@dataclass(frozen=True)
class Match:
    """A reference that passed the filters: its best profile and score and, where its sources
    disagree, its worst (CLASTR reports both, and filters on the best only)."""

    reference: Reference
    best: int
    best_score: Score
    worst: int | None = None
    worst_score: Score | None = None

    @property
    def score(self) -> float:
        return self.best_score.score


def _passes(best: Score, options: Options) -> bool:
    compared = best.markers - (1 if best.amelogenin else 0)
    return best.defined and best.score >= options.score_filter and compared >= options.min_markers


def pick(scores: Sequence[Score]) -> tuple[int, int]:
    """CLASTR's best and worst profile: a stable sort by score, highest first (the best is
    the first profile with the top score, the worst the last with the lowest). A profile
    with nothing to compare (NaN) ranks last, so it is never the best."""

    def value(s: Score) -> float:
        return s.score if s.defined else -math.inf

    order = sorted(range(len(scores)), key=lambda i: -value(scores[i]))
    return order[0], order[-1]


def _order(match: Match, position: int) -> tuple[float, int, int]:
    return (-match.best_score.score, -match.best_score.markers, position)


def match_of(reference: Reference, scores: Sequence[Score]) -> Match:
    best, worst = pick(scores)
    if not reference.conflicted:
        return Match(reference, best, scores[best])
    return Match(reference, best, scores[best], worst, scores[worst])


def search_plain(
    query: Query, references: Sequence[Reference], options: Options
) -> tuple[list[Match], int]:
    """The search one reference at a time (the rule as written; the index's yardstick): the
    matches in CLASTR's order (best score, then markers compared, then the references' own
    order), at most max_results, and how many passed."""
    found: list[tuple[tuple[float, int, int], Match]] = []
    for position, reference in enumerate(references):
        match = match_of(reference, [score(query, p, options) for p in reference.profiles])
        if _passes(match.best_score, options):
            found.append((_order(match, position), match))
    found.sort(key=lambda pair: pair[0])
    return [m for _, m in found[: options.max_results]], len(found)


class ReferenceIndex:
    """Reference profiles laid out for one search to score them all at once: per profile the
    markers it has and their allele counts (a matrix), and for each (marker, allele) the
    profiles that have it. A profile holding a marker twice (CLASTR's groups can make one) is
    scored by `score` itself."""

    def __init__(self, references: Sequence[Reference]) -> None:
        self.references = list(references)
        owners: list[int] = []
        profiles: list[tuple[Marker, ...]] = []
        for r, reference in enumerate(self.references):
            for profile in reference.profiles:
                owners.append(r)
                profiles.append(profile)
        self.profiles = profiles
        names = sorted({m.name for p in profiles for m in p}, key=lambda n: (marker_order(n), n))
        self.columns = {name: i for i, name in enumerate(names)}
        size = (len(profiles), len(names))
        self.present = np.zeros(size, dtype=bool)
        self.counts = np.zeros(size, dtype=np.int32)
        postings: dict[tuple[int, str], list[int]] = {}
        self.irregular: list[int] = []
        rows: list[int] = []
        cells: list[int] = []
        counts: list[int] = []
        for p, profile in enumerate(profiles):
            if len({m.name for m in profile}) < len(profile):
                self.irregular.append(p)
                continue
            for marker in profile:
                column = self.columns[marker.name]
                typed = marker.typed
                rows.append(p)
                cells.append(column)
                counts.append(len(typed))
                for allele in typed:
                    postings.setdefault((column, allele), []).append(p)
        self.present[rows, cells] = True
        self.counts[rows, cells] = counts
        self.postings = {key: np.array(ps, dtype=np.int32) for key, ps in postings.items()}
        self.owners = np.array(owners, dtype=np.int32)
        self.positions = np.array(
            [i for reference in self.references for i in range(len(reference.profiles))],
            dtype=np.int32,
        )

    def __len__(self) -> int:
        return len(self.references)

    def search(self, query: Query, options: Options) -> tuple[list[Match], int]:
        """The same as `search_plain` over these references."""
        if not self.profiles:
            return [], 0
        scores, shared, query_sizes, reference_sizes, markers, amelogenin = self._score_all(
            query, options
        )
        for p in self.irregular:
            one = score(query, self.profiles[p], options)
            scores[p], shared[p], markers[p], amelogenin[p] = (
                one.score,
                one.shared,
                one.markers,
                one.amelogenin,
            )
            query_sizes[p], reference_sizes[p] = one.query_alleles, one.reference_alleles
        value = np.where(np.isnan(scores), -np.inf, scores)
        order = np.lexsort((self.positions, -value, self.owners))
        owners = self.owners[order]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        ends = np.r_[starts[1:], len(order)] - 1
        best, worst = order[starts], order[ends]
        compared = markers[best] - amelogenin[best]
        passing = (
            (value[best] >= options.score_filter)
            & (compared >= options.min_markers)
            & ~np.isnan(scores[best])
        )
        chosen = np.flatnonzero(passing)
        ranked = chosen[np.lexsort((chosen, -markers[best[chosen]], -value[best[chosen]]))]

        def at(p: int) -> Score:
            return Score(
                float(scores[p]),
                int(shared[p]),
                int(query_sizes[p]),
                int(reference_sizes[p]),
                int(markers[p]),
                bool(amelogenin[p]),
            )

        matches = []
        for group in ranked[: options.max_results]:
            reference = self.references[int(owners[starts[group]])]
            b, w = int(best[group]), int(worst[group])
            first = int(self.positions[b])
            if reference.conflicted:
                matches.append(Match(reference, first, at(b), int(self.positions[w]), at(w)))
            else:
                matches.append(Match(reference, first, at(b)))
        return matches, len(chosen)

    def _score_all(
        self, query: Query, options: Options
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        width = len(self.columns)
        asked = np.zeros(width, dtype=bool)  # query markers the references know, included
        asked_counts = np.zeros(width, dtype=np.int32)
        elsewhere_alleles = elsewhere_markers = 0  # query markers no reference has
        elsewhere_amelogenin = False
        shared = np.zeros(len(self.profiles), dtype=np.int32)
        for name, alleles in query.markers.items():
            if name == AMELOGENIN and not options.include_amelogenin:
                continue
            column = self.columns.get(name)
            if column is None:
                elsewhere_alleles += query.counts[name]
                elsewhere_markers += 1
                elsewhere_amelogenin = elsewhere_amelogenin or name == AMELOGENIN
                continue
            asked[column] = True
            asked_counts[column] = query.counts[name]
            for allele in alleles:
                having = self.postings.get((column, allele))
                if having is not None:
                    shared[having] += 1
        amelogenin_column = self.columns.get(AMELOGENIN)
        included = np.ones(width, dtype=bool)
        if amelogenin_column is not None and not options.include_amelogenin:
            included[amelogenin_column] = False
        no_amelogenin = np.zeros(len(self.profiles), dtype=bool)
        if options.mode is Mode.NON_EMPTY:
            both = self.present & asked
            markers = both.sum(axis=1, dtype=np.int32)
            query_sizes = both @ asked_counts
            reference_sizes = (self.counts * both).sum(axis=1, dtype=np.int32)
            amelogenin = both[:, amelogenin_column] if amelogenin_column is not None else None
        elif options.mode is Mode.QUERY:
            markers = np.full(len(self.profiles), int(asked.sum()) + elsewhere_markers, np.int32)
            query_sizes = np.full(
                len(self.profiles), int(asked_counts.sum()) + elsewhere_alleles, np.int32
            )
            reference_sizes = (self.counts * (self.present & asked)).sum(axis=1, dtype=np.int32)
            in_query = (
                amelogenin_column is not None and bool(asked[amelogenin_column])
            ) or elsewhere_amelogenin
            amelogenin = np.full(len(self.profiles), in_query, dtype=bool)
        else:
            theirs = self.present & included
            markers = theirs.sum(axis=1, dtype=np.int32)
            reference_sizes = (self.counts * theirs).sum(axis=1, dtype=np.int32)
            query_sizes = theirs @ asked_counts
            amelogenin = theirs[:, amelogenin_column] if amelogenin_column is not None else None
        if amelogenin is None:
            amelogenin = no_amelogenin
        hits = shared.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            if options.algorithm is Algorithm.TANABE:
                scores = hits * 2.0 / (query_sizes + reference_sizes) * 100
            elif options.algorithm is Algorithm.MASTERS_QUERY:
                scores = hits / query_sizes * 100
            else:
                scores = hits / reference_sizes * 100
        # 0 / 0 is NaN as in Java; n / 0 cannot happen (shared alleles are counted on both sides)
        return (
            scores,
            shared,
            np.asarray(query_sizes, dtype=np.int32),
            np.asarray(reference_sizes, dtype=np.int32),
            np.asarray(markers, dtype=np.int32),
            np.asarray(amelogenin, dtype=np.int32),
        )


@dataclass(frozen=True)
class AlleleMatch:
    value: str
    matched: bool  # the query has it (on a marker compared)


@dataclass(frozen=True)
class MarkerMatch:
    """One marker of a reference profile as the results show it: its alleles, each matched
    or not, whether it counted in the score, and the sources where they disagree."""

    name: str
    alleles: tuple[AlleleMatch, ...]
    scored: bool
    in_query: bool
    sources: tuple[str, ...] = ()
    conflicted: bool = False


def markers_of(
    query: Query, profile: Sequence[Marker], options: Options, conflicts: frozenset[str]
) -> list[MarkerMatch]:
    """A reference profile's markers, in CLASTR's order, each allele marked matched when the
    query has it, and whether the marker counted in the score (by the mode and Amelogenin)."""

    def included(name: str) -> bool:
        return options.include_amelogenin or name != AMELOGENIN

    out = []
    seen: set[str] = set()
    for marker in sorted(profile, key=lambda m: marker_order(m.name)):
        mine = query.markers.get(marker.name)
        first = marker.name not in seen
        seen.add(marker.name)
        if options.mode is Mode.REFERENCE:
            counted = included(marker.name)
        else:
            counted = first and mine is not None and included(marker.name)
        out.append(
            MarkerMatch(
                marker.name,
                tuple(AlleleMatch(a, mine is not None and a in mine) for a in marker.alleles),
                counted,
                mine is not None,
                marker.sources,
                marker.name in conflicts,
            )
        )
    return out
