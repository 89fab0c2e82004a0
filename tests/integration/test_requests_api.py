"""The sharing API: every endpoint against every role and anonymous, the whole workflow by
HTTP, and bad input answered with a clear 4xx that changes nothing."""

from __future__ import annotations

import fitz  # PyMuPDF
import pytest

from api import create_app
from repository.db import unit_of_work
from repository.services import accounts, sharing
from repository.vocabulary import Role
from tests.clients import call
from tests.conftest import SECRET_KEY
from tests.factories import add_token
from tests.matrices import SHARING_PREFIXES
from tests.pdfs import pdf_codes
from tests.sharing import DESTINATION, build

ROLES = {
    "admin": "admin@example.org",
    "curator": "curator.shr@example.org",
    "other_curator": "curator.seed@example.org",
    "technician": "technician@example.org",
    "requester": "req@far.example",
    "other_requester": "req@small.example",
    "printer": "printer@example.org",
}
EVERYONE = {None, *ROLES}
SIGNED_IN = set(ROLES) - {"printer"}
OUTSIDERS = {"other_curator", "other_requester"}  # the request does not exist for them


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    backend = request.param
    schema = "sharing_api_tests"
    url = fresh_database(backend, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    factory = app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        w = build(db, vials=12)
        for name, role in (
            ("admin", Role.ADMIN),
            ("technician", Role.TECHNICIAN),
            ("printer", Role.PRINTER),
        ):
            accounts.register_user(db, ROLES[name], name, roles=[(role, None)])
        ids = {
            "strain": w.strain.id,
            "internal": w.internal.id,
            "restricted": w.restricted.id,
            "vials": w.vials,
        }
    with unit_of_work(factory) as db:
        tokens = {name: add_token(db, email, 1).secret for name, email in ROLES.items()}
    yield app, tokens, ids
    app.extensions["biorepo.engine"].dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def new_request(app, tokens, ids, quantity=1, **extra):
    body = {
        "lines": [{"material_id": ids["strain"], "form": "cryovial", "quantity": quantity}],
        "purpose": "growth curves",
        **DESTINATION,
        **extra,
    }
    response = call(app, "POST", "/api/v1/requests", tokens["requester"], body)
    assert response.status_code == 201, response.json
    return response.json


def matrix(app, tokens, ids):
    """(method, path, body, roles allowed, roles for whom the request does not exist)."""
    r = new_request(app, tokens, ids)["id"]
    base = f"/api/v1/requests/{r}"
    own = {"admin", "requester"}
    review = {"admin", "curator"}
    dispatch = {"admin", "curator", "technician"}
    seeing = {"admin", "curator", "technician", "requester"}
    line = {"material_id": ids["restricted"], "form": "cryovial", "quantity": 1, "purpose": "x"}
    ship = {"packaging": "box", "condition": "dry_ice", "courier": "DHL", "tracking_number": "1"}
    return [
        ("GET", "/api/v1/requests", None, SIGNED_IN, set()),
        (
            "POST",
            "/api/v1/requests",
            {"lines": [{"material_id": ids["strain"], "form": "cryovial", "quantity": 1}]},
            {"admin", "requester", "other_requester"},
            set(),
        ),
        ("GET", base, None, seeing, OUTSIDERS),
        ("PATCH", base, {"purpose": "growth curves"}, own, {"other_requester"}),
        ("POST", f"{base}/lines", line, own, {"other_requester"}),
        ("POST", f"{base}/submit", {}, own, {"other_requester"}),
        ("POST", f"{base}/review", {}, review, OUTSIDERS),
        ("GET", f"{base}/proposal", None, review, OUTSIDERS),
        ("POST", f"{base}/decision", {}, review, OUTSIDERS),
        (
            "POST",
            f"{base}/agreement",
            {"agreement_version_id": 1, "signer_name": "A"},
            own,
            {"other_requester"},
        ),
        ("POST", f"{base}/preparation", {}, dispatch, OUTSIDERS),
        ("POST", f"{base}/shipment", ship, dispatch, OUTSIDERS),
        ("GET", f"{base}/packing-list", None, seeing, OUTSIDERS),
        ("GET", f"{base}/pick-list", None, dispatch, OUTSIDERS),
        ("POST", f"{base}/delivery", {}, own, {"other_requester"}),
        ("POST", f"{base}/feedback", {"rating": 4}, own, {"other_requester"}),
        ("POST", f"{base}/publications", {"citation": "A. (2026)"}, own, {"other_requester"}),
        ("POST", f"{base}/cancel", {}, {"admin", "curator", "requester"}, OUTSIDERS),
        ("POST", f"{base}/close", {}, dispatch, OUTSIDERS),
        ("GET", "/api/v1/agreements", None, EVERYONE, set()),
        ("GET", "/api/v1/agreements/1", None, EVERYONE, set()),
        (
            "POST",
            "/api/v1/agreements",
            {"collection": "SHR", "name": "SHR MTA 2027", "text": "New terms."},
            review,
            set(),
        ),
        ("POST", "/api/v1/agreements/1/versions", {"text": "Terms v2."}, review, set()),
        ("GET", "/api/v1/statistics", None, {"admin", "curator", "other_curator"}, set()),
        ("GET", "/api/v1/statistics/report", None, {"admin", "curator", "other_curator"}, set()),
    ]


def test_matrix_covers_every_sharing_operation(world):
    app, tokens, ids = world
    spec = app.test_client().get("/api/v1/openapi.json").json
    verbs = {"get", "post", "put", "patch", "delete"}
    documented = {
        (m.upper(), p.replace("{request_id}", "N").replace("{agreement_id}", "N"))
        for p, ops in spec["paths"].items()
        for m in ops
        if m in verbs and p.startswith(SHARING_PREFIXES)
    }
    covered = set()
    for method, path, *_ in matrix(app, tokens, ids):
        parts = ["N" if part.isdigit() else part for part in path.split("/")]
        covered.add((method, "/".join(parts)))
    assert documented == covered


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix(world, role):
    """Refused exactly when the role may not: 401 for nobody, 404 where the request does not
    exist for the role, 403 otherwise; allowed roles never get 401, 403 or a 5xx (a 409 from
    the state the earlier calls left is fine: the workflow has its own tests)."""
    app, tokens, ids = world
    for method, path, body, allowed, hidden in matrix(app, tokens, ids):
        response = call(app, method, path, tokens.get(role), body)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.json)
            assert response.status_code < 500, (role, method, path, response.json)
        else:
            expected = 401 if role is None else 404 if role in hidden else 403
            assert response.status_code == expected, (role, method, path, response.json)


