"""STR profiles: marker names normalised as CLASTR normalises them, alleles as exact strings, a
profile read from a mapping or from text (one marker a line), and a Cellosaurus entry's
alternatives per source resolved into the profiles CLASTR scores. No database, no web."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, product
from typing import Any

AMELOGENIN = "Amelogenin"
ND = "ND"  # not detected: the marker was typed, no allele counts

# CLASTR's human markers (Species.HUMAN: the default ones, then the optional ones), as
# Cellosaurus writes them.
CORE_MARKERS = (
    AMELOGENIN,
    "CSF1PO",
    "D2S1338",
    "D3S1358",
    "D5S818",
    "D7S820",
    "D8S1179",
    "D13S317",
    "D16S539",
    "D18S51",
    "D19S433",
    "D21S11",
    "FGA",
    "Penta D",
    "Penta E",
    "TH01",
    "TPOX",
    "vWA",
)
OPTIONAL_MARKERS = (
    "D10S1248",
    "D1S1656",
    "D2S441",
    "D6S1043",
    "D12S391",
    "D22S1045",
    "DXS101",
    "DYS391",
    "F13A01",
    "F13B",
    "FESFPS",
    "LPL",
    "Penta C",
    "SE33",
)
KNOWN_MARKERS = frozenset(CORE_MARKERS + OPTIONAL_MARKERS)


def _key(name: str) -> str:
    """CLASTR's key of a marker name: trimmed, upper case, runs of spaces as one underscore."""
    return re.sub(r"\s+", "_", name.strip().upper())


# The misspellings CLASTR corrects (Manager.formatKey), then every known marker by its key.
_ALIASES = {
    "AM": AMELOGENIN,
    "AMEL": AMELOGENIN,
    "CSF1P0": "CSF1PO",
    "F13A1": "F13A01",
    "FES/FPS": "FESFPS",
    "PENTAC": "Penta C",
    "PENTAD": "Penta D",
    "PENTAE": "Penta E",
    "THO1": "TH01",
} | {_key(name): name for name in KNOWN_MARKERS}

NUMBER = re.compile(r"^\d{1,3}(\.\d{1,2})?$")  # repeats, with a variant's extra bases: 9.3, 13.3
NOT_DETECTED = frozenset({"ND", "NOT_DETECTED", "NOT DETECTED"})
MOST_ALLELES = 20  # on one marker: mixtures and unstable lines have a few more than two
MOST_MARKERS = 100
LINE = re.compile(r"^\s*([^:=\t]+?)\s*[:=\t]\s*(.*?)\s*$")


