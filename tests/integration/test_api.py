"""The HTTP API: authentication, the authorization matrix, visibility, ETags, errors."""

from __future__ import annotations

import json

import pytest

from repository.db import unit_of_work
from repository.models import StockAlert
from repository.sequence_search import DEFAULT_THRESHOLDS
from tests.clients import call, client_at
from tests.factories import add_material, add_token
from tests.matrices import EXCHANGE_PREFIXES, SHARING_PREFIXES
from tests.world import PASSWORD, ROLES

# Every endpoint, with a valid request and the roles that may make it.
STAFF = {"admin", "curator", "other_curator", "technician"}
EVERYONE = {None, *ROLES}
CURATORS = {"admin", "curator", "other_curator"}  # of any collection
ITS_THRESHOLDS = vars(DEFAULT_THRESHOLDS[1])  # the world's, as they are


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
        ("GET", "/api/v1/items?status=available&sort=-location", None, STAFF),
        ("GET", "/api/v1/saved-searches", None, STAFF),
        (
            "POST",
            "/api/v1/saved-searches",
            {"name": "Matrix", "query": {"status": ["available"]}},
            STAFF,
        ),
        ("GET", "/api/v1/saved-searches/1", None, STAFF),
        ("DELETE", "/api/v1/saved-searches/1", None, STAFF),
        (
            "POST",
            "/api/v1/items/batch-edits/preview",
            {"search": {"status": ["available"]}, "changes": {"status": "missing"}},
            STAFF,
        ),
        (
            "POST",
            "/api/v1/items/batch-edits",
            {"search": {"material": "NONE 0"}, "changes": {"status": "missing"}},
            STAFF,
        ),
        ("GET", "/api/v1/items/batch-edits", None, STAFF),
        ("GET", "/api/v1/items/batch-edits/1", None, STAFF),
        ("POST", "/api/v1/items/batch-edits/1/undo", {}, STAFF),
        ("POST", "/api/v1/items/batch-edits/sheet/preview", None, STAFF),  # no file: a 422
        ("POST", "/api/v1/items/batch-edits/sheet", None, STAFF),
        (
            "POST",
            "/api/v1/materials/batch-edits/preview",
            {"search": {"collection": "API"}, "changes": {"remarks": "Batch."}},
            CURATORS,
        ),
        (
            "POST",
            "/api/v1/materials/batch-edits",
            {"search": {"q": "NONE 0"}, "changes": {"remarks": "Batch."}},  # nothing: a 409
            CURATORS,
        ),
        ("GET", "/api/v1/materials/batch-edits", None, CURATORS),
        ("GET", "/api/v1/materials/batch-edits/1", None, CURATORS),
        ("POST", "/api/v1/materials/batch-edits/1/undo", {}, CURATORS),
        ("POST", "/api/v1/materials/batch-edits/sheet/preview", None, CURATORS),  # no file: 422
        ("POST", "/api/v1/materials/batch-edits/sheet", None, CURATORS),
        ("GET", f"/api/v1/lots/{ids['lot']}", None, STAFF),
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
        (
            "POST",
            f"/api/v1/lots/{ids['cell_lot']}/str-tests",
            {
                "profile": "D5S818: 11,12\nD13S317: 8\nD7S820: 10\nD16S539: 11,12\n"
                "vWA: 16,17\nTH01: 6,9\nTPOX: 8\nCSF1PO: 10,12",
                "tested_on": "2025-02-03",
            },
            STAFF,
        ),
        ("GET", f"/api/v1/lots/{ids['cell_lot']}/str-tests", None, STAFF),
        (
            "POST",
            f"/api/v1/lots/{ids['cell_lot']}/quarantine/release",
            {"reason": "Retested negative."},
            {"admin", "curator"},
        ),
        ("POST", f"/api/v1/storage/{ids['box']}/move", {"parent": ids["rack"]}, STAFF),
        ("POST", f"/api/v1/storage/{ids['freezer']}/evacuate", {"target": ids["standby"]}, STAFF),
        ("POST", f"/api/v1/storage/{ids['box']}/rack-scan", None, STAFF),  # no file: a 422
        ("POST", f"/api/v1/storage/{ids['box']}/rack-scan?apply=true", None, STAFF),
        ("POST", f"/api/v1/storage/{ids['freezer']}/stocktake", None, STAFF),  # nothing: a 422
        ("POST", f"/api/v1/storage/{ids['freezer']}/stocktake?apply=true", None, STAFF),
        ("POST", f"/api/v1/storage/{ids['box']}/rack-register", None, STAFF),  # no file: a 422
        ("POST", f"/api/v1/items/{v[0]}/tube-code", {"code": "9000000001"}, STAFF),
        ("DELETE", f"/api/v1/items/{v[0]}/tube-code", None, STAFF),
        ("PATCH", f"/api/v1/materials/{ids['open']}", {"remarks": "x"}, {"admin", "curator"}),
        ("GET", "/api/v1/auth/me", None, EVERYONE),
        ("GET", "/api/v1/health", None, EVERYONE),
        ("GET", "/api/v1/health/live", None, EVERYONE),
        ("GET", "/api/v1/health/ready", None, EVERYONE),
        ("GET", "/api/v1/users", None, {"admin"}),
        (
            "POST",
            "/api/v1/users",
            {"email": "new.user@example.org", "name": "New", "roles": [{"role": "technician"}]},
            {"admin"},
        ),
        ("GET", "/api/v1/organisations", None, {"admin"}),
        ("POST", "/api/v1/organisations", {"name": "A lab", "biosafety_level": 2}, {"admin"}),
        ("GET", f"/api/v1/users/{ids['user']}", None, {"admin"}),
        ("PATCH", f"/api/v1/users/{ids['user']}", {"name": "Requester"}, {"admin"}),
        ("GET", "/api/v1/tokens", None, set(ROLES)),
        ("POST", "/api/v1/tokens", {"name": "matrix", "days": 1}, set(ROLES)),
        ("DELETE", f"/api/v1/tokens/{ids['spare_token']}", None, set(ROLES)),
        ("GET", "/api/v1/donors?collection=API", None, {"admin", "curator"}),
        ("POST", "/api/v1/donors", {"collection": "API", "code": "D002"}, {"admin", "curator"}),
        ("GET", f"/api/v1/donors/{ids['donor']}", None, {"admin", "curator"}),
        (
            "POST",
            f"/api/v1/donors/{ids['donor']}/consents",
            {"scope": ["data_sharing"], "signed_on": "2025-01-02"},
            {"admin", "curator"},
        ),
        ("POST", f"/api/v1/consents/{ids['consent']}/withdraw", {}, {"admin", "curator"}),
        ("GET", "/api/v1/printers", None, STAFF),
        (
            "POST",
            "/api/v1/printers",
            {"name": "Lab 3", "protocol": "pdf", "transport": "cups", "address": "lab3"},
            {"admin"},
        ),
        ("GET", f"/api/v1/printers/{ids['printer']}", None, STAFF),
        ("PATCH", f"/api/v1/printers/{ids['printer']}", {"location": "cold room 2"}, {"admin"}),
        ("GET", f"/api/v1/items/{v[5]}/label?format=zpl", None, STAFF),
        ("POST", "/api/v1/labels", {"barcodes": [v[5]], "format": "zpl"}, STAFF),
        ("POST", "/api/v1/labels", {"search": {"sort": "location"}, "format": "zpl"}, STAFF),
        ("POST", "/api/v1/print-jobs", {"printer": "Matrix", "barcodes": [v[5]]}, STAFF),
        ("GET", "/api/v1/print-jobs", None, STAFF | {"printer"}),
        ("GET", f"/api/v1/print-jobs/{ids['job']}", None, STAFF | {"printer"}),
        ("GET", f"/api/v1/print-jobs/{ids['job']}/document", None, STAFF | {"printer"}),
        ("GET", f"/api/v1/print-jobs/{ids['job']}/progress", None, STAFF | {"printer"}),
        (
            "POST",
            f"/api/v1/print-jobs/{ids['job']}/ack",
            {"printed": False, "error": "out of ribbon"},
            {"admin", "printer"},
        ),
        ("POST", f"/api/v1/print-jobs/{ids['job']}/reprint", None, STAFF),
        ("POST", f"/api/v1/print-jobs/{ids['other_job']}/cancel", None, STAFF),
        ("GET", "/api/v1/alerts", None, STAFF),
        ("POST", f"/api/v1/alerts/{ids['alert']}/resolve", None, {"admin", "curator"}),
        # the seed bank (the world's lot is a strain's: the allowed are answered 409 or 422)
        (
            "POST",
            f"/api/v1/lots/{ids['lot']}/germination-tests",
            {"tested_on": "2026-01-01", "replicates": [{"seeds": 50, "normal": 45, "dead": 5}]},
            STAFF,
        ),
        ("GET", f"/api/v1/lots/{ids['lot']}/germination-tests", None, STAFF),
        (
            "POST",
            f"/api/v1/lots/{ids['lot']}/regenerations",
            {
                "site": "Field 3",
                "plants": 60,
                "isolation": "bagging",
                "harvested_on": "2026-01-01",
                "seeds_harvested": 5000,
                "items": 2,
                "quantity": "100",
                "unit": "seeds",
            },
            STAFF,
        ),
        (
            "POST",
            f"/api/v1/lots/{ids['lot']}/safety-duplicates",
            {"institute_code": "NOR051", "sent_on": "2026-01-01"},
            STAFF,
        ),
        ("GET", f"/api/v1/lots/{ids['lot']}/safety-duplicates", None, STAFF),
        ("GET", f"/api/v1/collections/{ids['collection']}/seed-settings", None, STAFF),
        (
            "PUT",
            f"/api/v1/collections/{ids['collection']}/seed-settings",
            {"base_every_years": 10},
            {"admin", "curator"},
        ),
        ("GET", "/api/v1/due", None, STAFF),
        # the animal colony (no animals in this world: the allowed are answered 404 or 409)
        ("GET", "/api/v1/protocols", None, STAFF),
        (
            "POST",
            "/api/v1/protocols",
            {
                "number": "P-1",
                "title": "Breeding",
                "species": "Mus musculus",
                "approved_on": "2025-01-01",
                "expires_on": "2027-01-01",
            },
            {"admin"},
        ),
        (
            "POST",
            "/api/v1/matings",
            {"line_id": 1, "sire": v[0], "dams": [v[1]], "set_up_on": "2026-01-01"},
            STAFF,
        ),
        ("GET", "/api/v1/matings/1", None, STAFF),
        ("POST", "/api/v1/matings/1/retire", {"retired_on": "2026-01-01"}, STAFF),
        ("POST", "/api/v1/matings/1/plugs", {"checked_on": "2026-01-01", "plug": True}, STAFF),
        ("POST", "/api/v1/matings/1/litters", {"born_on": "2026-01-01", "born_alive": 1}, STAFF),
        ("POST", "/api/v1/litters/1/losses", {"died": 1}, STAFF),
        (
            "POST",
            "/api/v1/litters/1/wean",
            {"weaned_on": "2026-01-01", "protocol": "P-1", "pups": [{"sex": "male", "cage": "C"}]},
            STAFF,
        ),
        ("GET", "/api/v1/lines/1/matings", None, STAFF),
        ("GET", f"/api/v1/animals/{v[0]}/pedigree", None, STAFF),
        ("GET", f"/api/v1/animals/{v[0]}/weights", None, STAFF),
        (
            "POST",
            f"/api/v1/animals/{v[0]}/weights",
            {"weighed_on": "2026-01-01", "grams": 9},
            STAFF,
        ),
        (
            "POST",
            f"/api/v1/animals/{v[0]}/exit",
            {"exit": "death", "exit_on": "2026-01-01", "by": "Li"},
            STAFF,
        ),
        ("GET", f"/api/v1/animals/{v[0]}/genotypes", None, STAFF),
        (
            "POST",
            f"/api/v1/animals/{v[0]}/genotypes",
            {"gene": "Cre", "allele1": "tg", "allele2": "0", "genotyped_on": "2026-01-01"},
            STAFF,
        ),
        ("POST", "/api/v1/genotypes/imports", None, STAFF),  # no file: a 422 when allowed
        ("GET", "/api/v1/census?on=2026-01-01", None, STAFF),
        ("GET", f"/api/v1/rooms/{ids['freezer']}/health-reports", None, STAFF),
        (
            "POST",
            f"/api/v1/rooms/{ids['freezer']}/health-reports",
            {"agent": "MHV", "result": "negative", "reported_on": "2026-01-01"},
            STAFF,
        ),
        ("POST", "/api/v1/nomenclature/check", {"name": "C57BL/6J"}, STAFF),
        # sequence identification (no set or sequence of these ids: the allowed get 404)
        ("POST", "/api/v1/sequences/identify", {"residues": "ACGT" * 30}, STAFF),
        ("GET", "/api/v1/reference-sets", None, STAFF),
        ("POST", "/api/v1/reference-sets/imports", None, CURATORS),  # no file: a 422
        ("DELETE", "/api/v1/reference-sets/999999", None, CURATORS),
        ("GET", "/api/v1/identity-thresholds", None, STAFF),
        ("PUT", "/api/v1/identity-thresholds", ITS_THRESHOLDS, CURATORS),  # as they are
        ("GET", f"/api/v1/materials/{ids['open']}/sequences", None, STAFF),
        ("POST", "/api/v1/sequences/999999/review", {"note": "kept"}, CURATORS),
        ("POST", "/api/v1/str/search", {"profile": "TH01: 7"}, EVERYONE),  # a 422: few markers
        ("POST", "/api/v1/str/report", {"profile": "TH01: 7"}, EVERYONE),
    ]


