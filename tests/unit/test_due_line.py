"""The reasons of due lines: each code says the same values in English and Chinese, every seed
rule has its code, and a vocabulary value is said from its own vocabulary."""

from __future__ import annotations

from datetime import date
from string import Formatter

import pytest

from repository.services import due_line
from repository.vocabulary import SeedRule


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(due_line.REASONS))
def test_both_languages_say_the_same_values(code):
    sentence = due_line.REASONS[code]
    assert placeholders(sentence.en) == placeholders(sentence.zh)


def test_every_seed_rule_has_a_reason():
    assert {f"seed_{rule.value}" for rule in SeedRule} <= set(due_line.REASONS)


def test_a_line_is_said_from_its_code_and_values():
    line = due_line.line(
        "germination_test",
        "lot",
        7,
        "SB 00001 L1",
        date(2020, 4, 1),
        3,
        "seed_monitoring_interval",
        rule="monitoring_interval",
        lot="SB 00001 L1",
        tested_on="2015-04-01",
        store="active",
        every=5,
    )
    assert (line.kind, line.record, line.record_id, line.collection_id) == (
        "germination_test",
        "lot",
        7,
        3,
    )
    assert line.code == "seed_monitoring_interval" and dict(line.params)["every"] == "5"
    assert line.reason == (
        "monitoring_interval: SB 00001 L1 was last tested on 2015-04-01; the active collection "
        "tests every 5 years."
    )
    # "active" is a mating's status too (在配): the store is said from the seed stores' words
    assert (
        line.said("zh")
        == "已到监测间隔：SB 00001 L1 上次检测于 2015-04-01；中期库每 5 年检测一次。"
    )
    assert line.said("en") == line.reason
