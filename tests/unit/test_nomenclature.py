"""The nomenclature checks of animal line names: warnings where the rules are unambiguous."""

from __future__ import annotations

import pytest

from repository.nomenclature import check_name


@pytest.mark.parametrize(
    "name",
    [
        "C57BL/6J",
        "C57BL/6NCrl",
        "BALB/cJ",
        "DBA/2J",
        "C57BL/10ScSn",
        "129S6/SvEvTac",
        "B6.129S4-Cd4tm1Knw/J",
        "B6D2F1",
        "D2B6F1",  # parents unknown: either order may be right
        "FVB/NJ",
    ],
)
def test_good_names_have_no_warning(name):
    assert check_name(name) == []


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("C57Bl/6J", "C57BL/6"),
        ("C57BL6J", "C57BL/6"),
        ("Balb/c", "BALB/c"),
        ("BALB/C", "BALB/c"),
        ("DBA2", "DBA/2"),
        ("C57BL / 6J", "without spaces"),
        ("C57BL/", "a side is empty"),
        ("b6d2f1", "ends with F1"),
        ("C57BL/6J x DBA/2J F1", "B6D2F1"),
        ("(BALB/cJ x C57BL/6J)F1", "CB6F1"),
    ],
)
def test_broken_rules_are_warned(name, said):
    warnings = check_name(name)
    assert len(warnings) == 1 and said in warnings[0], warnings


def test_an_f1_names_the_female_parent_first():
    (warning,) = check_name("D2B6F1", female="C57BL/6J", male="DBA/2J")
    assert "B6D2F1" in warning
    assert check_name("B6D2F1", female="C57BL/6J", male="DBA/2J") == []
    assert check_name("CB6F1", female="BALB/c", male="B6") == []
    assert check_name("XYF1", female="Unknown", male="DBA/2J") == []  # not unambiguous


def test_an_empty_name_is_warned():
    assert check_name("  ") == ["The name is empty."]
