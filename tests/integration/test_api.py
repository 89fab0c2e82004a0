"""The HTTP API: authentication, the authorization matrix, visibility, ETags, errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from api import create_app
from repository.db import unit_of_work
from repository.models import Item, Material
from repository.services import accounts, collections, inventory, materials, storage
from repository.vocabulary import Role
from tests.conftest import make_box
from tests.integration.test_requests_api import SHARING_PREFIXES

PASSWORD = "correct horse battery"
ROLES = {
    "admin": [(Role.ADMIN, None)],
    "curator": [(Role.CURATOR, "API")],
    "other_curator": [(Role.CURATOR, "OTH")],
    "technician": [(Role.TECHNICIAN, None)],
    "requester": [(Role.REQUESTER, None)],
    "printer": [(Role.PRINTER, None)],
}


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    """A database with a collection, materials of each access level, a box with vials, and a
    user (with a token) per role; plus the app on it."""
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    backend = request.param
    schema = "api_tests"
    url = fresh_database(backend, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"})
    factory = app.extensions["biorepo"]
    tokens, ids = {}, {}
    with unit_of_work(factory) as db:
        for code in ("API", "OTH"):
            collections.create_collection(
                db, {"code": code, "name": code, "kind": "culture_collection"}
            )
        for name, grants in ROLES.items():
            accounts.register_user(db, f"{name}@example.org", name, roles=grants, password=PASSWORD)
        for level in ("open", "restricted", "internal"):
            material = materials.register_material(
                db,
                "API",
                {
                    "kind": "strain",
                    "designation": f"{level} strain",
                    "taxon_name": "Bacillus subtilis",
                    "access_level": level,
                    "internal_remarks": "freezer 3 is noisy",
                },
            )
            ids[level] = material.id
        box = make_box(db)
        freezer = box.parent.parent
        ids["rack"] = storage.create_unit(db, {"kind": "rack", "name": "Spare"}, freezer).barcode
        standby = storage.create_unit(
            db, {"kind": "freezer", "name": "Standby", "temperature_c": -80}, freezer.parent
        )
        storage.create_unit(db, {"kind": "rack", "name": "R1"}, standby)
        storage.create_unit(db, {"kind": "rack", "name": "R2"}, standby)
        ids["freezer"], ids["standby"] = freezer.barcode, standby.barcode
        line = materials.register_material(
            db, "API", {"kind": "cell_line", "designation": "HEK293", "taxon_name": "Homo sapiens"}
        )
        ids["cell_lot"] = inventory.create_lot(
            db,
            line,
            {
                "method": "ln2_vapour",
                "preserved_on": "2025-01-01",
                "items": 1,
                "quantity": "1000000",
                "unit": "cells",
                "form": "cryovial",
                "passage_number": 5,
            },
        ).id
        lot = inventory.create_lot(
            db,
            db.get(Material, ids["open"]),
            {
                "method": "glycerol_minus80",
                "preserved_on": "2025-01-01",
                "items": 6,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            place=storage.Place(box),
        )
        ids["lot"] = lot.id
        ids["box"] = box.barcode
        ids["vials"] = list(db.scalars(select(Item.barcode).where(Item.lot_id == lot.id)))
    with unit_of_work(factory) as db:
        for name in ROLES:
            tokens[name] = accounts.create_token(db, f"{name}@example.org", 1)
    yield app, tokens, ids
    app.extensions["biorepo.engine"].dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def pytest_generate_tests(metafunc):
    if "world" in metafunc.fixturenames:
        from tests.conftest import BACKENDS

        metafunc.parametrize("world", BACKENDS, indirect=True, scope="module")


def call(app, method, path, token=None, body=None, headers=None):
    client = app.test_client()
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=method, json=body, headers=headers)


# Every endpoint, with a valid request and the roles that may make it.
STAFF = {"admin", "curator", "other_curator", "technician"}
EVERYONE = {None, *ROLES}


def matrix(ids):
    v = ids["vials"]
    return [
        ("GET", "/api/v1/materials", None, EVERYONE),
        ("GET", f"/api/v1/materials/{ids['open']}", None, EVERYONE),
        (
            "POST",
            "/api/v1/materials",
            {
                "collection": "API",
                "kind": "strain",
                "designation": "new",
                "taxon_name": "Escherichia coli",
            },
            {"admin", "curator"},
        ),
        ("GET", "/api/v1/collections", None, EVERYONE),
        (
            "POST",
            "/api/v1/collections",
            {"code": "NEW1", "name": "n", "kind": "seed_bank"},
            {"admin"},
        ),
        ("GET", f"/api/v1/items/{v[0]}", None, STAFF),
        ("GET", f"/api/v1/items/{v[0]}/history", None, STAFF),
        ("GET", f"/api/v1/items/{v[0]}/lineage", None, STAFF),
        (
            "POST",
            "/api/v1/lots",
            {
                "material_id": ids["open"],
                "method": "lyophilised",
                "preserved_on": "2025-02-02",
                "items": 1,
                "quantity": "1",
                "unit": "ampoule",
                "form": "ampoule",
            },
            STAFF,
        ),
        (
            "POST",
            f"/api/v1/lots/{ids['lot']}/qc",
            {"test": "sterility", "outcome": "pass", "tested_on": "2025-02-03"},
            STAFF,
        ),
        ("POST", f"/api/v1/items/{v[1]}/consume", {"quantity": "0.01"}, STAFF),
        ("POST", f"/api/v1/items/{v[1]}/split", {"count": 1, "quantity": "0.01"}, STAFF),
        ("POST", "/api/v1/moves", {"items": [v[2]], "container": ids["box"]}, STAFF),
        ("GET", f"/api/v1/storage/{ids['box']}", None, STAFF),
        ("GET", f"/api/v1/storage/{ids['box']}/grid", None, STAFF),
        ("GET", "/api/v1/storage/free-positions?temperature=-80&count=2", None, STAFF),
        (
            "POST",
            "/api/v1/storage",
            {"kind": "site", "name": "Annex"},
            {"admin", "curator", "other_curator"},
        ),
        ("GET", "/api/v1/audit", None, {"admin", "curator", "other_curator"}),
        ("POST", f"/api/v1/items/{v[3]}/missing", {"note": "not in its place"}, STAFF),
        ("POST", f"/api/v1/items/{v[3]}/found", {}, STAFF),
        ("POST", f"/api/v1/items/{v[4]}/destroy", {"reason": "thawed"}, STAFF),
        (
            "POST",
            f"/api/v1/lots/{ids['cell_lot']}/passage",
            {
                "preserved_on": "2025-02-02",
                "items": 1,
                "quantity": "1",
                "unit": "cells",
                "form": "cryovial",
            },
            STAFF,
        ),
        ("POST", f"/api/v1/storage/{ids['box']}/move", {"parent": ids["rack"]}, STAFF),
        ("POST", f"/api/v1/storage/{ids['freezer']}/evacuate", {"target": ids["standby"]}, STAFF),
        ("PATCH", f"/api/v1/materials/{ids['open']}", {"remarks": "x"}, {"admin", "curator"}),
        ("GET", "/api/v1/auth/me", None, EVERYONE),
        ("GET", "/api/v1/health", None, EVERYONE),
        ("GET", "/api/v1/users", None, {"admin"}),
        (
            "POST",
            "/api/v1/users",
            {"email": "new.user@example.org", "name": "New", "roles": [{"role": "technician"}]},
            {"admin"},
        ),
        ("GET", "/api/v1/organisations", None, {"admin"}),
        ("POST", "/api/v1/organisations", {"name": "A lab", "biosafety_level": 2}, {"admin"}),
    ]


def test_matrix_covers_every_operation(world):
    app, _, ids = world
    spec = app.test_client().get("/api/v1/openapi.json").json
    verbs = {"get", "post", "put", "patch", "delete"}
    documented = {
        (m.upper(), p)
        for p, ops in spec["paths"].items()
        for m in ops
        if m in verbs and not p.startswith(SHARING_PREFIXES)  # test_requests_api covers those
    }
    templates = {"{barcode}", "{material_id}", "{lot_id}"}
    covered = set()
    for method, path, *_ in matrix(ids):
        for doc_method, doc_path in documented:
            parts, actual = doc_path.split("/"), path.split("?")[0].split("/")
            if (
                doc_method == method
                and len(parts) == len(actual)
                and all(a == b or a in templates for a, b in zip(parts, actual, strict=True))
            ):
                covered.add((doc_method, doc_path))
    login_logout = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout")}
    assert documented - covered == login_logout  # those two: test_login_session_and_csrf


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix(world, role):
    """Every operation for every role: refused exactly when the role may not (401 for
    nobody, 403 for a role without the right); otherwise never a 401 or 403 (a 404 or 409
    from the state the earlier roles left is fine here, the behaviour has its own tests)."""
    app, tokens, ids = world
    for method, path, body, allowed in matrix(ids):
        headers = {}
        if method == "PATCH":
            current = call(app, "GET", path, tokens["admin"])
            headers["If-Match"] = current.headers["ETag"]
        response = call(app, method, path, tokens.get(role), body, headers)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.json)
            assert response.status_code < 500, (role, method, path, response.json)
        else:
            expected = 401 if role is None else 403
            assert response.status_code == expected, (role, method, path, response.json)
            assert response.json["status"] == expected


def test_public_sees_the_catalogue_only(world):
    app, tokens, ids = world
    for token in (None, tokens["requester"]):
        listed = call(app, "GET", "/api/v1/materials?collection=API", token).json
        names = {m["designation"] for m in listed}
        assert {"open strain", "restricted strain"} <= names and "internal strain" not in names
        assert {m["access_level"] for m in listed} <= {"open", "restricted"}
        assert all("internal_remarks" not in m and "details" not in m for m in listed)
        assert call(app, "GET", f"/api/v1/materials/{ids['internal']}", token).status_code == 404
    staff = call(app, "GET", f"/api/v1/materials/{ids['internal']}", tokens["technician"]).json
    assert staff["internal_remarks"] == "freezer 3 is noisy"


def test_curators_register_only_in_their_collections(world):
    app, tokens, _ = world
    body = {"collection": "API", "kind": "strain", "designation": "x", "taxon_name": "Xy z"}
    assert call(app, "POST", "/api/v1/materials", tokens["other_curator"], body).status_code == 403


def test_scan_gives_item_location_and_history(world):
    app, tokens, ids = world
    body = call(app, "GET", f"/api/v1/items/{ids['vials'][5].lower()}", tokens["technician"]).json
    assert body["item"]["barcode"] == ids["vials"][5]
    assert [p["kind"] for p in body["location"]] == ["site", "room", "freezer", "rack", "box"]
    assert body["temperature_c"] == -80
    assert "placed" in [event["type"] for event in body["history"]]
    missing = call(app, "GET", "/api/v1/items/NOPE7777", tokens["technician"])
    assert missing.status_code == 404 and missing.json["field"] == "barcode"


def test_stale_etag_gets_412_and_changes_nothing(world):
    app, tokens, ids = world
    path = f"/api/v1/materials/{ids['restricted']}"
    first = call(app, "GET", path, tokens["curator"])
    etag = first.headers["ETag"]
    ok = call(app, "PATCH", path, tokens["curator"], {"remarks": "checked"}, {"If-Match": etag})
    assert ok.status_code == 200 and ok.json["remarks"] == "checked"
    stale = call(
        app, "PATCH", path, tokens["curator"], {"remarks": "overwritten"}, {"If-Match": etag}
    )
    assert stale.status_code == 412
    assert call(app, "GET", path, tokens["curator"]).json["remarks"] == "checked"
    assert call(app, "PATCH", path, tokens["curator"], {"remarks": "x"}).status_code == 428


def test_bad_input_is_a_clear_4xx_and_changes_nothing(world):
    app, tokens, _ = world
    token = tokens["curator"]
    before = len(call(app, "GET", "/api/v1/materials?collection=API&page_size=100", token).json)
    client = app.test_client()
    malformed = client.post(
        "/api/v1/materials",
        data="{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert malformed.status_code in (400, 422) and malformed.json["status"] in (400, 422)
    cases = [
        {"collection": "API", "kind": "virus", "designation": "x", "taxon_name": "Xy"},
        {"collection": "API", "kind": "strain", "designation": 5, "taxon_name": "Xy"},
        {
            "collection": "API",
            "kind": "strain",
            "designation": "x",
            "taxon_name": "Xy",
            "colour": "red",
        },
        {"collection": "API", "kind": "strain", "designation": "x" * 5000, "taxon_name": "Xy"},
        {
            "collection": "../../etc/passwd",
            "kind": "strain",
            "designation": "x",
            "taxon_name": "Xy",
        },
    ]
    for body in cases:
        response = call(app, "POST", "/api/v1/materials", token, body)
        assert response.status_code in (404, 422), (body, response.json)
        assert response.content_type == "application/problem+json"
    huge = call(app, "GET", "/api/v1/materials?page_size=100000", token)
    assert huge.status_code == 422
    after = len(call(app, "GET", "/api/v1/materials?collection=API&page_size=100", token).json)
    assert after == before


def test_html_and_sql_in_text_are_data(world):
    app, tokens, _ = world
    nasty = "<script>alert(1)</script>'; DROP TABLE materials; --"
    body = {"collection": "API", "kind": "strain", "designation": nasty, "taxon_name": "Xy z"}
    created = call(app, "POST", "/api/v1/materials", tokens["curator"], body)
    assert created.status_code == 201
    raw = call(app, "GET", f"/api/v1/materials/{created.json['id']}", None).get_data(as_text=True)
    assert "<script>" not in raw  # JSON escapes < and > as \\u003c / \\u003e
    assert json.loads(raw)["designation"] == nasty


def test_login_session_and_csrf(world):
    app, _, _ = world
    client = app.test_client()
    wrong = client.post(
        "/api/v1/auth/login", json={"email": "technician@example.org", "password": "nope"}
    )
    assert wrong.status_code == 401
    login = client.post(
        "/api/v1/auth/login", json={"email": "technician@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200 and login.json["roles"] == ["technician"]
    csrf = login.json["csrf_token"]
    assert client.get("/api/v1/storage/free-positions?temperature=-80&count=1").status_code == 200
    body = {"test": "identity", "outcome": "pass", "tested_on": "2025-03-01"}
    lot = "/api/v1/lots/999999/qc"
    assert client.post(lot, json=body).status_code == 403  # no CSRF header
    assert client.post(lot, json=body, headers={"X-CSRF-Token": csrf}).status_code == 404
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get(f"/api/v1/items/{'X' * 8}").status_code == 401


def test_failed_logins_are_rate_limited(world):
    app, _, _ = world
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/auth/login", json={"email": "printer@example.org", "password": "guess"}
            ).status_code
            == 401
        )
    locked = client.post(
        "/api/v1/auth/login", json={"email": "printer@example.org", "password": PASSWORD}
    )
    assert locked.status_code == 403 and "Too many" in locked.json["detail"]


def test_bad_tokens_are_refused(world):
    app, tokens, ids = world
    assert call(app, "GET", f"/api/v1/items/{ids['vials'][0]}", "br_forged").status_code == 401
    with unit_of_work(app.extensions["biorepo"]) as db:
        accounts.revoke_token(db, tokens["printer"])
    assert call(app, "GET", "/api/v1/materials", tokens["printer"]).status_code == 401
    assert (
        call(
            app, "GET", "/api/v1/materials", None, headers={"Authorization": "Basic abc"}
        ).status_code
        == 401
    )