def test_matrix_covers_every_operation(world):
    app, _, ids = world
    spec = app.test_client().get("/api/v1/openapi.json").json
    verbs = {"get", "post", "put", "patch", "delete"}
    documented = {
        (m.upper(), p)
        for p, ops in spec["paths"].items()
        for m in ops
        if m in verbs
        and not p.startswith(SHARING_PREFIXES + EXCHANGE_PREFIXES)  # their own modules cover those
    }
    templates = {
        "{barcode}",
        "{material_id}",
        "{lot_id}",
        "{user_id}",
        "{token_id}",
        "{donor_id}",
        "{consent_id}",
        "{printer_id}",
        "{job_id}",
        "{alert_id}",
        "{mating_id}",
        "{litter_id}",
        "{line_id}",
        "{collection_id}",
        "{saved_id}",
        "{batch_id}",
        "{set_id}",
        "{sequence_id}",
    }
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
    own_tests = {
        ("POST", "/api/v1/auth/login"),  # test_login_session_and_csrf
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/password"),  # test_password_change
    }
    assert documented - covered == own_tests


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


def own_record(app, make):
    """A record of the test's own in the world's database (the world's are read-only)."""
    with unit_of_work(app.extensions["biorepo"]) as db:
        made = make(db)
        db.flush()
        return made.id