def test_the_whole_workflow_by_role(world):
    app, tokens, ids = world
    made = new_request(app, tokens, ids, quantity=2, idempotency_key="order-77", submit=True)
    again = call(
        app,
        "POST",
        "/api/v1/requests",
        tokens["requester"],
        {
            "lines": [{"material_id": ids["strain"], "form": "cryovial", "quantity": 2}],
            "idempotency_key": "order-77",
        },
    )
    assert again.status_code == 200 and again.json["id"] == made["id"]
    base = f"/api/v1/requests/{made['id']}"
    assert call(app, "GET", base, tokens["other_requester"]).status_code == 404
    assert call(app, "POST", f"{base}/review", tokens["curator"], {}).status_code == 200
    proposal = call(app, "GET", f"{base}/proposal", tokens["curator"]).json
    picked = [item["barcode"] for item in proposal[0]["items"]]
    assert len(picked) == 2 and proposal[0]["items"][0]["lot"].endswith("L1")
    line_id = proposal[0]["line_id"]
    decided = call(
        app,
        "POST",
        f"{base}/decision",
        tokens["curator"],
        {"decisions": [{"line_id": line_id, "approve": True, "items": picked}]},
    )
    assert decided.status_code == 200 and decided.json["status"] == "approved"
    assert sorted(i["barcode"] for i in decided.json["items"]) == sorted(picked)
    listed = call(app, "GET", "/api/v1/agreements?collection=SHR", None).json
    agreement = [a for a in listed if a["kind"] == "mta"][-1]  # the newest applies
    signed = call(
        app,
        "POST",
        f"{base}/agreement",
        tokens["requester"],
        {"agreement_version_id": agreement["latest"]["id"], "signer_name": "Ada Far"},
    )
    assert signed.status_code == 200, signed.json
    assert signed.json["acceptance"]["sha256"] == agreement["latest"]["sha256"]
    assert call(app, "POST", f"{base}/preparation", tokens["technician"], {}).status_code == 200
    shipped = call(
        app,
        "POST",
        f"{base}/shipment",
        tokens["technician"],
        {"packaging": "UN3373", "condition": "dry_ice", "courier": "DHL", "tracking_number": "9"},
    )
    assert shipped.status_code == 200 and shipped.json["shipment"]["courier"] == "DHL"
    packing = call(app, "GET", f"{base}/packing-list", tokens["requester"]).json
    assert sorted(row["barcode"] for row in packing["rows"]) == sorted(picked)
    pdf = call(app, "POST", "/api/v1/labels", tokens["technician"], {"request": made["id"]})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert sorted(code for page in pdf_codes(pdf.data, 300) for code in page) == sorted(picked)
    with fitz.open(stream=pdf.data, filetype="pdf") as document:
        text = document[0].get_text()
    assert (
        "Nagoya/ABS status: within the Nagoya Protocol" in text
        and "DHL" in text
        and made["number"] in text
    )
    assert call(app, "POST", f"{base}/cancel", tokens["requester"], {}).status_code == 409
    assert call(app, "POST", f"{base}/delivery", tokens["requester"], {}).status_code == 200
    rated = call(app, "POST", f"{base}/feedback", tokens["requester"], {"rating": 5})
    assert rated.status_code == 201
    cited = call(
        app, "POST", f"{base}/publications", tokens["requester"], {"citation": "Far (2026)"}
    )
    assert cited.status_code == 201
    final = call(app, "GET", base, tokens["requester"]).json
    assert final["status"] == "closed"
    assert [s["status"] for s in final["steps"]][-3:] == ["shipped", "delivered", "closed"]
    assert all(s["at"] for s in final["steps"]) and final["steps"][2]["by"] == "SHR"
    scan = call(app, "GET", f"/api/v1/items/{picked[0]}", tokens["technician"]).json
    assert scan["item"]["status"] == "distributed" and scan["location"] == []


