"""STR scores as CLASTR computes them: its ScoringAlgorithmTest and ScoringModeTest cases
(CLASTR 1.4's backend tests, transcribed), the verdict thresholds, the best and worst of a
reference whose sources disagree, and the vectorised index giving exactly the numbers and the
order of the rule applied one reference at a time."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from repository.str_profiles import Marker, read_profile
from repository.str_search import (
    Algorithm,
    Mode,
    Options,
    Query,
    Reference,
    ReferenceIndex,
    Score,
    Verdict,
    pick,
    score,
    search_plain,
    verdict,
)

MARKERS = ("D5S818", "D13S317", "D7S820", "D16S539", "VWA", "TH01", "Amelogenin", "TPOX", "CSF1PO")


def profile(*alleles: str, names: tuple[str, ...] = MARKERS) -> dict[str, str]:
    """CLASTR's test profiles: alleles in the order of its markers ("" for a marker absent)."""
    return {name: a for name, a in zip(names, alleles, strict=True) if a}


def query_of(given: dict[str, str]) -> Query:
    return Query.of(read_profile(given))


def reference_of(given: dict[str, str]) -> tuple[Marker, ...]:
    return tuple(Marker(name, alleles) for name, alleles in read_profile(given).markers.items())


# ScoringAlgorithmTest: (query, reference, Tanabe, Masters vs query, Masters vs reference),
# non-empty markers, Amelogenin included, to 0.1 as CLASTR asserts them.
ALGORITHM_CASES = [
    (
        profile("12,13", "11,12", "9,13", "10,13", "17,19", "6,7", "X", "8", "10,11"),
        profile("12,13", "11", "9,13", "10,13", "17,19", "6,7", "X", "7,8", "10,13"),
        (87.5, 87.5, 87.5),
    ),
    (
        profile("9", "8,12", "8,12", "11", "18,19", "6,9.3", "X", "8,10", "11,12"),
        profile("9", "8,11", "8,10,11", "11", "18,19,17", "6,9.3", "X,Y", "8,10", "10,11"),
        (72.7, 80.0, 66.7),
    ),
    (
        profile("10,11", "8,12", "11,12", "12", "14", "7,9", "X", "8", "12"),
        profile("10,12", "8,11", "12", "12", "14", "7,9", "X", "8", "12"),
        (80.0, 76.9, 83.3),
    ),
    (
        profile("11", "9", "11,11.3", "10,12", "16,18,19", "9,9", "X", "8,9", "10"),
        profile("11", "9", "11,12", "10,12", "16,18", "9,9", "X", "9", "10"),
        (84.6, 78.6, 91.7),
    ),
    (
        profile("11,12,13", "12,13", "7,8,10", "11,12,13", "17,18,19", "6,8", "X,Y", "8", "11,12"),
        profile("12,13", "12,13", "8,10,7", "11,14", "17,18", "6,8", "X,Y", "8", "11,12"),
        (87.2, 81.0, 94.4),
    ),
    (
        profile("11", "10,11", "10.3,12", "9,11", "14,17", "9,9", "X,Y", "8,9", "10,12"),
        profile("12", "10,11", "11,12", "11,13", "14,17", "6,7", "X", "8,9", "10,13"),
        (62.5, 62.5, 62.5),
    ),
    (
        profile("11,12", "9,13", "8,11", "10,11", "15,16", "8,9", "X,Y", "8,10", "13"),
        profile("11,12,10", "9,12,8", "8,10,9", "10,11,9", "15,16", "8,9", "X,Y", "8,10", "12"),
        (73.7, 82.3, 66.7),
    ),
    (
        profile("6,12,13", "8,9,11", "8,9,12", "12,13,14", "15,16,17", "9,9", "X", "11", "11,13"),
        profile("6,12", "9,12", "9,13", "12,13", "15,16,17", "9,9", "X", "11", "11,14"),
        (72.2, 65.0, 81.3),
    ),
    (
        profile("12", "10,12", "9,11", "12", "15", "9.3", "X", "8,11", "12"),
        profile("12", "10,12", "9,11", "12", "14,15", "6,10", "X", "8,11", "12"),
        (84.6, 91.7, 78.6),
    ),
    (
        profile("12,13", "11,12", "9,13", "10,13", "17,19", "6,7", "X", "8", "10,11"),
        profile("12,13", "11,12", "9,13", "10,13", "17,19", "6,7", "X", "8", "10,11"),
        (100.0, 100.0, 100.0),
    ),
]