def test_stale_etag_gets_412_and_changes_nothing(world):
    app, tokens, _ = world
    strain = {"kind": "strain", "designation": "ETag strain", "taxon_name": "Bacillus subtilis"}
    path = f"/api/v1/materials/{own_record(app, lambda db: add_material(db, 'API', strain))}"
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
        doomed = add_token(db, "printer@example.org", 1, "doomed")
        token_id, secret = doomed.id, doomed.secret
    assert call(app, "DELETE", f"/api/v1/tokens/{token_id}", secret).status_code == 204
    assert call(app, "GET", "/api/v1/materials", secret).status_code == 401
    assert call(app, "GET", "/api/v1/tokens", tokens["printer"]).status_code == 200  # its own
    assert (
        call(
            app, "GET", "/api/v1/materials", None, headers={"Authorization": "Basic abc"}
        ).status_code
        == 401
    )


def test_tokens_over_http(world):
    app, tokens, _ = world
    made = call(app, "POST", "/api/v1/tokens", tokens["technician"], {"name": "script", "days": 7})
    assert made.status_code == 201 and made.json["token"].startswith("br_")
    assert made.json["user"] == "technician@example.org"
    secret, token_id = made.json["token"], made.json["id"]
    assert call(app, "GET", "/api/v1/auth/me", secret).json["email"] == "technician@example.org"
    listed = call(app, "GET", "/api/v1/tokens", tokens["technician"])
    assert {t["user"] for t in listed.json} == {"technician@example.org"}
    assert all("token" not in t for t in listed.json)
    assert int(listed.headers["X-Pagination"].split('"total": ')[1].split(",")[0]) >= 2
    for_other = {"name": "x", "email": "curator@example.org"}
    assert call(app, "POST", "/api/v1/tokens", tokens["technician"], for_other).status_code == 403
    assert call(app, "DELETE", f"/api/v1/tokens/{token_id}", tokens["curator"]).status_code == 404
    assert call(app, "GET", "/api/v1/auth/me", secret).status_code == 200  # still valid
    printer = {"name": "cold room 2", "email": "printer@example.org", "days": 30}
    assert call(app, "POST", "/api/v1/tokens", tokens["admin"], printer).status_code == 201
    assert call(app, "DELETE", f"/api/v1/tokens/{token_id}", tokens["admin"]).status_code == 204
    assert call(app, "GET", "/api/v1/auth/me", secret).status_code == 401
    bad = call(app, "POST", "/api/v1/tokens", tokens["technician"], {"name": "x", "days": 0})
    assert bad.status_code == 422 and "days" in bad.json["errors"]


