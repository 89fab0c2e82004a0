"""Finding the closest sequences to a query: residues checked as IUPAC nucleotides, a prefilter
that ranks candidates by the unique 8-mers they share with the query (as VSEARCH and USEARCH
rank them), biopython's PairwiseAligner on the best candidates, identity and coverage by one
stated convention, and a verdict from per-marker thresholds. Plain data in and out: no
database, no Flask."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from Bio.Align import PairwiseAligner, substitution_matrices

from .vocabulary import IdentityVerdict

K = 8  # the word length of the prefilter: 4**8 words, each packed in 16 bits
MIN_BASES = 100  # definite bases (A, C, G, T) a sequence needs to be compared
MAX_BASES = 10_000  # a marker (a whole rRNA operon is ~5,000 bases); no genomes
MIN_SHARED = 12  # unique 8-mers a candidate shares with the query at least (VSEARCH's default)
CANDIDATES = 32  # candidates aligned by default (VSEARCH's default --maxrejects)

# The IUPAC nucleotide codes, each as the set of bases it stands for (A 1, C 2, G 4, T 8).
BASES = {"A": 1, "C": 2, "G": 4, "T": 8}
IUPAC = {
    **BASES,
    "R": 5,
    "Y": 10,
    "S": 6,
    "W": 9,
    "K": 12,
    "M": 3,
    "B": 14,
    "D": 13,
    "H": 11,
    "V": 7,
    "N": 15,
}
ALPHABET = "".join(IUPAC)
NUCLEIC = 0.7  # the least share of A, C, G, T and N in a sequence of nucleotides, not a protein
GAPS = str.maketrans("", "", "-.")  # the gaps of an aligned FASTA carry no residue

CONVENTION = (
    "Identity is the share of identical columns among the aligned columns, over the aligned "
    "region without its end gaps (internal gaps count as columns; an IUPAC ambiguity code is "
    "identical to any base it stands for), as VSEARCH reports it by default. Coverage is the "
    "share of the query inside the aligned region. Global alignment with free end gaps "
    "(biopython PairwiseAligner: match 2, mismatch -3, gap -5 per base)."
)

_CODES = np.full(256, 255, dtype=np.uint8)  # a residue's 2-bit code; 255: not a definite base
_MASKS = np.zeros(256, dtype=np.uint8)  # a residue's set of bases
for _letter, _mask in IUPAC.items():
    _MASKS[ord(_letter)] = _mask
for _code, _letter in enumerate("ACGT"):
    _CODES[ord(_letter)] = _code


class BadResidues(ValueError):
    """A sequence that cannot be compared; the message says why, precisely."""


@dataclass(frozen=True)
class Query:
    """One sequence to identify: its name (a FASTA record's id), residues (IUPAC DNA, as
    `nucleotides` gives them) and the marker it says it is (None: not said)."""

    name: str
    residues: str
    marker: str | None = None


def nucleotides(text: str) -> str:
    """The residues of a sequence as upper-case IUPAC DNA: whitespace and alignment gaps (`-`,
    `.`) dropped, RNA's U read as T. BadResidues says what is wrong: no residues, amino acids,
    characters that are no nucleotide code, DNA and RNA mixed, too few definite bases to compare
    or too many for a marker."""
    residues = "".join(text.split()).upper().translate(GAPS)
    if not residues:
        raise BadResidues("No residues.")
    found = set(residues)
    if "U" in found:
        if "T" in found:
            raise BadResidues("Both T and U: DNA and RNA mixed in one sequence.")
        residues, found = residues.replace("U", "T"), (found - {"U"}) | {"T"}
    bad = found - IUPAC.keys()
    if bad:
        shown = ", ".join(repr(c) if not c.isalpha() else c for c in sorted(bad)[:8])
        nucleic = sum(residues.count(c) for c in "ACGTN") / len(residues)
        if nucleic < NUCLEIC and all(c.isalpha() or c == "*" for c in bad):
            raise BadResidues(
                f"Amino acids ({shown}), not nucleotides: identification compares DNA or RNA."
            )
        first = next(i for i, c in enumerate(residues, start=1) if c in bad)
        raise BadResidues(f"Not IUPAC nucleotides: {shown} (first at residue {first}).")
    definite = sum(residues.count(base) for base in BASES)
    if definite < MIN_BASES:
        raise BadResidues(
            f"{definite} definite bases (A, C, G, T): at least {MIN_BASES} are needed to compare."
        )
    if len(residues) > MAX_BASES:
        raise BadResidues(
            f"{len(residues):,} bases: a marker compared here has at most {MAX_BASES:,}."
        )
    return residues


# --- the k-mer prefilter ----------------------------------------------------------------------


def profile(residues: str) -> np.ndarray:
    """The sequence's distinct 8-mers without ambiguity codes, each packed in 16 bits (2 bits a
    base), sorted."""
    codes = _CODES[np.frombuffer(residues.encode("ascii", "replace"), dtype=np.uint8)]
    n = len(codes) - K + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint16)
    ambiguous = np.concatenate(([0], np.cumsum(codes > 3, dtype=np.int32)))
    clean = ambiguous[K:] - ambiguous[:-K] == 0  # windows with no ambiguity code
    bits = (codes & 3).astype(np.uint16)
    words: np.ndarray = np.zeros(n, dtype=np.uint16)
    for j in range(K):
        words = (words << 2) | bits[j : j + n]
    return np.unique(words[clean])


def packed(words: np.ndarray) -> bytes:
    """A profile as stored: its words as little-endian 16-bit integers."""
    return words.astype("<u2").tobytes()


def unpacked(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u2")


Key = TypeVar("Key", bound=Hashable)


class Profiles(Generic[Key]):
    """The 8-mer profiles of many sequences, concatenated, each found by its key: counting
    what each shares with a query is one table look-up per stored word."""

    def __init__(self, entries: Iterable[tuple[Key, np.ndarray]]) -> None:
        keys: list[Key] = []
        parts: list[np.ndarray] = []
        for key, words in entries:
            keys.append(key)
            parts.append(words)
        self.keys = keys
        self.words = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint16)
        lengths = np.array([len(p) for p in parts], dtype=np.int64)
        self.filled = lengths > 0  # the profiles with words (a sequence under 8 bases has none)
        self.starts = (np.cumsum(lengths) - lengths)[self.filled]

    def __len__(self) -> int:
        return len(self.keys)

    def shared(self, query: np.ndarray) -> np.ndarray:
        """How many distinct words of the query each profile has."""
        if not self.keys:
            return np.empty(0, dtype=np.int64)
        wanted = np.zeros(4**K, dtype=np.uint8)
        wanted[query] = 1
        counts = np.zeros(len(self.keys), dtype=np.int64)
        if len(self.starts):  # one pass summing each profile's run of looked-up words
            counts[self.filled] = np.add.reduceat(wanted[self.words], self.starts, dtype=np.int64)
        return counts


def candidates(
    query: np.ndarray,
    groups: Sequence[Profiles[Key]],
    limit: int = CANDIDATES,
    minimum: int = MIN_SHARED,
) -> list[tuple[Key, int]]:
    """The `limit` profiles (of all the groups) sharing the most distinct words with the
    query, at least `minimum`, most first (ties in the groups' order)."""
    found: list[tuple[int, int, int, Key]] = []
    for g, group in enumerate(groups):
        counts = group.shared(query)
        if len(counts) > limit:
            top = np.argpartition(-counts, limit - 1)[:limit]
        else:
            top = np.arange(len(counts))
        found.extend(
            (int(counts[i]), g, int(i), group.keys[i]) for i in top if counts[i] >= minimum
        )
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    return [(key, count) for count, _, _, key in found[:limit]]


# --- alignment --------------------------------------------------------------------------------


def _scores() -> substitution_matrices.Array:
    """Match 2, mismatch -3; an ambiguity code scores 0 against a base it may be."""
    matrix = substitution_matrices.Array(alphabet=ALPHABET, dims=2)
    for a, mask_a in IUPAC.items():
        for b, mask_b in IUPAC.items():
            if a == b and a in BASES:
                matrix[a, b] = 2
            else:
                matrix[a, b] = 0 if mask_a & mask_b else -3
    return matrix


_MATRIX = _scores()


def aligner() -> PairwiseAligner:
    """Global alignment with free end gaps, so a partial query aligns inside a whole gene."""
    made = PairwiseAligner()
    made.mode = "global"
    made.substitution_matrix = _MATRIX
    made.gap_score = -5
    made.end_gap_score = 0
    return made


@dataclass(frozen=True)
class Comparison:
    """A query aligned with a target: identity and coverage in percent (CONVENTION), the
    columns they count, and where the aligned region lies in each (0-based, end excluded)."""

    identity: float
    coverage: float  # of the query
    target_coverage: float
    columns: int  # aligned columns without end gaps
    matches: int
    mismatches: int
    gaps: int  # internal gap columns
    query_start: int
    query_end: int
    target_start: int
    target_end: int
    score: float


def compare(query: str, target: str, using: PairwiseAligner | None = None) -> Comparison:
    """Align the query with the target (both IUPAC DNA) and measure them (CONVENTION)."""
    alignment = (using or aligner()).align(target, query)[0]
    blocks = alignment.aligned  # [target blocks, query blocks], each [start, end)
    if len(blocks[0]) == 0:
        return Comparison(0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0, float(alignment.score))
    t_masks = _MASKS[np.frombuffer(target.encode("ascii"), dtype=np.uint8)]
    q_masks = _MASKS[np.frombuffer(query.encode("ascii"), dtype=np.uint8)]
    matches = aligned = 0
    for (t0, t1), (q0, q1) in zip(blocks[0], blocks[1], strict=True):
        aligned += int(t1 - t0)
        matches += int(np.count_nonzero(t_masks[t0:t1] & q_masks[q0:q1]))
    t_start, t_end = int(blocks[0][0][0]), int(blocks[0][-1][1])
    q_start, q_end = int(blocks[1][0][0]), int(blocks[1][-1][1])
    gaps = (t_end - t_start - aligned) + (q_end - q_start - aligned)
    columns = aligned + gaps
    return Comparison(
        identity=round(100 * matches / columns, 2),
        coverage=round(100 * (q_end - q_start) / len(query), 2),
        target_coverage=round(100 * (t_end - t_start) / len(target), 2),
        columns=columns,
        matches=matches,
        mismatches=aligned - matches,
        gaps=gaps,
        query_start=q_start,
        query_end=q_end,
        target_start=t_start,
        target_end=t_end,
        score=float(alignment.score),
    )


# --- thresholds, verdicts and genera ---------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """The identities (percent) at which a query is of a hit's species or genus for a marker,
    and the least coverage of the query for either verdict."""

    marker: str
    species: float
    genus: float
    min_coverage: float = 80.0
    source: str = ""


# The defaults (the migration writes them; curators may change them per marker).
DEFAULT_THRESHOLDS = (
    Thresholds(
        "16S rRNA",
        98.7,
        94.5,
        80.0,
        "Species: Kim et al. 2014, IJSEM 64:346; Chun et al. 2018. "
        "Genus: Yarza et al. 2014, Nat Rev Microbiol 12:635.",
    ),
    Thresholds(
        "ITS",
        98.41,
        94.3,
        80.0,
        "Vu et al. 2019, Stud Mycol 92:135 (ITS, species and genus).",
    ),
)


def verdict(found: Comparison | None, thresholds: Thresholds | None) -> IdentityVerdict:
    """What a hit says of the query: the same species, the same genus, below the genus
    threshold; or no verdict (too little of the query aligned, no thresholds for the
    marker, no hit)."""
    if found is None:
        return IdentityVerdict.NO_HIT
    if thresholds is None:
        return IdentityVerdict.NO_THRESHOLDS
    if found.coverage < thresholds.min_coverage:
        return IdentityVerdict.LOW_COVERAGE
    if found.identity >= thresholds.species:
        return IdentityVerdict.SPECIES
    if found.identity >= thresholds.genus:
        return IdentityVerdict.GENUS
    return IdentityVerdict.BELOW_GENUS


PLACING = frozenset({IdentityVerdict.SPECIES, IdentityVerdict.GENUS})  # verdicts naming a genus
_NO_GENUS = re.compile(
    r"^(uncultured|unidentified|unclassified|unknown|environmental|bacterium|fungal|"
    r"fungus|mixed|metagenome)\b",
    re.I,
)


def genus_of(taxon: str | None) -> str | None:
    """The genus a scientific name names (`Bacillus subtilis`: Bacillus; `Candidatus
    Liberibacter asiaticus`: Liberibacter; `[Clostridium] difficile`: Clostridium), or None
    (`uncultured bacterium`, a name not starting with a capitalised word)."""
    if not taxon:
        return None
    words = taxon.replace("_", " ").split()
    if words and words[0].lower() in ("candidatus", "ca."):
        words = words[1:]
    if not words or _NO_GENUS.match(words[0]):
        return None
    genus = words[0].strip("[]'\"")
    if not re.fullmatch(r"[A-Z][a-z]+(-[a-z]+)?", genus):
        return None
    return genus


def same_genus(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()