def test_catalogue_shows_supply_terms_and_availability_without_places(world):
    app, _, ids = world
    listed = call(app, "GET", "/api/v1/materials?collection=SHR", None).json
    strain = next(m for m in listed if m["id"] == ids["strain"])
    supply = strain["offer"]["supply"]
    assert supply and supply[0]["form"] == "cryovial" and supply[0]["available"] >= 1
    assert strain["offer"]["agreement"].startswith("SHR")
    assert "Nagoya/ABS status: within the Nagoya Protocol" in strain["offer"]["terms"]
    assert "container" not in str(strain) and "position" not in str(strain)


def test_bad_input_is_a_clear_4xx_and_changes_nothing(world):
    app, tokens, ids = world
    token = tokens["requester"]

    def post(path, body, who=token):
        response = call(app, "POST", path, who, body)
        assert response.content_type == "application/problem+json", response.json
        return response

    line = {"form": "cryovial", "quantity": 1}
    internal = post("/api/v1/requests", {"lines": [{**line, "material_id": ids["internal"]}]})
    assert internal.status_code == 404
    missing = post("/api/v1/requests", {"lines": [{**line, "material_id": 999999}]})
    assert missing.status_code == 404
    assert post("/api/v1/requests", {"lines": []}).status_code == 422
    too_many = new_request(app, tokens, ids, quantity=500)
    base = f"/api/v1/requests/{too_many['id']}"
    refused = post(f"{base}/submit", {})
    assert refused.status_code == 422 and "stock" in refused.json["errors"]
    assert post(f"{base}/review", {}, tokens["curator"]).status_code == 409  # still a draft
    stale = post(f"{base}/submit", {"version": too_many["version"] + 3})
    assert stale.status_code == 409 and stale.json["field"] == "version"
    after = call(app, "GET", base, token).json
    assert after["status"] == "draft" and after["version"] == too_many["version"]
    assert len(after["steps"]) == 1