def test_password_change(world):
    app, _, _ = world
    client = client_at(app, "10.0.0.7")  # another address than the rate-limited tests' one
    login = client.post(
        "/api/v1/auth/login", json={"email": "other_curator@example.org", "password": PASSWORD}
    )
    csrf = {"X-CSRF-Token": login.json["csrf_token"]}
    new = "a much longer passphrase"
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": new},
        headers=csrf,
    )
    assert wrong.status_code == 403 and wrong.json["field"] == "current_password"
    short = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=csrf,
    )
    assert short.status_code == 422
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=csrf,
    )
    assert changed.status_code == 204
    fresh = client_at(app, "10.0.0.8")
    old = {"email": "other_curator@example.org", "password": PASSWORD}
    assert fresh.post("/api/v1/auth/login", json=old).status_code == 401
    assert fresh.post("/api/v1/auth/login", json={**old, "password": new}).status_code == 200
    anonymous = {"current_password": "x", "new_password": new}
    assert call(app, "POST", "/api/v1/auth/password", None, anonymous).status_code == 401


def test_deactivated_users_are_locked_out_at_once(world):
    app, tokens, _ = world
    made = call(
        app,
        "POST",
        "/api/v1/users",
        tokens["admin"],
        {
            "email": "leaver@example.org",
            "name": "Leaver",
            "roles": [{"role": "technician"}],
        },
    )
    path = f"/api/v1/users/{made.json['id']}"
    secret = call(
        app, "POST", "/api/v1/tokens", tokens["admin"], {"name": "x", "email": "leaver@example.org"}
    ).json["token"]
    assert call(app, "GET", "/api/v1/auth/me", secret).status_code == 200
    etag = call(app, "GET", path, tokens["admin"]).headers["ETag"]
    off = call(app, "PATCH", path, tokens["admin"], {"active": False}, {"If-Match": etag})
    assert off.status_code == 200 and off.json["active"] is False
    assert call(app, "GET", "/api/v1/auth/me", secret).status_code == 401
    stale = call(app, "PATCH", path, tokens["admin"], {"active": True}, {"If-Match": etag})
    assert stale.status_code == 412
    assert call(app, "GET", path, tokens["admin"]).json["active"] is False


