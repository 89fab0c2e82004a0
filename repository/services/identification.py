"""Sequence identification: the closest sequences to a query among the collections' sequences
and the reference sets, ranked by the 8-mers they share with it, the best aligned
(repository.sequence_search), each hit with its identity, coverage, taxon and verdict by the
marker's thresholds; and those thresholds, per marker."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import (
    Collection as CollectionModel,
)
from ..models import (
    IdentityThreshold,
    Material,
    ReferenceSequence,
    ReferenceSet,
    Sequence,
)
from ..models.base import aware
from ..sequence_search import (
    Comparison,
    Profiles,
    Query,
    Thresholds,
    aligner,
    candidates,
    compare,
    profile,
    unpacked,
    verdict,
)
from ..visibility import materials_filter
from ..vocabulary import IdentityVerdict
from .accounts import Principal

if TYPE_CHECKING:  # the schemas read FASTA through repository.exchange, which files through here
    from ..schemas.sequences import Identify, SetThresholds

REFERENCE, COLLECTION = "reference", "collection"  # where a hit comes from
# Candidates traced back for their identity, the best by alignment score (a score alone takes
# a sixth of the time of the alignment it is the score of).
ALIGNED_IN_FULL = 10
Key = tuple[str, int]  # (REFERENCE or COLLECTION, the sequence's id)


@dataclass(frozen=True)
class Hit:
    """A sequence close to the query: a reference set's (`source` is the set's name) or a
    material's (`source` is its collection's code), with its taxon, the unique 8-mers it
    shares with the query, the comparison of the two and the verdict it gives."""

    kind: str  # REFERENCE or COLLECTION
    id: int  # of the reference sequence or the material's sequence
    accession: str
    taxon: str
    marker: str | None
    source: str
    material_id: int | None
    material: str | None  # the material's accession number
    shared: int
    comparison: Comparison
    verdict: IdentityVerdict


@dataclass(frozen=True)
class Identification:
    """The hits of one query, the best first, with the thresholds that judged them (those of
    the query's marker, else of the best hit's), how many sequences the prefilter compared
    and how many candidates were aligned."""

    query: Query
    thresholds: Thresholds | None
    hits: list[Hit]
    searched: int
    aligned: int

    @property
    def marker(self) -> str | None:
        return self.query.marker or (self.hits[0].marker if self.hits else None)

    @property
    def verdict(self) -> IdentityVerdict:
        return self.hits[0].verdict if self.hits else IdentityVerdict.NO_HIT

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


# --- thresholds --------------------------------------------------------------------------------


def thresholds(session: Session) -> dict[str, Thresholds]:
    """The thresholds of each marker that has them."""
    return {
        row.marker: Thresholds(
            row.marker, row.species, row.genus, row.min_coverage, row.source or ""
        )
        for row in session.scalars(select(IdentityThreshold))
    }


def list_thresholds(session: Session) -> list[IdentityThreshold]:
    return list(session.scalars(select(IdentityThreshold).order_by(IdentityThreshold.marker)))


def set_thresholds(session: Session, command: SetThresholds) -> IdentityThreshold:
    """Set the thresholds of a marker (added when it has none). Checks made before keep the
    verdicts they gave."""
    found = session.get(IdentityThreshold, command.marker)
    if found is None:
        found = IdentityThreshold(marker=command.marker)
        session.add(found)
    found.species = command.species
    found.genus = command.genus
    found.min_coverage = command.min_coverage
    found.source = command.source
    session.flush()
    return found


# --- searching ---------------------------------------------------------------------------------


class Searcher:
    """The 8-mer profiles of the sequences a search compares (those of a marker, or of every
    marker; of the named reference sets or all; the collections' that `who` sees, unless
    left out), read once for any number of queries."""

    def __init__(
        self,
        session: Session,
        who: Principal | None,
        *,
        marker: str | None,
        sets: Collection[str] | None = None,
        collections: bool = True,
    ) -> None:
        self.session = session
        self.references = _reference_profiles(session, marker, sets)
        self.sequences: Profiles[Key] = (
            _sequence_profiles(session, who, marker) if collections else Profiles([])
        )
        self.aligner = aligner()

    @property
    def size(self) -> int:
        return len(self.references) + len(self.sequences)

    def search(
        self,
        query: Query,
        known: dict[str, Thresholds],
        *,
        hits: int,
        candidates_aligned: int,
        leave_out: Collection[int] = (),
        traced: int = ALIGNED_IN_FULL,
    ) -> Identification:
        """The query's hits (at most `hits`) among the `candidates_aligned` sequences that
        share the most 8-mers with it, but the collections' sequences `leave_out` (ids): each
        candidate aligned for its score, the best `traced` (or `hits`) by score traced back
        for their identity and coverage, and ranked by identity."""
        words = profile(query.residues)
        ranked = [
            (key, shared)
            for key, shared in candidates(
                words,
                [self.references, self.sequences],
                candidates_aligned + len(leave_out),
            )
            if not (key[0] == COLLECTION and key[1] in leave_out)
        ][:candidates_aligned]
        shared = dict(ranked)
        scored = sorted(
            (
                (-self.aligner.score(c.residues, query.residues), c.key[0] != REFERENCE, c.key, c)
                for c in self._candidates(shared)
            ),
            key=lambda s: s[:3],
        )
        found = [
            (c, compare(query.residues, c.residues, self.aligner))
            for *_, c in scored[: max(hits, traced)]
        ]
        # the best first; of equals, a reference set's (curated) before a material's
        found.sort(
            key=lambda f: (
                -f[1].identity,
                -f[1].coverage,
                -shared[f[0].key],
                f[0].key[0] != REFERENCE,
                f[0].key[1],
            )
        )
        best_marker = query.marker or (found[0][0].marker if found else None)
        judged_by = known.get(best_marker) if best_marker else None
        return Identification(
            query=query,
            thresholds=judged_by,
            hits=[
                Hit(
                    kind=c.key[0],
                    id=c.key[1],
                    accession=c.accession,
                    taxon=c.taxon,
                    marker=c.marker,
                    source=c.source,
                    material_id=c.material_id,
                    material=c.material,
                    shared=shared[c.key],
                    comparison=comparison,
                    verdict=verdict(comparison, judged_by),
                )
                for c, comparison in found[:hits]
            ],
            searched=self.size,
            aligned=len(scored),
        )

    def _candidates(self, keys: Iterable[Key]) -> list[_Candidate]:
        """The candidates of these keys, with what a hit tells of them and their residues."""
        wanted: dict[str, list[int]] = {REFERENCE: [], COLLECTION: []}
        for kind, id_ in keys:
            wanted[kind].append(id_)
        found: list[_Candidate] = []
        if wanted[REFERENCE]:
            for ref in self.session.execute(
                select(
                    ReferenceSequence.id,
                    ReferenceSequence.accession,
                    ReferenceSequence.taxon_name,
                    ReferenceSequence.marker,
                    ReferenceSet.name,
                    ReferenceSequence.residues,
                )
                .join(ReferenceSet, ReferenceSet.id == ReferenceSequence.set_id)
                .where(ReferenceSequence.id.in_(wanted[REFERENCE]))
            ):
                found.append(
                    _Candidate((REFERENCE, ref[0]), ref[1], ref[2], ref[3], ref[4], ref[5])
                )
        if wanted[COLLECTION]:
            for seq in self.session.execute(
                select(
                    Sequence.id,
                    Sequence.accession,
                    Material.taxon_name,
                    Sequence.marker,
                    CollectionModel.code,
                    Sequence.residues,
                    Material.id,
                    Material.accession_number,
                )
                .join(Material, Material.id == Sequence.material_id)
                .join(CollectionModel, CollectionModel.id == Material.collection_id)
                .where(Sequence.id.in_(wanted[COLLECTION]))
            ):
                found.append(_Candidate((COLLECTION, seq[0]), *seq[1:]))
        return found


@dataclass(frozen=True)
class _Candidate:
    key: Key
    accession: str
    taxon: str
    marker: str | None
    source: str  # the reference set's name, or the material's collection's code
    residues: str
    material_id: int | None = None
    material: str | None = None  # the material's accession number


class _Layouts:
    """The reference profiles of the last few searches, kept by the process: a reference set
    never changes once imported (a new import of a name is a new row, imported at another
    moment), so the sets' ids and import times, read at each search, say whether a layout
    kept is still the database's. Nothing depends on it but the time a search takes."""

    KEPT = 4  # layouts (a reference is about 3 KB of one)

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], Profiles[Key]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Profiles[Key] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def keep(self, key: tuple[Any, ...], profiles: Profiles[Key]) -> None:
        with self._lock:
            self._kept[key] = profiles
            while len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)


