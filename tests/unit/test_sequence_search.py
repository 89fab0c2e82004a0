"""The pure parts of sequence identification: residues refused with a precise reason, packed
8-mer profiles, the prefilter's ranking, identity and coverage by the stated convention,
verdicts from thresholds, and the genus a taxon names."""

from __future__ import annotations

import random

import numpy as np
import pytest

from repository.sequence_search import (
    DEFAULT_THRESHOLDS,
    MAX_BASES,
    MIN_BASES,
    BadResidues,
    Comparison,
    Profiles,
    Thresholds,
    candidates,
    compare,
    genus_of,
    nucleotides,
    packed,
    profile,
    unpacked,
    verdict,
)
from repository.vocabulary import IdentityVerdict
from tests import synthetic

SIXTEEN_S = DEFAULT_THRESHOLDS[0]


def bases(n: int, seed: int = 1) -> str:
    return synthetic.root(random.Random(seed), n)


def test_residues_are_read_as_iupac_dna():
    raw = "acgu " * 30 + "\n" + "NRYK-..-" + "acgu" * 2
    assert nucleotides(raw) == "ACGT" * 30 + "NRYK" + "ACGT" * 2  # RNA read as DNA, gaps gone


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "No residues."),
        ("  \n-.-", "No residues."),
        ("ACGTU" * 40, "Both T and U: DNA and RNA mixed in one sequence."),
        (
            "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQ"
            "HDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQ",
            "Amino acids (E, F, I, L, P, Q), not nucleotides: identification compares DNA or RNA.",
        ),
        ("ACGT" * 30 + "X1", "Not IUPAC nucleotides: '1', X (first at residue 121)."),
        ("ACGT" * 30 + "<script>", "Not IUPAC nucleotides: '<', '>', I, P (first at residue 121)."),
        (
            "N" * 500 + "ACGT" * 20,
            f"80 definite bases (A, C, G, T): at least {MIN_BASES} are needed to compare.",
        ),
        ("A" * (MAX_BASES + 1), "10,001 bases: a marker compared here has at most 10,000."),
    ],
)
def test_what_cannot_be_compared_says_why(text, reason):
    with pytest.raises(BadResidues) as refused:
        nucleotides(text)
    assert str(refused.value) == reason


def test_a_profile_holds_each_clean_8_mer_once_packed_in_16_bits():
    words = profile("AAAAAAAAAC" + "N" + "ACGTACGT")
    # AAAAAAAA (twice), AAAAAAAC; the windows with N are dropped; ACGTACGT
    assert words.tolist() == sorted([0, 1, 0b0001101100011011])
    assert words.dtype == np.uint16
    assert unpacked(packed(words)).tolist() == words.tolist()
    assert len(profile("ACGTACG")) == 0
    assert len(profile("ÄCGTACGTACGT")) == 4  # a character no code knows is ambiguous


def test_candidates_are_ranked_by_the_distinct_8_mers_they_share():
    rng = random.Random(3)
    query = bases(600, 3)
    near = synthetic.mutated(rng, query, 0.01)
    far = synthetic.mutated(rng, query, 0.15)
    other = bases(600, 4)
    group = Profiles([(k, profile(s)) for k, s in (("far", far), ("near", near), ("x", other))])
    ranked = candidates(profile(query), [group], limit=2)
    assert [key for key, _ in ranked] == ["near", "far"]
    assert ranked[0][1] > ranked[1][1] >= 12
    assert candidates(profile(query), [group], limit=5, minimum=10_000) == []
    assert candidates(profile(query), [Profiles([])]) == []


def test_identity_counts_internal_gaps_but_not_end_gaps():
    target = bases(1000, 5)
    query = target[100:400] + target[410:700]  # 10 bases deleted inside, both ends missing
    found = compare(query, target)
    assert (found.query_start, found.query_end) == (0, 590)
    assert (found.target_start, found.target_end) == (100, 700)
    assert found.gaps == 10 and found.columns == 600 and found.mismatches == 0
    assert found.identity == round(100 * 590 / 600, 2)
    assert found.coverage == 100.0 and found.target_coverage == 60.0


def test_an_ambiguity_code_is_identical_to_the_bases_it_stands_for():
    target = bases(300, 6)
    query = "N" + target[1:150] + ("R" if target[150] in "AG" else "Y") + target[151:]
    found = compare(query, target)
    assert found.identity == 100.0 and found.matches == 300
    wrong = target[:150] + ("Y" if target[150] in "AG" else "R") + target[151:]
    assert compare(wrong, target).mismatches == 1


def test_coverage_is_the_share_of_the_query_aligned():
    target = bases(500, 7)
    query = bases(200, 8) + target[:300]  # 200 foreign bases hang off the target's start
    found = compare(query, target)
    assert found.coverage < 70 and found.query_start >= 150


def hit(identity: float, coverage: float = 100.0) -> Comparison:
    return Comparison(identity, coverage, 100.0, 1000, 0, 0, 0, 0, 0, 0, 0, 0.0)


@pytest.mark.parametrize(
    ("identity", "coverage", "expected"),
    [
        (99.0, 100, IdentityVerdict.SPECIES),
        (98.7, 100, IdentityVerdict.SPECIES),
        (98.69, 100, IdentityVerdict.GENUS),
        (94.5, 100, IdentityVerdict.GENUS),
        (94.49, 100, IdentityVerdict.BELOW_GENUS),
        (100.0, 79.9, IdentityVerdict.LOW_COVERAGE),
    ],
)
def test_a_hit_is_judged_by_its_markers_thresholds(identity, coverage, expected):
    assert verdict(hit(identity, coverage), SIXTEEN_S) == expected


def test_no_hit_and_no_thresholds_give_no_verdict():
    assert verdict(None, SIXTEEN_S) == IdentityVerdict.NO_HIT
    assert verdict(hit(100.0), None) == IdentityVerdict.NO_THRESHOLDS
    its = Thresholds("ITS", 98.41, 94.3)
    assert verdict(hit(98.41), its) == IdentityVerdict.SPECIES
    assert verdict(hit(94.29), its) == IdentityVerdict.BELOW_GENUS


@pytest.mark.parametrize(
    ("taxon", "genus"),
    [
        ("Bacillus subtilis", "Bacillus"),
        ("Bacillus_subtilis", "Bacillus"),
        ("Candidatus Liberibacter asiaticus", "Liberibacter"),
        ("[Clostridium] difficile", "Clostridium"),
        ("Escherichia-Shigella", None),
        ("uncultured bacterium", None),
        ("Uncultured Bacillus sp.", None),
        ("bacillus subtilis", None),
        ("", None),
        (None, None),
    ],
)
def test_the_genus_of_a_taxon(taxon, genus):
    assert genus_of(taxon) == genus