def test_donors_and_consents(world):
    app, tokens, _ = world
    body = {
        "collection": "API",
        "code": "D100",
        "sex": "female",
        "year_of_birth": 1970,
        "consents": [{"scope": ["research", "genetic_research"], "signed_on": "2024-01-10"}],
    }
    made = call(app, "POST", "/api/v1/donors", tokens["curator"], body)
    assert made.status_code == 201 and made.json["consents"][0]["withdrawn_on"] is None
    again = call(app, "POST", "/api/v1/donors", tokens["curator"], body)
    assert again.status_code == 409
    consent = made.json["consents"][0]["id"]
    early = {"withdrawn_on": "2023-01-01"}
    path = f"/api/v1/consents/{consent}/withdraw"
    assert call(app, "POST", path, tokens["curator"], early).status_code == 422
    done = call(app, "POST", path, tokens["curator"], {"withdrawn_on": "2025-06-01"})
    assert done.status_code == 200 and done.json["withdrawn_on"] == "2025-06-01"
    assert call(app, "POST", path, tokens["curator"], {}).status_code == 409
    donor = f"/api/v1/donors/{made.json['id']}"
    assert call(app, "GET", donor, tokens["other_curator"]).status_code == 403
    codes = [
        d["code"] for d in call(app, "GET", "/api/v1/donors?collection=API", tokens["curator"]).json
    ]
    assert "D100" in codes and codes == sorted(codes)


