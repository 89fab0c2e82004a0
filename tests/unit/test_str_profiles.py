"""STR profiles read as CLASTR reads them: marker names normalised, alleles exact and each
once, a profile from a mapping or from text with every bad marker named; and a Cellosaurus
entry's alternatives per source resolved into CLASTR's profiles (its ConflictResolverTest
entries, CVCL_1793 and CVCL_1893, transcribed from CLASTR's test resources)."""

from __future__ import annotations

import pytest

from repository.str_profiles import (
    MAX_PERMUTATIONS,
    Marker,
    ProfileError,
    conflicted,
    marker_name,
    read_alleles,
    read_profile,
    resolve,
    single,
)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("VWA", "vWA"),
        ("vwa", "vWA"),
        ("THO1", "TH01"),
        ("CSF1P0", "CSF1PO"),
        ("Am", "Amelogenin"),
        ("AMEL", "Amelogenin"),
        ("amelogenin", "Amelogenin"),
        ("penta d", "Penta D"),
        ("PentaE", "Penta E"),
        ("Penta_C", "Penta C"),
        ("F13A1", "F13A01"),
        ("FES/FPS", "FESFPS"),
        ("d5s818", "D5S818"),
        (" D13S317 ", "D13S317"),
        ("Dog  FHC2010", "Dog FHC2010"),  # unknown: kept as written, spaces tidied
    ],
)
def test_marker_names_as_clastr_writes_them(given, name):
    assert marker_name(given) == name


def test_alleles_are_exact_strings_each_once_nd_kept():
    assert read_alleles("D13S317", "12,13.3") == ("12", "13.3")
    assert read_alleles("D13S317", "13.3, 13") == ("13.3", "13")  # 13.3 is not 13
    assert read_alleles("TH01", "9,9") == ("9",)  # homozygous: once
    assert read_alleles("Amelogenin", "x,Y") == ("X", "Y")
    assert read_alleles("CSF1PO", "Not_detected") == ("ND",)
    assert read_alleles("CSF1PO", ["ND", "10"]) == ("ND", "10")