class ProfileError(ValueError):
    """A profile that cannot be read: messages by the marker (or line) they are about."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def marker_name(name: str) -> str:
    """The marker as CLASTR names it (`VWA` → `vWA`, `THO1` → `TH01`, `CSF1P0` → `CSF1PO`,
    `Am`/`Amel` → `Amelogenin`, `penta d` → `Penta D`); a marker CLASTR does not know is kept
    as written, its spaces tidied."""
    return _ALIASES.get(_key(name), " ".join(name.split()))


def known(marker: str) -> bool:
    return marker in KNOWN_MARKERS


def read_alleles(marker: str, given: str | Sequence[str]) -> tuple[str, ...]:
    """The alleles of a marker, each once in the order given (a homozygous `12,12` is `12`):
    numbers (`9.3` is not `9`) on STR markers, X and Y on Amelogenin, `ND` (or Cellosaurus'
    `Not_detected`) anywhere. Raises ValueError saying what is wrong."""
    tokens = given.split(",") if isinstance(given, str) else list(given)
    found: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            raise ValueError('Write each allele as text, e.g. "9.3".')
        value = token.strip().upper()
        if not value:
            raise ValueError("An allele is empty: separate alleles with one comma, e.g. 11,12.")
        if value in NOT_DETECTED:
            value = ND
        elif marker == AMELOGENIN and value not in ("X", "Y"):
            raise ValueError(f"{token.strip()!r} is not an Amelogenin allele: write X, Y or X,Y.")
        elif marker != AMELOGENIN and not NUMBER.match(value):
            raise ValueError(
                f"{token.strip()!r} is not an allele of {marker}: write repeat numbers such as "
                "11 or 9.3 (X and Y are Amelogenin's), or ND."
            )
        if value not in found:
            found.append(value)
    if len(found) > MOST_ALLELES:
        raise ValueError(f"{len(found)} alleles; a marker has at most {MOST_ALLELES}.")
    return tuple(found)


@dataclass(frozen=True)
class Profile:
    """A profile as given: its markers (CLASTR's names) and their alleles in the order given,
    and the markers CLASTR does not know (kept, not scored)."""

    markers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(m for m in self.markers if not known(m))

    @property
    def scored(self) -> dict[str, tuple[str, ...]]:
        """The markers a search compares (CLASTR drops those it does not know)."""
        return {m: a for m, a in self.markers.items() if known(m)}

    def count(self, *, amelogenin: bool = False) -> int:
        """The known markers, Amelogenin counted or not."""
        return sum(1 for m in self.scored if amelogenin or m != AMELOGENIN)

    def as_text(self) -> dict[str, str]:
        """marker → alleles joined by commas (`11,12`), as a cell line stores its profile."""
        return {m: ",".join(a) for m, a in self.markers.items()}


def read_profile(given: Mapping[str, Any] | str) -> Profile:
    """A profile from a mapping (marker → `"11,12"` or `["11", "12"]`) or from text, one marker
    a line (`D5S818: 11,12`, or with `=` or a tab; `#` starts a comment). A marker left empty
    is left out. Raises ProfileError naming every bad marker or line: a marker given twice
    (also under two spellings), alleles that are not numbers or X/Y, too many markers."""
    pairs = list(_pairs(given))
    errors: dict[str, list[str]] = {}
    markers: dict[str, tuple[str, ...]] = {}
    spelled: dict[str, str] = {}
    for where, raw_name, raw_alleles in pairs:
        if raw_name is None:
            errors.setdefault(where, []).append(
                "Write one marker a line as Marker: alleles (e.g. D5S818: 11,12)."
            )
            continue
        name = marker_name(raw_name)
        if not name or len(name) > 32:
            errors.setdefault(where, []).append("A marker name has 1 to 32 characters.")
            continue
        if isinstance(raw_alleles, str) and not raw_alleles.strip():
            continue
        if not isinstance(raw_alleles, str | list | tuple):
            errors.setdefault(where, []).append(
                'Write the alleles as text ("11,12") or a list of texts (["11", "12"]).'
            )
            continue
        if not raw_alleles:
            continue
        if name in spelled:
            errors.setdefault(where, []).append(
                f"{name} is given twice (as {spelled[name]} and {raw_name.strip()})."
            )
            continue
        spelled[name] = raw_name.strip()
        try:
            markers[name] = read_alleles(name, raw_alleles)
        except ValueError as error:
            errors.setdefault(where, []).append(str(error))
    if len(markers) > MOST_MARKERS:
        errors.setdefault("", []).append(f"{len(markers)} markers; at most {MOST_MARKERS}.")
    if errors:
        raise ProfileError(errors)
    return Profile(markers)


def _pairs(given: Mapping[str, Any] | str) -> Iterator[tuple[str, str | None, Any]]:
    """(where, marker, alleles) of a mapping or of text lines (marker None: not a line)."""
    if isinstance(given, str):
        for number, line in enumerate(given.splitlines(), start=1):
            text = line.split("#", 1)[0]
            if not text.strip():
                continue
            match = LINE.match(text)
            where = f"line {number}"
            if match is None:
                yield where, None, None
            else:
                yield where, match.group(1), match.group(2)
        return
    for name, alleles in given.items():
        yield str(name), str(name), alleles


# Cellosaurus: a marker's alternatives, each with its sources; CLASTR's profiles of them


@dataclass(frozen=True)
class Marker:
    """One marker's alleles in a profile; in a Cellosaurus entry whose sources disagree, one
    alternative with the sources that report it (none: all of the entry's sources agree)."""

    name: str
    alleles: tuple[str, ...]
    sources: tuple[str, ...] = ()
    # the alleles that count (ND does not)
    typed: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        typed = frozenset(self.alleles)
        object.__setattr__(self, "typed", typed - {ND} if ND in typed else typed)


Alternatives = list[list[Marker]]  # per marker, in the entry's order: what each source reports
MAX_PERMUTATIONS = 150  # CLASTR's bound on the profiles of one entry


def stored(alternatives: Alternatives) -> dict[str, list[dict[str, list[str]]]]:
    """The JSON a reference keeps: marker → [{alleles, sources}, ...]."""
    return {
        group[0].name: [{"alleles": list(m.alleles), "sources": list(m.sources)} for m in group]
        for group in alternatives
    }


def from_stored(data: Mapping[str, Iterable[Mapping[str, Iterable[str]]]]) -> Alternatives:
    """`stored` read back."""
    return [
        [Marker(name, tuple(a["alleles"]), tuple(a.get("sources", ()))) for a in group]
        for name, group in data.items()
    ]


def single(profile: Mapping[str, Sequence[str]]) -> Alternatives:
    """One source's profile (marker → alleles) as alternatives that do not disagree."""
    return [[Marker(name, tuple(alleles))] for name, alleles in profile.items()]


def conflicted(alternatives: Alternatives) -> bool:
    return any(len(group) > 1 for group in alternatives)


def resolve(alternatives: Alternatives) -> list[tuple[Marker, ...]]:
    """The profiles CLASTR scores for an entry (ConflictResolver): one if no sources disagree;
    if every disagreeing marker is reported by the same sources, one profile per group of
    sources that agree throughout; otherwise every combination of the alternatives, the
    first 150 in CLASTR's order. A profile may lack a marker, or hold one twice, where the
    groups of sources say so, exactly as CLASTR's does."""
    groups = [group for group in alternatives if group]
    if not conflicted(groups):
        return [tuple(group[0] for group in groups)]
    reference: set[str] = set()
    resolvable = True
    for group in groups:
        if len(group) > 1:
            sources = {s for m in group for s in m.sources}
            if not reference:
                reference = sources
            if reference != sources:
                resolvable = False
    if resolvable:
        return [
            tuple(
                m
                for group in groups
                for m in (group if len(group) > 1 else group[:1])
                if len(group) == 1 or set(source).issubset(m.sources)
            )
            for source in _source_groups(groups)
        ]
    choices = product(*(range(len(group)) for group in groups))
    return [
        tuple(group[i] for group, i in zip(groups, choice, strict=True))
        for choice in islice(choices, MAX_PERMUTATIONS)
    ]


def _source_groups(groups: Alternatives) -> list[tuple[str, ...]]:
    """ConflictResolver.computeGroups: the sources of the first disagreeing marker's
    alternatives, each split by the later markers' alternatives it strictly contains. Groups
    are lists (CLASTR's insertion-ordered sets) and may repeat, as CLASTR's may."""
    found: list[tuple[str, ...]] = []
    for group in groups:
        if len(group) < 2:
            continue
        if not found:
            found = [tuple(dict.fromkeys(m.sources)) for m in group]
            continue
        after = list(found)
        for sources in found:
            matches = [
                tuple(dict.fromkeys(m.sources))
                for m in group
                if set(m.sources) != set(sources) and set(m.sources) <= set(sources)
            ]
            if not matches:
                continue
            taken = {s for match in matches for s in match}
            delta = tuple(s for s in sources if s not in taken)
            if delta:
                after.append(delta)
            after.extend(matches)
            _remove_first(after, sources)
        found = after
    return found


def _remove_first(groups: list[tuple[str, ...]], sources: tuple[str, ...]) -> None:
    """Java's List.remove(Object) on sets: the first group with the same sources goes."""
    for i, group in enumerate(groups):
        if set(group) == set(sources):
            del groups[i]
            return


@lru_cache(maxsize=1024)
def marker_order(name: str) -> str:
    """A sort key putting markers in CLASTR's order: by name, the `D<n>S…` markers by their
    chromosome."""
    match = re.match(r"^D(\d{1,2})S", name)
    return f"D{int(match.group(1)):02d}" if match else name