@pytest.mark.parametrize(("query", "reference", "expected"), ALGORITHM_CASES)
def test_clastr_scoring_algorithm_cases(query, reference, expected):
    found = [
        score(
            query_of(query),
            reference_of(reference),
            Options(algorithm, Mode.NON_EMPTY, include_amelogenin=True),
        ).score
        for algorithm in (Algorithm.TANABE, Algorithm.MASTERS_QUERY, Algorithm.MASTERS_REFERENCE)
    ]
    assert found == pytest.approx(list(expected), abs=0.1)


MODE_PROFILES = {
    1: (
        profile("12,13", "11,12", "9,13", "10,13", "17,19", "6,7", "X", "8", "10,11"),
        profile("12,13", "11", "9,13", "10,13", "17,19", "6,7", "X", "7,8", "10,13"),
    ),
    2: (
        profile("9", "8,12", "8,12", "11", "18,19", "6,9.3", "X", "8,10", "11,12"),
        profile("9", "8,11", "8,10,11", "11", "18,19,17", "", "X,Y", "8,10", "10,11"),
    ),
    3: (
        profile("10,11", "8,12", "11,12", "12", "14", "7,9", "", "8", "12"),
        profile("10,12", "8,11", "12", "12", "14", "7,9", "X", "8", "12"),
    ),
    4: (
        profile("11", "ND", "11,11.3", "12", "16,18,19", "9,9", "X", "8,9", "ND"),
        {
            "D3S1358": "11,13",
            **profile("11", "ND", "11,12", "12,12", "16,18", "9,9", "X", "", "10"),
        },
    ),
}

# ScoringModeTest: (case, mode, Amelogenin included) → (hits, query size, reference size,
# markers compared).
MODE_CASES = {
    (1, Mode.NON_EMPTY, True): (14, 16, 16, 9),
    (1, Mode.QUERY, True): (14, 16, 16, 9),
    (1, Mode.REFERENCE, True): (14, 16, 16, 9),
    (1, Mode.NON_EMPTY, False): (13, 15, 15, 8),
    (1, Mode.QUERY, False): (13, 15, 15, 8),
    (1, Mode.REFERENCE, False): (13, 15, 15, 8),
    (2, Mode.NON_EMPTY, True): (10, 13, 16, 8),
    (2, Mode.QUERY, True): (10, 15, 16, 9),
    (2, Mode.REFERENCE, True): (10, 13, 16, 8),
    (2, Mode.NON_EMPTY, False): (9, 12, 14, 7),
    (2, Mode.QUERY, False): (9, 14, 14, 8),
    (2, Mode.REFERENCE, False): (9, 12, 14, 7),
    (3, Mode.NON_EMPTY, True): (9, 12, 11, 8),
    (3, Mode.QUERY, True): (9, 12, 11, 8),
    (3, Mode.REFERENCE, True): (9, 12, 12, 9),
    (3, Mode.NON_EMPTY, False): (9, 12, 11, 8),
    (3, Mode.QUERY, False): (9, 12, 11, 8),
    (3, Mode.REFERENCE, False): (9, 12, 11, 8),
    (4, Mode.NON_EMPTY, True): (7, 9, 9, 8),
    (4, Mode.QUERY, True): (7, 11, 9, 9),
    (4, Mode.REFERENCE, True): (7, 9, 11, 9),
    (4, Mode.NON_EMPTY, False): (6, 8, 8, 7),
    (4, Mode.QUERY, False): (6, 10, 8, 8),
    (4, Mode.REFERENCE, False): (6, 8, 10, 8),
}


@pytest.mark.parametrize(("case", "mode", "amelogenin"), list(MODE_CASES))
def test_clastr_scoring_mode_cases(case, mode, amelogenin):
    query, reference = MODE_PROFILES[case]
    found = score(
        query_of(query), reference_of(reference), Options(mode=mode, include_amelogenin=amelogenin)
    )
    assert (
        found.shared,
        found.query_alleles,
        found.reference_alleles,
        found.markers,
    ) == MODE_CASES[(case, mode, amelogenin)]