@pytest.mark.parametrize(
    ("marker", "given", "says"),
    [
        ("D5S818", "11,a", "'a' is not an allele of D5S818"),
        ("D5S818", "X", "X and Y are Amelogenin's"),
        ("Amelogenin", "12", "not an Amelogenin allele"),
        ("D5S818", "11,,12", "An allele is empty"),
        ("D5S818", "1e3", "not an allele"),
        ("D5S818", "-1", "not an allele"),
        ("D5S818", "11.2.3", "not an allele"),
        ("D5S818", ",".join(str(n) for n in range(21)), "at most 20"),
    ],
)
def test_an_allele_that_is_not_a_number_or_x_y_is_refused(marker, given, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_alleles(marker, given)


def test_a_profile_from_text_one_marker_a_line():
    profile = read_profile(
        "# HeLa, ATCC CCL-2\n"
        "Amelogenin: X\n"
        "CSF1P0 = 9,10\n"
        "D13S317\t12, 13.3\n"
        "\n"
        "Penta D: \n"  # left empty: left out
        "FOO: 1\n"
    )
    assert profile.markers == {
        "Amelogenin": ("X",),
        "CSF1PO": ("9", "10"),
        "D13S317": ("12", "13.3"),
        "FOO": ("1",),
    }
    assert profile.unknown == ("FOO",)
    assert set(profile.scored) == {"Amelogenin", "CSF1PO", "D13S317"}
    assert profile.count() == 2 and profile.count(amelogenin=True) == 3


def test_every_bad_marker_and_line_is_named():
    with pytest.raises(ProfileError) as caught:
        read_profile("D5S818: 11\nvWA 16\nTH01: 7,x\nd5s818: 12\n")
    assert set(caught.value.errors) == {"line 2", "line 3", "line 4"}
    assert "Marker: alleles" in caught.value.errors["line 2"][0]
    assert "given twice (as D5S818 and d5s818)" in caught.value.errors["line 4"][0]
    with pytest.raises(ProfileError) as caught:
        read_profile({"VWA": "16", "vWA": "17", "TH01": 7})
    assert "given twice" in caught.value.errors["vWA"][0]
    assert "as text" in caught.value.errors["TH01"][0]


# CLASTR's ConflictResolverTest, on the entries of its test resources


def _alternatives(lines: str) -> list[list[Marker]]:
    """`Marker: alleles (sources)` lines, one alternative each, grouped by marker in order."""
    groups: dict[str, list[Marker]] = {}
    for line in lines.strip().splitlines():
        name, rest = line.split(":", 1)
        alleles, _, sources = rest.partition("(")
        groups.setdefault(name.strip(), []).append(
            Marker(
                name.strip(),
                read_alleles(name.strip(), alleles),
                tuple(s.strip() for s in sources.rstrip(")").split(";") if s.strip()),
            )
        )
    return list(groups.values())


CVCL_1793 = """
TPOX: 9,10 (Cosmic-CLP; DSMZ)
TPOX: 8,9,10,11 (PubMed=25877200)
D5S818: 11,12 (Cosmic-CLP; DSMZ)
D5S818: 10,11,12 (PubMed=25877200)
vWA: 16 (Cosmic-CLP; DSMZ)
vWA: 16,17,19 (PubMed=25877200)
D13S317: 8,11 (Cosmic-CLP; DSMZ)
D13S317: 8,10,11 (PubMed=25877200)
D16S539: 11,12 (Cosmic-CLP; DSMZ)
D16S539: 10,11,12 (PubMed=25877200)
CSF1PO: 10,11 (Cosmic-CLP; DSMZ)
CSF1PO: 11,13 (PubMed=25877200)
TH01: 6,9 (DSMZ)
TH01: 9 (Cosmic-CLP; PubMed=25877200)
Penta E: 5,11,12,13
Penta D: 9,10,14
FGA: 19,20
D8S1179: 9,12,13,14
D7S820: 10,12
D3S1358: 14,15
D2S1338: 17,23
D21S11: 26,30,31,31.2,32.2
D19S433: 13,14,15,15.2
D18S51: 15
Amelogenin: X
"""

CVCL_1893 = """
D5S818: 11,12 (AddexBio; ATCC; CLS; DSMZ; ECACC; JCRB; RCB)
D5S818: 11 (ICLC)
TH01: 6,9.3 (AddexBio; ATCC; CLS; ECACC; ICLC; RCB)
TH01: 6,10 (DSMZ)
TH01: 6 (JCRB)
vWA: 15,18
TPOX: 8
Penta E: 13,18
Penta D: 12
FGA: 22
D8S1179: 13,16
D7S820: 8,9
D3S1358: 15,16
D21S11: 30,32
D18S51: 13,16
D16S539: 13,14
D13S317: 11,12
CSF1PO: 11,12
Amelogenin: X
"""


def _alleles_of(profile, name: str) -> tuple[str, ...]:
    (marker,) = [m for m in profile if m.name == name]
    return marker.alleles


def test_sources_that_agree_throughout_make_one_profile_per_group():
    """CVCL_1793 (resolveTest4): DSMZ and Cosmic-CLP agree but on TH01, PubMed=25877200
    differs from both on six markers: three profiles, by source group."""
    profiles = resolve(_alternatives(CVCL_1793))
    assert len(profiles) == 3
    th01 = [_alleles_of(p, "TH01") for p in profiles]
    tpox = [_alleles_of(p, "TPOX") for p in profiles]
    assert th01 == [("9",), ("9",), ("6", "9")]  # PubMed, Cosmic-CLP, DSMZ
    assert tpox == [("8", "9", "10", "11"), ("9", "10"), ("9", "10")]
    assert all(len(p) == 18 for p in profiles)


def test_a_marker_split_three_ways_makes_four_profiles():
    """CVCL_1893 (resolveTest5): ICLC disagrees on D5S818, DSMZ and JCRB each on TH01."""
    profiles = resolve(_alternatives(CVCL_1893))
    assert len(profiles) == 4
    assert [(_alleles_of(p, "D5S818"), _alleles_of(p, "TH01")) for p in profiles] == [
        (("11",), ("6", "9.3")),  # ICLC
        (("11", "12"), ("6", "9.3")),  # AddexBio, ATCC, CLS, ECACC, RCB
        (("11", "12"), ("6", "10")),  # DSMZ
        (("11", "12"), ("6",)),  # JCRB
    ]


def test_an_entry_whose_sources_agree_is_one_profile():
    """CVCL_D605 (resolveTest6)."""
    alternatives = single({"Amelogenin": ("X",), "TH01": ("7",), "vWA": ("16", "18")})
    assert not conflicted(alternatives)
    assert resolve(alternatives) == [tuple(group[0] for group in alternatives)]


def test_sources_that_do_not_group_give_every_combination_up_to_150():
    """CVCL_0624 and CVCL_0013 (resolveTest2 and 7): the alternatives' sources differ from
    marker to marker, so CLASTR takes every combination in order (the first marker's choice
    changing slowest), and the first 150 of them."""
    sources = ["A", "B", "C", "D", "E"]
    lines = []
    for i, name in enumerate(["D5S818", "D7S820", "TH01", "TPOX", "vWA"]):
        for j in range(3):  # 3^5 = 243 combinations
            lines.append(f"{name}: {10 + j} ({sources[(i + j) % 5]}; {sources[(i + j + i) % 5]})")
    alternatives = _alternatives("\n".join(lines))
    profiles = resolve(alternatives)
    assert len(profiles) == MAX_PERMUTATIONS
    assert [m.alleles[0] for m in profiles[0]] == ["10"] * 5
    assert [m.alleles[0] for m in profiles[1]] == ["10", "10", "10", "10", "11"]
    assert [m.alleles[0] for m in profiles[3]] == ["10", "10", "10", "11", "10"]
    assert [m.alleles[0] for m in profiles[-1]] == ["11", "12", "11", "11", "12"]  # the 150th