_layouts = _Layouts()


def _reference_profiles(
    session: Session, marker: str | None, sets: Collection[str] | None
) -> Profiles[Key]:
    """The profiles of the reference sets named (None: all), of a marker (None: all)."""
    chosen_sets = select(ReferenceSet.id, ReferenceSet.imported_at).order_by(ReferenceSet.id)
    if sets is not None:
        chosen_sets = chosen_sets.where(ReferenceSet.name.in_(sets))
    versions = tuple((id_, aware(at).isoformat()) for id_, at in session.execute(chosen_sets))
    key = (str(session.get_bind().engine.url), marker, versions)
    found = _layouts.get(key)
    if found is not None:
        return found
    chosen: list[ColumnElement[bool]] = [ReferenceSequence.set_id.in_([v[0] for v in versions])]
    if marker is not None:
        chosen.append(ReferenceSequence.marker == marker)
    rows = session.execute(
        select(ReferenceSequence.id, ReferenceSequence.kmers)
        .where(*chosen)
        .order_by(ReferenceSequence.id)
    )
    made = Profiles(((REFERENCE, id_), unpacked(kmers)) for id_, kmers in rows)
    _layouts.keep(key, made)
    return made


def _sequence_profiles(
    session: Session, who: Principal | None, marker: str | None
) -> Profiles[Key]:
    """The profiles of the collections' sequences (those `who` sees; None: all): stored, or
    made from the residues of sequences filed before profiles were."""
    chosen: list[ColumnElement[bool]] = [true() if who is None else materials_filter(who)]
    if marker is not None:
        chosen.append(or_(Sequence.marker == marker, Sequence.marker.is_(None)))
    rows = session.execute(
        select(Sequence.id, Sequence.kmers)
        .join(Material, Material.id == Sequence.material_id)
        .where(*chosen, Sequence.kmers.is_not(None))
        .order_by(Sequence.id)
    ).all()
    older = session.execute(
        select(Sequence.id, Sequence.residues)
        .join(Material, Material.id == Sequence.material_id)
        .where(*chosen, Sequence.kmers.is_(None))
        .order_by(Sequence.id)
    ).all()
    return Profiles(
        [((COLLECTION, id_), unpacked(kmers)) for id_, kmers in rows if kmers is not None]
        + [((COLLECTION, id_), profile(residues)) for id_, residues in older]
    )


def identify(session: Session, who: Principal, command: Identify) -> list[Identification]:
    """The hits of each query of the command, the best first: among the reference sets named
    (all by default) and, unless left out, the sequences of the materials `who` sees; those of
    the query's marker when it says one."""
    if command.sets is not None:
        known_sets = set(
            session.scalars(select(ReferenceSet.name).where(ReferenceSet.name.in_(command.sets)))
        )
        missing = [name for name in command.sets if name not in known_sets]
        if missing:
            raise ValidationFailed(
                {"sets": [f"No reference set named {name!r}." for name in missing]}
            )
    known = thresholds(session)
    searchers: dict[str | None, Searcher] = {}
    found = []
    for query in command.queries:
        searcher = searchers.get(query.marker)
        if searcher is None:
            searcher = searchers[query.marker] = Searcher(
                session,
                who,
                marker=query.marker,
                sets=command.sets,
                collections=command.collections,
            )
        found.append(
            searcher.search(query, known, hits=command.hits, candidates_aligned=command.candidates)
        )
    return found