def test_curators_audit_covers_their_lots_and_items(world):
    app, tokens, ids = world

    def tables(token):
        rows = call(app, "GET", "/api/v1/audit?page_size=100&table=items", token).json
        return {r["row_id"] for r in rows}

    mine, theirs = tables(tokens["curator"]), tables(tokens["other_curator"])
    assert mine and not theirs
    lots = call(app, "GET", "/api/v1/audit?table=lots", tokens["curator"]).json
    assert str(ids["lot"]) in {r["row_id"] for r in lots}


def test_the_benchmark_baseline_returns_the_scans_json(world):
    """The API benchmark compares the scan with a bare endpoint running the same statement and
    building the same JSON by hand: they must stay the same."""
    from tests.bench import baseline_app

    app, tokens, ids = world
    scanned = call(app, "GET", f"/api/v1/items/{ids['vials'][5]}", tokens["technician"]).json
    bare = baseline_app.create_app(app.config["DATABASE_URL"]).test_client()
    assert bare.get(f"/scan/{ids['vials'][5]}").json == scanned


def test_stock_alerts_are_listed_and_resolved_once(world):
    app, tokens, ids = world
    alert_id = own_record(
        app,
        lambda db: _added(
            db, StockAlert(material_id=ids["open"], kind="re_culture", available=1, threshold=3)
        ),
    )
    listed = call(app, "GET", "/api/v1/alerts?open=false", tokens["technician"]).json
    alert = next(a for a in listed if a["id"] == alert_id)
    assert alert["kind"] == "re_culture" and alert["threshold"] == 3
    path = f"/api/v1/alerts/{alert_id}/resolve"
    assert call(app, "POST", path, tokens["other_curator"]).status_code == 403
    assert call(app, "POST", path, tokens["curator"]).status_code == 200
    assert call(app, "POST", path, tokens["curator"]).status_code == 409
    still_open = call(app, "GET", "/api/v1/alerts", tokens["technician"]).json
    assert alert_id not in [a["id"] for a in still_open]


def _added(db, record):
    db.add(record)
    return record