def test_scores_are_javas_doubles_and_nothing_compared_is_no_score():
    """5 alleles shared of 13 is 38.46153846153847, to the last digit CLASTR prints; with no
    marker in common there is no score (Java's 0 / 0), never a 0 that a filter of 0 passes."""
    reference = profile("9", "11,12", "8,10", "9", "17,19", "8", "X", "8", "11,14")
    query = profile("10", "11", "8", "8,9", "10,11", "7,8", "X", "12", "13,14")
    found = score(
        query_of(query),
        reference_of({**reference, "D21S11": "28"}),
        Options(Algorithm.MASTERS_REFERENCE, Mode.REFERENCE),
    )
    assert (found.shared, found.reference_alleles, found.score) == (5, 13, 38.46153846153847)
    nothing = score(query_of({"TH01": "8"}), reference_of({"D5S818": "9"}), Options())
    assert math.isnan(nothing.score) and not nothing.defined and nothing.markers == 0


@pytest.mark.parametrize(
    ("algorithm", "value", "expected"),
    [
        (Algorithm.TANABE, 90.0, Verdict.RELATED),
        (Algorithm.TANABE, 89.99, Verdict.AMBIGUOUS),
        (Algorithm.TANABE, 80.0, Verdict.AMBIGUOUS),
        (Algorithm.TANABE, 79.9, Verdict.UNRELATED),
        (Algorithm.MASTERS_QUERY, 80.0, Verdict.RELATED),
        (Algorithm.MASTERS_REFERENCE, 60.0, Verdict.AMBIGUOUS),
        (Algorithm.MASTERS_QUERY, 59.9, Verdict.UNRELATED),
    ],
)
def test_the_published_thresholds(algorithm, value, expected):
    assert verdict(value, algorithm) is expected


def test_best_is_the_first_top_score_and_worst_the_last_lowest():
    def of(value: float) -> Score:
        return Score(value, 0, 0, 0, 8, False)

    assert pick([of(80), of(90), of(90), of(70), of(70)]) == (1, 4)
    assert pick([of(50), of(50)]) == (0, 1)
    assert pick([of(math.nan), of(40)]) == (1, 0)  # nothing compared is never the best


# The index against the rule, on random references with conflicting sources


def _random_references(rng: random.Random, count: int) -> list[Reference]:
    names = ["Amelogenin", "CSF1PO", "D5S818", "D7S820", "D13S317", "TH01", "TPOX", "vWA", "FGA"]
    names += ["D3S1358", "D8S1179", "D18S51", "D21S11", "Penta D", "SE33"]

    def marker(name: str) -> Marker:
        if name == "Amelogenin":
            return Marker(name, tuple(rng.choice([["X"], ["X", "Y"], ["ND"]])))
        pool = ["7", "8", "9", "9.3", "10", "11", "12", "13", "ND"]
        return Marker(name, tuple(dict.fromkeys(rng.choices(pool, k=rng.randint(1, 3)))))

    references = []
    for n in range(count):
        base = [marker(name) for name in rng.sample(names, rng.randint(4, len(names)))]
        profiles = [tuple(base)]
        for _ in range(rng.choice([0, 0, 0, 1, 2])):  # another source, a few markers differ
            other = [marker(m.name) if rng.random() < 0.3 else m for m in base]
            if rng.random() < 0.2:  # CLASTR's groups can hold a marker twice
                other.append(marker(other[0].name))
            profiles.append(tuple(other))
        references.append(Reference("cellosaurus", f"CVCL_{n:04d}", f"line {n}", tuple(profiles)))
    return references


def test_the_index_gives_the_rules_numbers_and_order():
    rng = random.Random(17)
    references = _random_references(rng, 400)
    index = ReferenceIndex(references)
    assert index.irregular  # the profiles holding a marker twice are among them
    for _ in range(6):
        query = query_of({m.name: list(m.alleles) for m in rng.choice(references).profiles[0]})
        for algorithm, mode, amelogenin in itertools.product(Algorithm, Mode, [False, True]):
            options = Options(algorithm, mode, amelogenin, 40.0, 4, 50)
            plain, passed = search_plain(query, references, options)
            fast, counted = index.search(query, options)
            assert counted == passed
            assert [_seen(m) for m in fast] == [_seen(m) for m in plain]


def _seen(match) -> str:
    """A match as text, where NaN equals NaN."""
    return repr((match.reference.key, match.best, match.best_score, match.worst, match.worst_score))
