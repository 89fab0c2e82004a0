"""The generation of a mating's pups in the JAX style (N backcrosses, then F intercrosses)."""

from __future__ import annotations

import pytest

from repository.generations import generation_code, offspring_generation, parse_generation


@pytest.mark.parametrize(
    ("code", "parsed"),
    [
        ("N10F3", (10, 3)),
        ("n4", (4, 0)),
        ("F2", (0, 2)),
        ("", (0, 0)),
        (" N1 ", (1, 0)),
        ("F3N10", None),
        ("G2", None),
        ("N-1", None),
    ],
)
def test_codes_are_read(code, parsed):
    assert parse_generation(code) == parsed


def test_codes_are_written():
    assert generation_code(10, 3) == "N10F3"
    assert generation_code(4, 0) == "N4"
    assert generation_code(0, 2) == "F2"
    assert generation_code(0, 0) is None


@pytest.mark.parametrize(
    ("sire", "dam", "pups"),
    [
        ("F2", "F2", "F3"),  # sibling mating: F + 1
        ("N10", "N10", "N10F1"),  # the first intercross after ten backcrosses
        ("N10F3", "N10F3", "N10F4"),
        ("N10F2", "N10F3", "N10F4"),  # the later intercross counts
        ("", "", "F1"),  # founders of the line
        ("N4", None, "N5"),  # backcross of a line sire to the background
        (None, "N10F3", "N11"),  # a backcross drops the intercrosses
        ("", None, "N1"),  # a founder crossed to the background
        (None, None, None),  # neither parent of the line
        ("N10", "N9", None),  # an intercross of different backcross generations
        ("X7", "F2", None),  # a code that is not one
    ],
)
def test_the_pups_generation(sire, dam, pups):
    assert offspring_generation(sire, dam) == pups
