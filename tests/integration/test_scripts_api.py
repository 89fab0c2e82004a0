"""The API as a script uses it: a new lot's barcodes and positions in the answer, a material's
every field and kind in the OpenAPI document, one shape of 422, and the documentation page
served without the internet."""

from __future__ import annotations

import re

import pytest

from repository.db import unit_of_work
from tests.clients import ApiClient
from tests.factories import make_box, make_strain

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}
LOT = {
    "method": "lyophilised",
    "preserved_on": "2025-02-02",
    "items": 3,
    "quantity": "1",
    "unit": "ampoule",
    "form": "ampoule",
}
STRAIN = {"collection": "API", "kind": "strain", "designation": "s", "taxon_name": "Bacillus"}


def test_a_new_lot_answers_with_its_items_and_can_be_read_again(world, client: ApiClient):
    """Of a strain, in a box, of its own."""
    app, tokens, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        strain, box = make_strain(db, "API").id, make_box(db).barcode
    tech = tokens["technician"]
    positions = [{"row": 9, "col": col} for col in (7, 8, 9)]
    body = {**LOT, "material_id": strain, "container": box, "positions": positions}
    created = client.post("/api/v1/lots", json=body, token=tech)
    assert created.status_code == 201, created.json
    items = created.json["items"]
    assert len(items) == 3 and all(re.fullmatch(r"\S+", i["barcode"]) for i in items)
    assert {i["container"] for i in items} == {box}
    assert [i["position"] for i in items] == ["I7", "I8", "I9"]
    again = client.get(f"/api/v1/lots/{created.json['id']}", token=tech)
    assert again.status_code == 200 and again.json == created.json
    unplaced = client.post("/api/v1/lots", json={**LOT, "material_id": strain}, token=tech)
    assert [i["position"] for i in unplaced.json["items"]] == [None] * 3


def test_a_lot_is_read_by_staff_only_and_a_missing_one_is_404(world, client: ApiClient):
    _, tokens, ids = world
    path = f"/api/v1/lots/{ids['lot']}"
    assert client.get(path, token=tokens["requester"]).status_code == 403
    assert client.get(path).status_code in (401, 403)
    missing = client.get("/api/v1/lots/999999", token=tokens["technician"])
    assert missing.status_code == 404 and missing.json["field"] == "lot_id"
    lot = client.get(path, token=tokens["technician"]).json
    assert set(ids["vials"]) == {i["barcode"] for i in lot["items"]}


@pytest.mark.parametrize(
    "identifiers",
    [
        ["DSM:291"],
        [{"scheme": "DSM"}],
        [{"value": "291"}],
        [42],
        [None],
        [["DSM", "291"]],
        [{"scheme": "DSM", "value": "291", "url": "x"}],
        [{"scheme": "DSM", "value": "291"}, {"scheme": "DSM", "value": "291"}],
        "DSM:291",
        {"DSM": "291"},
    ],
)
def test_every_bad_shape_of_identifiers_is_a_422_naming_the_field(
    world, client: ApiClient, identifiers
):
    _, tokens, _ = world
    body = {**STRAIN, "identifiers": identifiers}
    response = client.post("/api/v1/materials", json=body, token=tokens["curator"])
    assert response.status_code == 422, response.json
    assert set(response.json) >= PROBLEM_KEYS and "identifiers" in response.json["errors"]
    assert response.json["code"] == "validation_failed"


def test_identifiers_of_the_documented_shape_are_kept(world, client: ApiClient):
    _, tokens, _ = world
    body = {**STRAIN, "identifiers": [{"scheme": "DSM", "value": "291"}]}
    created = client.post("/api/v1/materials", json=body, token=tokens["curator"])
    assert created.status_code == 201, created.json
    assert created.json["identifiers"] == [{"scheme": "DSM", "value": "291"}]


def test_a_kind_s_own_fields_are_checked_and_others_refused(world, client: ApiClient):
    _, tokens, _ = world
    curator = tokens["curator"]
    seed_field = {**STRAIN, "crop_name": "rice"}  # a seed's field on a strain
    refused = client.post("/api/v1/materials", json=seed_field, token=curator)
    assert refused.status_code == 422 and "crop_name" in refused.json["errors"]
    cell = {**STRAIN, "kind": "cell_line", "cellosaurus_id": "CVCL_0030", "growth_mode": "adherent"}
    assert client.post("/api/v1/materials", json=cell, token=curator).status_code == 201
    bad_kind = client.post("/api/v1/materials", json={**STRAIN, "kind": "rock"}, token=curator)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json["errors"]


def test_the_document_describes_every_field_of_a_material_by_kind(world):
    app, _, _ = world
    spec = app.test_client().get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/materials"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/MaterialIn"}
    material = schemas["MaterialIn"]
    assert material["discriminator"]["propertyName"] == "kind"
    mapping = material["discriminator"]["mapping"]
    assert set(mapping) == {"strain", "seed", "cell_line", "animal_line", "specimen"}
    assert material["oneOf"] == [{"$ref": ref} for ref in mapping.values()]
    from repository.schemas.materials import KIND_SCHEMAS

    for kind, schema in KIND_SCHEMAS.items():
        described = schemas[mapping[kind.value].rsplit("/", 1)[1]]
        assert set(described["properties"]) == {*schema._declared_fields, "collection"}
        assert described["properties"]["kind"]["enum"] == [kind.value]
        assert {"kind", "collection", "designation", "taxon_name"} <= set(described["required"])
        assert described["additionalProperties"] is False
        identifiers = described["properties"]["identifiers"]
        assert identifiers["type"] == "array" and identifiers["maxItems"] >= 1
        identifier = schemas[identifiers["items"]["$ref"].rsplit("/", 1)[1]]
        assert identifier["required"] == ["scheme", "value"]
    assert "specimen_type" in schemas[mapping["specimen"].rsplit("/", 1)[1]]["required"]


def test_a_framework_422_and_a_project_422_have_one_shape(world, client: ApiClient):
    _, tokens, ids = world
    tech = tokens["technician"]
    framework = client.post("/api/v1/lots", json={"items": "many"}, token=tech)
    project = client.post(  # valid for the request schema, refused by the service
        "/api/v1/lots",
        json={**LOT, "material_id": ids["open"], "animals": [{"sex": "female"}]},
        token=tech,
    )
    page = client.get("/api/v1/materials?page=3000000000&page_size=10")
    for response in (framework, project, page):
        assert response.status_code == 422, response.json
        assert response.mimetype == "application/problem+json"
        assert set(response.json) == PROBLEM_KEYS, response.json
        assert response.json["title"] == "Validation failed"
        assert response.json["code"] == "validation_failed"
    assert "items" in framework.json["errors"] and "animals" in project.json["errors"]


def test_the_documentation_page_loads_its_assets_from_this_site(world):
    app, _, _ = world
    client = app.test_client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.data.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "an asset from another site"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui.css", "swagger-ui-bundle.js"}
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.data) > 10_000, asset
    policy = page.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert "http://localhost/api/v1/docs/assets/" in script_src
    assert not any("cdn" in source or "unsafe" in source for source in script_src)
    assert client.get("/api/v1/docs/assets/../__init__.py").status_code == 404
