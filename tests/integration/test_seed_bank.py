"""Seed bank: germination tests and initial viability, the monitoring interval of a lot's
store, regeneration due by each rule (named in the reason), regeneration into the next
cycle's lot, and safety duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from api import create_app
from api.web.history import event_sentence
from repository.errors import Conflict, InvalidState, ValidationFailed
from repository.models import Event, Item, Lot
from repository.schemas.seed_bank import (
    GerminationTestIn,
    RegenerationIn,
    SafetyDuplicateIn,
    SeedSettingIn,
)
from repository.services import seed_bank
from repository.vocabulary import EventType, ItemStatus, SeedRule
from tests.factories import add_collection, add_material, make_lot, make_strain, preserve

PACKETS = {
    "method": "dried_seed_minus18",
    "preserved_on": "2010-03-01",
    "items": 4,
    "quantity": "500",
    "unit": "seeds",
    "form": "seed_packet",
}


@pytest.fixture
def seed(db):
    add_collection(db, {"code": "SB", "name": "Seeds", "kind": "seed_bank"})
    return add_material(
        db,
        "SB",
        {
            "kind": "seed",
            "designation": "IR64",
            "taxon_name": "Oryza sativa",
            "crop_name": "Rice",
        },
    )


@pytest.fixture
def lot(db, seed) -> Lot:
    return preserve(db, seed, PACKETS)


def germination(db, lot: Lot, tested_on: str, normal: int, hard: int = 0, fresh: int = 0):
    rest = 100 - normal - hard - fresh
    replicate = {"seeds": 100, "normal": normal, "hard": hard, "fresh": fresh, "dead": rest}
    body = {
        "tested_on": tested_on,
        "replicates": [replicate] * 4,
        "medium": "TP",
        "temperature_c": 20,
        "days": 14,
    }
    return seed_bank.record_germination_test(db, lot.id, GerminationTestIn().load_or_fail(body))


def setting(db, seed, **fields) -> None:
    seed_bank.set_setting(db, seed.collection_id, SeedSettingIn().load_or_fail(fields))


def lines(db, today: date, lot: Lot, kind: str) -> list:
    return [
        line for line in seed_bank.due(db, today) if line.record_id == lot.id and line.kind == kind
    ]


def test_percentages_are_computed_and_the_first_test_is_the_initial_viability(db, lot):
    body = {
        "tested_on": "2010-04-01",
        "replicates": [
            {"seeds": 50, "normal": 40, "abnormal": 3, "dead": 2, "hard": 4, "fresh": 1},
            {"seeds": 50, "normal": 44, "abnormal": 2, "dead": 4},
            {"seeds": 50, "normal": 42, "dead": 8},
            {"seeds": 50, "normal": 46, "hard": 2, "dead": 2},
        ],
    }
    test = seed_bank.record_germination_test(db, lot.id, GerminationTestIn().load_or_fail(body))
    assert (test.seeds, test.germination_pct, test.viability_pct) == (200, 86.0, 89.5)
    assert [r.number for r in test.replicates] == [1, 2, 3, 4]
    germination(db, lot, "2020-04-01", normal=70)
    viability = seed_bank.viability(db, lot.id)
    assert viability.initial_viability_pct == 89.5 and viability.latest_viability_pct == 70
    assert viability.store.value == "base" and viability.every_years == 10
    assert viability.next_test_on == date(2030, 4, 1)
    event = db.get(Event, test.event_id)
    assert event.type is EventType.QC and event.data["initial"] is True
    with create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).test_request_context():
        said = event_sentence(event.type, event.data)
    assert "86" in said and "89.5" in said and "200" in said


def test_a_lot_of_another_material_has_no_germination_test(db, collection):
    strain_lot = make_lot(db, make_strain(db))
    with pytest.raises(InvalidState):
        germination(db, strain_lot, "2020-01-01", normal=90)


def test_counts_that_do_not_add_up_are_refused():
    with pytest.raises(ValidationFailed):
        GerminationTestIn().load_or_fail(
            {"tested_on": "2020-01-01", "replicates": [{"seeds": 100, "normal": 90}]}
        )


def test_a_test_is_due_by_the_store_interval_or_the_crop_setting(db, seed, lot):
    untested = lines(db, date(2010, 3, 2), lot, "germination_test")
    assert [line.reason.split(":")[0] for line in untested] == ["initial_test"]
    germination(db, lot, "2010-04-01", normal=95)
    assert lines(db, date(2020, 3, 31), lot, "germination_test") == []
    (line,) = lines(db, date(2020, 4, 1), lot, "germination_test")
    assert line.reason.startswith("monitoring_interval:") and line.due_on == date(2020, 4, 1)
    active = preserve(db, seed, {**PACKETS, "method": "dried_seed_4"})
    germination(db, active, "2010-04-01", normal=95)
    assert lines(db, date(2015, 4, 1), active, "germination_test")[0].due_on == date(2015, 4, 1)
    setting(db, seed, crop_name="rice", declining=True, active_every_years=3)
    (line,) = lines(db, date(2013, 4, 1), lot, "germination_test")
    assert line.due_on == date(2013, 4, 1) and "every 3 years" in line.reason


def test_regeneration_is_due_when_viability_falls_below_85_percent_of_the_initial(db, seed, lot):
    germination(db, lot, "2010-04-01", normal=90)
    germination(db, lot, "2015-04-01", normal=80)  # 88.9 % of 90: not yet
    assert lines(db, date(2016, 1, 1), lot, "regeneration") == []
    germination(db, lot, "2020-04-01", normal=76)  # 84.4 %
    (line,) = lines(db, date(2021, 1, 1), lot, "regeneration")
    assert line.reason.startswith("viability_drop:") and line.due_on == date(2020, 4, 1)
    setting(db, seed, regenerate_below_pct=80)
    assert lines(db, date(2021, 1, 1), lot, "regeneration") == []


def test_regeneration_is_due_when_fewer_seeds_are_left_than_three_regenerations_sow(db, seed, lot):
    germination(db, lot, "2010-04-01", normal=95)
    setting(db, seed, seeds_per_regeneration=500)  # 3 x 500 = 1500 < 2000 held
    assert lines(db, date(2011, 1, 1), lot, "regeneration") == []
    for packet in db.scalars(select(Item).where(Item.lot_id == lot.id)).all()[:2]:
        packet.status = ItemStatus.DESTROYED  # 1000 seeds left
    db.flush()
    (line,) = lines(db, date.today(), lot, "regeneration")
    assert line.reason.startswith("seed_count:") and "holds 1000 seeds" in line.reason


def test_regeneration_is_due_when_distributable_stock_is_under_the_minimum(db, seed, lot):
    germination(db, lot, "2010-04-01", normal=95)
    seed.minimum_stock = 2  # 4 available, 2 distributable: not under 2
    db.flush()
    assert lines(db, date.today(), lot, "regeneration") == []
    seed.minimum_stock = 3  # 1 distributable
    db.flush()
    (line,) = lines(db, date.today(), lot, "regeneration")
    assert line.reason.startswith("minimum_stock:") and line.collection_id == seed.collection_id


def test_the_lines_of_one_material_are_the_whole_lists_for_it(db, seed, lot):
    other = add_material(
        db, "SB", {"kind": "seed", "designation": "Nipponbare", "taxon_name": "Oryza sativa"}
    )
    preserve(db, other, PACKETS)
    second = preserve(db, seed, PACKETS)
    germination(db, lot, "2010-04-01", normal=95)
    seed.minimum_stock = 5  # 8 available over its two lots: 3 distributable
    db.flush()
    day = date(2040, 1, 1)  # the minimum stock is due since the stock last changed: now
    mine = [line for line in seed_bank.due(db, day) if line.record_id in {lot.id, second.id}]
    assert {line.code for line in mine} == {
        "seed_monitoring_interval",
        "seed_initial_test",
        "seed_minimum_stock",
    }
    assert seed_bank.due(db, day, [seed.id]) == mine
    assert seed_bank.due(db, day, []) == []


def test_each_rule_is_said_in_english_and_chinese(db, seed, lot):
    untested = preserve(db, seed, PACKETS)
    germination(db, lot, "2010-04-01", normal=90)
    germination(db, lot, "2020-04-01", normal=76)  # 84.4 % of 90
    setting(db, seed, seeds_per_regeneration=1000)  # 3 x 1000 = 3000 > 2000 held
    seed.minimum_stock = 5  # 8 available, 3 distributable
    db.flush()
    found = {(line.code, line.record_id): line for line in seed_bank.due(db, date(2031, 1, 1))}
    assert {code for code, _ in found} == {f"seed_{rule.value}" for rule in SeedRule}
    said = {
        code: (line.reason, line.said("zh"))
        for (code, record_id), line in found.items()
        if record_id
        == (untested.id if code in ("seed_initial_test", "seed_minimum_stock") else lot.id)
    }
    label = lot.label
    assert said["seed_initial_test"] == (
        f"initial_test: {untested.label} has no germination test (its initial viability is not "
        "known).",
        f"尚未检测：{untested.label} 没有发芽试验（初始生活力未知）。",
    )
    assert said["seed_monitoring_interval"] == (
        f"monitoring_interval: {label} was last tested on 2020-04-01; the base collection tests "
        "every 10 years.",
        f"已到监测间隔：{label} 上次检测于 2020-04-01；长期库每 10 年检测一次。",
    )
    assert said["seed_viability_drop"] == (
        f"viability_drop: {label} tested 76 % viable on 2020-04-01, below 85 % of its initial "
        "90 % (76.5 %).",
        f"生活力低于阈值：{label} 于 2020-04-01 检测生活力为 76 %，低于初始生活力 90 % 的 85 %"
        "（76.5 %）。",
    )
    assert said["seed_seed_count"] == (
        f"seed_count: {label} holds 2000 seeds, fewer than the 3000 that 3 regenerations of "
        "1000 seeds sow.",
        f"种子不足三次繁殖更新：{label} 存有 2000 粒种子，少于 3 次繁殖更新（每次播种 1000 "
        "粒）所需的 3000 粒。",
    )
    accession = seed.accession_number
    assert said["seed_minimum_stock"] == (
        f"minimum_stock: {accession} has 8 items available and keeps 5: 3 distributable, under "
        "its minimum stock of 5.",
        f"可分发量低于最低库存：{accession} 有 8 份可用，需保留 5 份：可分发 3 份，低于最低库存 "
        "5 份。",
    )


def test_regeneration_makes_the_next_cycle_lot_whose_first_test_is_its_initial(db, lot):
    germination(db, lot, "2010-04-01", normal=90)
    body = {
        "site": "Field 3, Los Baños",
        "season": "2024 wet",
        "plants": 120,
        "isolation": "none",
        "harvested_on": "2024-11-02",
        "seeds_harvested": 6000,
        "items": 10,
        "quantity": "500",
        "unit": "seeds",
    }
    regeneration = seed_bank.regenerate(db, lot.id, RegenerationIn().load_or_fail(body))
    new = regeneration.lot
    assert new.parent_lot_id == lot.id and new.regeneration_cycle == 1 and new.number == 2
    assert new.method == lot.method and new.preserved_on == date(2024, 11, 2)
    assert len(new.items) == 10
    assert seed_bank.viability(db, new.id).initial_viability_pct is None
    germination(db, new, "2024-12-01", normal=97)
    assert seed_bank.viability(db, new.id).initial_viability_pct == 97
    again = seed_bank.regenerate(db, new.id, RegenerationIn().load_or_fail(body))
    assert again.lot.regeneration_cycle == 2
    with pytest.raises(ValidationFailed):
        RegenerationIn().load_or_fail({**body, "seeds_harvested": 4999})


def test_safety_duplicates_are_kept_per_lot_and_site(db, lot):
    body = {"institute_code": "NOR051", "institute_name": "Svalbard", "sent_on": "2024-02-01"}
    seed_bank.add_safety_duplicate(db, lot.id, SafetyDuplicateIn().load_or_fail(body))
    with pytest.raises(Conflict):
        seed_bank.add_safety_duplicate(db, lot.id, SafetyDuplicateIn().load_or_fail(body))
    other = {**body, "institute_code": "CHN001", "sent_on": "2023-01-01"}
    seed_bank.add_safety_duplicate(db, lot.id, SafetyDuplicateIn().load_or_fail(other))
    kept = seed_bank.safety_duplicates(db, lot.id)
    assert [d.institute_code for d in kept] == ["CHN001", "NOR051"]
    with pytest.raises(ValidationFailed):
        SafetyDuplicateIn().load_or_fail({**body, "institute_code": "Svalbard"})
