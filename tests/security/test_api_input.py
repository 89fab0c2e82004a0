"""Hostile input to the API's material registration: identifiers by the ten thousand, of every
wrong shape and nested junk, kinds that are not names. Each is a short 422 naming the field,
never a 500 (which `KeyError: 'scheme'` and an unhashable kind once were) and never an answer
that grows with the attack."""

from __future__ import annotations

import json

import pytest

from repository.errors import ValidationFailed
from repository.schemas.materials import load_material
from tests.clients import call

POST = "/api/v1/materials"
STRAIN = {"collection": "API", "kind": "strain", "designation": "s", "taxon_name": "Bacillus"}
GOOD = {"scheme": "DSM", "value": "291"}


def junk(depth: int) -> object:
    """Lists and objects nested `depth` levels, under the 64 the JSON reader allows."""
    value: object = "x"
    for level in range(depth):
        value = [None, {"k": value}] if level % 2 else {"scheme": 1, "value": value}
    return value


HOSTILE = {
    "10,000 good entries": [{"scheme": "DSM", "value": str(i)} for i in range(10_000)],
    "10,000 strings": ["DSM:291"] * 10_000,
    "10,000 of nested junk": [{"scheme": {"a": [1, None]}, "value": [[]]}] * 10_000,
    "nested junk": [junk(30)],
    "junk in a good entry": [{**GOOD, "extra": junk(30)}],
    "a scheme of a megabyte": [{"scheme": "D" * 1_000_000, "value": "291"}],
    "a value that is an object": [{"scheme": "DSM", "value": {"$gt": ""}}],
    "numbers": [42, 4.2, True],
    "an object instead of a list": {"scheme": "DSM", "value": "291"},
}


@pytest.mark.parametrize("identifiers", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_identifiers_are_a_short_422_on_the_field(world, identifiers):
    app, tokens, _ = world
    response = call(app, "POST", POST, tokens["curator"], {**STRAIN, "identifiers": identifiers})
    assert response.status_code == 422, response.data[:500]
    assert response.json["code"] == "validation_failed"
    assert "identifiers" in response.json["errors"]
    assert len(response.data) < 4096, "the answer grows with the attack"


def test_more_identifiers_than_allowed_are_refused_with_the_bound(world):
    app, tokens, _ = world
    many = [{"scheme": "DSM", "value": str(i)} for i in range(51)]
    response = call(app, "POST", POST, tokens["curator"], {**STRAIN, "identifiers": many})
    assert response.json["errors"]["identifiers"] == ["At most 50 entries, not 51."]
    fifty = call(app, "POST", POST, tokens["curator"], {**STRAIN, "identifiers": many[:50]})
    assert fifty.status_code == 201, fifty.json
    assert len(fifty.json["identifiers"]) == 50


@pytest.mark.parametrize(
    "body",
    [[], "strain", 7, None, {**STRAIN, "kind": ["strain"]}, {**STRAIN, "kind": {"a": 1}}],
    ids=["a list", "a string", "a number", "null", "kind a list", "kind an object"],
)
def test_a_body_or_kind_of_the_wrong_type_is_a_422(world, body):
    app, tokens, _ = world
    response = app.test_client().post(
        POST,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['curator']}"},
    )
    assert response.status_code == 422, response.data[:500]
    assert set(response.json["errors"]) <= {"_schema", "kind"} and response.json["errors"]


def test_the_service_refuses_them_too_for_imports_and_pages():
    """The one check behind the API, the bench page and the importers (no API schema there)."""
    material = {k: v for k, v in STRAIN.items() if k != "collection"}
    for identifiers in HOSTILE.values():
        with pytest.raises(ValidationFailed) as refused:
            load_material({**material, "identifiers": identifiers})
        assert set(refused.value.errors) == {"identifiers"}
    for kind in (["strain"], {"a": 1}, 7):
        with pytest.raises(ValidationFailed) as refused:
            load_material({**material, "kind": kind})
        assert set(refused.value.errors) == {"kind"}


def test_a_nul_in_any_text_is_refused_alike_on_both_databases(world):
    """PostgreSQL cannot hold a NUL in text, SQLite can: the schemas refuse it before either
    sees it, so the answer does not depend on the database."""
    app, tokens, _ = world
    for field in ("remarks", "restrictions_on_use", "origin_site"):
        answer = call(app, "POST", POST, tokens["curator"], {**STRAIN, field: "a\x00b"})
        assert answer.status_code == 422, (field, answer.status_code)
        assert answer.json["errors"][field] == ["A NUL character (\\x00) is not allowed."]
