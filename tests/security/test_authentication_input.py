"""STR tests of a lot given bad input: profiles of every wrong shape and size, a lot that is
not a cell line's or does not exist, junk parameters, a NUL in the lab's name, a requester
posting; each a precise 4xx (never a 500) with nothing written: no QC result, no test, no
quarantine."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import Authentication, Lot, QcResult
from tests.clients import call
from tests.security.test_str_input import ELEVEN

GOOD = {"profile": ELEVEN, "tested_on": "2026-11-30"}
BAD = {
    "no profile": {"tested_on": "2026-11-30"},
    "empty profile": {**GOOD, "profile": ""},
    "profile of a number": {**GOOD, "profile": 42},
    "profile of a list": {**GOOD, "profile": ["D5S818", "11"]},
    "too few markers": {**GOOD, "profile": "TH01: 7\nTPOX: 8"},
    "an allele that is a word": {**GOOD, "profile": ELEVEN.replace("7\n", "seven\n", 1)},
    "a marker twice": {**GOOD, "profile": ELEVEN + "\nTHO1: 9"},
    "a megabyte of profile": {**GOOD, "profile": "D5S818: 11\n" * 100_000},
    "nested junk": {**GOOD, "profile": {"D5S818": {"$gt": ""}}},
    "no day": {"profile": ELEVEN},
    "a day that is not one": {**GOOD, "tested_on": "2026-02-30"},
    "an unknown algorithm": {**GOOD, "algorithm": "tanimoto"},
    "an unknown field": {**GOOD, "verdict": "authenticated"},
    "a NUL in the lab": {**GOOD, "lab": "Core\x00lab"},
    "a kit of a kilobyte": {**GOOD, "kit": "k" * 1000},
}


def written(world) -> tuple[int, int, int]:
    with unit_of_work(world.app.extensions["biorepo"], write=False) as db:
        return (
            db.scalar(select(func.count()).select_from(QcResult)),
            db.scalar(select(func.count()).select_from(Authentication)),
            db.scalar(select(func.count()).select_from(Lot).where(Lot.quarantined_at.is_not(None))),
        )


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_str_test_is_a_422_and_writes_nothing(world, case):
    before = written(world)
    path = f"/api/v1/lots/{world.ids['cell_lot']}/str-tests"
    answer = call(world.app, "POST", path, world.tokens["technician"], BAD[case])
    assert answer.status_code == 422, (case, answer.status_code, answer.json)
    assert answer.content_type == "application/problem+json"
    assert written(world) == before


def test_the_wrong_lot_or_person_writes_nothing(world):
    before = written(world)
    strain_lot = f"/api/v1/lots/{world.ids['lot']}/str-tests"
    answer = call(world.app, "POST", strain_lot, world.tokens["technician"], GOOD)
    assert answer.status_code == 422 and "is not a cell line's lot" in str(answer.json)
    missing = call(world.app, "POST", "/api/v1/lots/999999/str-tests", world.tokens["admin"], GOOD)
    assert missing.status_code == 404
    own = f"/api/v1/lots/{world.ids['cell_lot']}/str-tests"
    assert call(world.app, "POST", own, world.tokens["requester"], GOOD).status_code == 403
    assert call(world.app, "POST", own, None, GOOD).status_code == 401
    assert call(world.app, "GET", own, world.tokens["requester"]).status_code == 403
    assert written(world) == before


def test_lifting_a_quarantine_refuses_the_wrong_person_and_bad_reasons(world):
    """Only a curator of the lot's collection lifts a quarantine, with a reason of sensible
    size; a lot that is not quarantined is a 409; never a 500, nothing written."""
    before = written(world)
    path = f"/api/v1/lots/{world.ids['cell_lot']}/quarantine/release"
    good = {"reason": "Retested negative."}
    for role in ("technician", "other_curator", "requester"):
        assert call(world.app, "POST", path, world.tokens[role], good).status_code == 403, role
    assert call(world.app, "POST", path, None, good).status_code == 401
    curator = world.tokens["curator"]
    for bad in ({}, {"reason": " "}, {"reason": "r" * 501}, {"reason": "a\x00b"}, {"reason": 7}):
        assert call(world.app, "POST", path, curator, bad).status_code == 422, bad
    missing = "/api/v1/lots/999999/quarantine/release"
    assert call(world.app, "POST", missing, world.tokens["admin"], good).status_code == 404
    assert call(world.app, "POST", path, curator, good).status_code == 409  # not quarantined
    assert written(world) == before