def test_overdue_requests_are_flagged(world):
    app, tokens, ids = world
    made = new_request(app, tokens, ids)
    with unit_of_work(app.extensions["biorepo"]) as db:
        found = sharing.get_request(db, made["id"])
        found.changed_at = found.changed_at.replace(year=found.changed_at.year - 1)
    body = call(app, "GET", f"/api/v1/requests/{made['id']}", tokens["requester"]).json
    assert body["overdue"] is True
    listed = call(app, "GET", "/api/v1/requests?overdue=true", tokens["curator"]).json
    assert made["id"] in [r["id"] for r in listed]


def test_statistics_as_json_and_pdf(world):
    app, tokens, ids = world
    made = new_request(app, tokens, ids, submit=True)
    base = f"/api/v1/requests/{made['id']}"
    assert call(app, "POST", f"{base}/review", tokens["curator"], {}).status_code == 200
    decided = call(app, "POST", f"{base}/decision", tokens["curator"], {"note": "Not now."})
    assert decided.status_code == 200
    figures = call(app, "GET", "/api/v1/statistics?period=quarter", tokens["curator"]).json
    assert figures["requests"] >= 1 and figures["period"] == "quarter"
    assert {"from", "to", "fulfilment_rate", "end_to_end", "by_kind"} <= figures.keys()
    assert "submitted" in [s["step"] for s in figures["steps"]]
    assert figures["by_organisation"][0]["organisation"] == "Far Lab"
    elsewhere = call(app, "GET", "/api/v1/statistics", tokens["other_curator"]).json
    assert elsewhere["requests"] == 0  # a curator sees their collections' figures
    report = call(app, "GET", "/api/v1/statistics/report?from=2020-01-01", tokens["admin"])
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    assert report.data.startswith(b"%PDF")
    bad = call(app, "GET", "/api/v1/statistics?from=2026-05-01&to=2026-01-01", tokens["admin"])
    assert bad.status_code == 422


def test_a_draft_takes_its_details_and_a_submitted_request_keeps_them(world):
    app, tokens, ids = world
    made = new_request(app, tokens, ids, quantity=1)
    base = f"/api/v1/requests/{made['id']}"
    details = {
        "purpose": "16S sequencing",
        "shipping_address": "1 River Road",
        "destination_country": "GBR",
        "version": made["version"],
    }
    changed = call(app, "PATCH", base, tokens["requester"], details)
    assert changed.status_code == 200, changed.json
    assert changed.json["purpose"] == "16S sequencing" and changed.json["version"] == 2
    stale = call(app, "PATCH", base, tokens["requester"], {**details, "purpose": "other"})
    assert stale.status_code == 409
    bad = call(app, "PATCH", base, tokens["requester"], {"destination_country": "England"})
    assert bad.status_code == 422
    assert call(app, "POST", f"{base}/submit", tokens["requester"], {}).status_code == 200
    late = call(app, "PATCH", base, tokens["requester"], {"purpose": "later"})
    assert (
        late.status_code == 409
        and call(app, "GET", base, tokens["requester"]).json["purpose"] == "16S sequencing"
    )
