"""Hostile input to the cell culture fields: a passage-limit override without a reason (blank,
of a megabyte, not a string), a tier that is not one, a negative or huge passage limit, a
testing schedule of zero or less. Each is a 422 naming the field, never a 500, and nothing
is made."""

from __future__ import annotations

import pytest

from tests.clients import call

PASSAGE = {
    "preserved_on": "2025-06-01",
    "items": 1,
    "quantity": "1000000",
    "unit": "cells",
    "form": "cryovial",
}
CELL_LINE = {
    "collection": "API",
    "kind": "cell_line",
    "designation": "HeLa",
    "taxon_name": "Homo sapiens",
}
COLLECTION = {"code": "QCX", "name": "QC", "kind": "cell_bank"}

HOSTILE_PASSAGES = {
    "an empty reason": {"override_reason": ""},
    "a blank reason": {"override_reason": " \t\n "},
    "a reason of a megabyte": {"override_reason": "x" * 1_000_000},
    "a reason that is an object": {"override_reason": {"$ne": ""}},
    "a reason that is true": {"override_reason": True},
    "a tier that is not one": {"tier": "gold"},
    "a tier that is a list": {"tier": ["mcb", "wcb"]},
    "a passage number of its own": {"passage_number": 1},
}


@pytest.mark.parametrize("fields", HOSTILE_PASSAGES.values(), ids=HOSTILE_PASSAGES.keys())
def test_hostile_passage_fields_are_a_422_on_the_field(world, fields):
    app, tokens, ids = world
    path = f"/api/v1/lots/{ids['cell_lot']}/passage"
    response = call(app, "POST", path, tokens["technician"], {**PASSAGE, **fields})
    assert response.status_code == 422, response.data[:500]
    assert set(response.json["errors"]) == set(fields)
    assert len(response.data) < 4096, "the answer grows with the attack"
    lot = call(app, "GET", f"/api/v1/lots/{ids['cell_lot']}", tokens["technician"])
    assert lot.json["quarantined_at"] is None and lot.json["tier"] is None


@pytest.mark.parametrize("limit", [-1, 10_001, 2**40, "20; DROP TABLE lots", None])
def test_a_bad_passage_limit_is_refused(world, limit):
    app, tokens, _ = world
    body = {**CELL_LINE, "max_passage": limit}
    response = call(app, "POST", "/api/v1/materials", tokens["curator"], body)
    assert response.status_code == 422, response.data[:500]
    assert "max_passage" in response.json["errors"]


@pytest.mark.parametrize(
    "schedule", [{"qc_every_passages": 0}, {"qc_every_months": -3}, {"qc_every_months": 10**6}]
)
def test_a_bad_testing_schedule_is_refused(world, schedule):
    app, tokens, _ = world
    response = call(app, "POST", "/api/v1/collections", tokens["admin"], {**COLLECTION, **schedule})
    assert response.status_code == 422, response.data[:500]
    assert set(response.json["errors"]) == set(schedule)
