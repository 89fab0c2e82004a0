"""What the API hides stays hidden on the pages and in the exports: the scan of an internal
material, of its items, of another lab's request; donor data in the MIABIS export; and two
inputs that used to be a 500 (JSON nested 100,000 deep, a cart line with material_id=abc)."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from api import create_app
from api.jsonout import MAX_DEPTH
from repository.db import unit_of_work
from repository.models import Item, Lot
from repository.schemas.sharing import RequestSchema
from repository.services import accounts, sharing
from repository.vocabulary import Role
from tests.conftest import BACKENDS, SECRET_KEY
from tests.factories import add_donor, add_material, add_token
from tests.sharing import build

DONOR = {"code": "D7", "sex": "female", "year_of_birth": 1970}
DONOR_DATA = ("D7", "Female", "1970", "C50.9")  # what the export would tell of the donor


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    """The sharing world (SHR strains, SEED seeds, BIO biobank; two labs) plus a technician,
    an admin, a specimen whose donor has a sex, a year of birth and a diagnosis, an internal
    strain whose accession number an open seed shares, and a request from each lab; a token
    each."""
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    schema = "security_visibility"
    url = fresh_database(request.param, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    s = SimpleNamespace(app=app, token={})
    with unit_of_work(app.extensions["biorepo"]) as db:
        w = build(db)
        accounts.register_user(db, "tech@example.org", "Tech", roles=[(Role.TECHNICIAN, None)])
        accounts.register_user(db, "admin@example.org", "Admin", roles=[(Role.ADMIN, None)])
        add_donor(db, "BIO", DONOR)
        specimen = add_material(
            db,
            "BIO",
            {
                "kind": "specimen",
                "designation": "tumour plasma",
                "taxon_name": "Homo sapiens",
                "specimen_type": "plasma",
                "donor": "D7",
                "disease_icd10": "C50.9",
            },
        )
        hidden = add_material(
            db,
            "SHR",
            {
                "kind": "strain",
                "designation": "hidden twin",
                "taxon_name": "X y",
                "access_level": "internal",
            },
        )
        twin = add_material(
            db,
            "SEED",
            {
                "kind": "seed",
                "accession_number": hidden.accession_number,
                "designation": "open twin",
                "taxon_name": "Oryza sativa",
            },
        )
        line = {"material_id": w.strain.id, "form": "cryovial", "quantity": 1}
        ours, _ = sharing.create_request(
            db, w.requester, RequestSchema().load_or_fail({"lines": [line]})
        )
        theirs, _ = sharing.create_request(
            db, w.small_requester, RequestSchema().load_or_fail({"lines": [line]})
        )
        s.internal, s.accession = w.internal.id, w.internal.accession_number
        s.hidden, s.shared = hidden.id, hidden.accession_number
        s.strain, s.strain_accession = w.strain.id, w.strain.accession_number
        s.specimen, s.twin, s.vial = specimen.id, twin.id, w.vials[0]
        s.internal_vial = db.scalar(
            select(Item.barcode).join(Lot).where(Lot.material_id == w.internal.id).limit(1)
        )
        s.ours, s.ours_number = ours.id, ours.number
        s.theirs, s.theirs_number = theirs.id, theirs.number
    with unit_of_work(app.extensions["biorepo"]) as db:
        for name, email in (
            ("requester", "req@far.example"),
            ("technician", "tech@example.org"),
            ("admin", "admin@example.org"),
            ("biobank_curator", "curator.bio@example.org"),
            ("other_curator", "curator.shr@example.org"),
        ):
            s.token[name] = add_token(db, email, 1).secret
    yield s
    app.extensions["biorepo.engine"].dispose()
    if request.param == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def get(site, path: str, who: str | None = None):
    headers = {"Authorization": f"Bearer {site.token[who]}"} if who else {}
    return site.app.test_client().get(path, headers=headers)


def scan(site, code: str, who: str | None = "requester"):
    return get(site, f"/scan?code={quote(code)}", who)


# --- the scan: a requester finds exactly what the API shows them ---------------------------


def test_an_internal_material_does_not_exist_for_a_requester(site):
    assert get(site, f"/api/v1/materials/{site.internal}", "requester").status_code == 404
    response = scan(site, site.accession.replace(" ", "-") + "-NOPE")  # the unknown's answer
    unknown = response.status_code, response.data.count(b"Nothing has the code")
    response = scan(site, site.accession)
    assert (response.status_code, response.data.count(b"Nothing has the code")) == unknown
    assert response.status_code == 404 and response.location is None


def test_a_shared_accession_shows_the_requester_only_the_open_material(site):
    response = scan(site, site.shared)  # SHR's internal strain and SEED's open seed
    assert response.status_code == 303
    assert "/catalogue?q=" in response.location and "/materials/" not in response.location
    assert "hidden twin" not in get(site, response.location, "requester").data.decode()
    page = scan(site, site.shared, "technician")
    assert page.status_code == 200  # staff choose between both
    text = page.data.decode()
    assert "hidden twin" in text and "open twin" in text
    assert f"/materials/{site.hidden}" in text and f"/materials/{site.twin}" in text


def test_the_open_material_a_requester_scans_opens_in_the_catalogue(site):
    assert get(site, f"/api/v1/materials/{site.strain}", "requester").status_code == 200
    response = scan(site, site.strain_accession)
    assert response.status_code == 303 and "/catalogue?q=" in response.location
    page = get(site, response.location, "requester").data.decode()
    assert "open strain" in page and "hidden twin" not in page


def test_items_are_for_staff_only(site):
    for barcode in (site.vial, site.internal_vial):
        assert get(site, f"/api/v1/items/{barcode}", "requester").status_code == 403
        response = scan(site, barcode)
        assert response.status_code == 404 and response.location is None
        assert scan(site, barcode, "technician").location.endswith(f"/items/{barcode}")


def test_another_labs_request_does_not_exist(site):
    assert get(site, f"/api/v1/requests/{site.theirs}", "requester").status_code == 404
    response = scan(site, site.theirs_number)
    assert response.status_code == 404 and response.location is None
    assert site.theirs_number.encode() in response.data  # the code typed, nothing more
    assert f"/requests/{site.theirs}".encode() not in response.data
    own = scan(site, site.ours_number)
    assert own.status_code == 303 and own.location.endswith(f"/requests/{site.ours}")
    staff = scan(site, site.theirs_number, "technician")
    assert staff.location.endswith(f"/requests/{site.theirs}")


def test_anonymous_scans_are_sent_to_log_in(site):
    for code in (site.accession, site.internal_vial, site.theirs_number):
        response = scan(site, code, None)
        assert response.status_code == 302 and "/login" in response.location


# --- donor data: only where /donors answers -------------------------------------------------


def miabis(site, who: str) -> list[dict]:
    response = get(site, "/api/v1/exchange/exports/miabis?collection=BIO", who)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode())))


@pytest.mark.parametrize("who", ["technician", "other_curator"])
def test_the_miabis_export_tells_no_donor_data_to_whom_donors_refuses_it(site, who):
    assert get(site, "/api/v1/donors?collection=BIO", who).status_code == 403
    rows = miabis(site, who)
    [row] = [r for r in rows if r["Sample ID"] == rows[-1]["Sample ID"]]
    assert len(rows) == 2 and row["Material type"] == "Plasma"  # the samples are still there
    text = "\n".join(",".join(r.values()) for r in rows)
    assert not [value for value in DONOR_DATA if value in text]
    details = get(site, f"/api/v1/materials/{site.specimen}", who).json["details"]
    assert "donor" not in details and "disease_icd10" not in details
    assert details["specimen_type"] == "plasma"


@pytest.mark.parametrize("who", ["biobank_curator", "admin"])
def test_the_collections_curators_still_get_the_donors(site, who):
    assert get(site, "/api/v1/donors?collection=BIO", who).status_code == 200
    [row] = [r for r in miabis(site, who) if r["Sample donor ID"] == "D7"]
    assert (row["Sex"], row["Year of birth"], row["Disease (ICD-10)"]) == DONOR_DATA[1:]
    details = get(site, f"/api/v1/materials/{site.specimen}", who).json["details"]
    assert details["donor"] == "D7" and details["disease_icd10"] == "C50.9"


# --- inputs that used to be a 500 -----------------------------------------------------------


def send_json(site, method: str, path: str, body: str, who: str | None):
    headers = {"Content-Type": "application/json"}
    if who:
        headers["Authorization"] = f"Bearer {site.token[who]}"
    return site.app.test_client().open(path, method=method, data=body, headers=headers)


DEEP = ["[" * 100_000, '{"lines":' * 100_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)]


@pytest.mark.parametrize("body", DEEP, ids=["arrays", "objects", "just-past-the-limit"])
@pytest.mark.parametrize(
    "method, path, who",
    [
        ("POST", "/api/v1/requests", "requester"),
        ("PATCH", "/api/v1/materials/{strain}", "admin"),
        ("POST", "/api/v1/moves", "technician"),
        ("POST", "/api/v1/requests/{ours}/submit", "requester"),
        ("POST", "/api/v1/requests", None),
        ("POST", "/catalogue/cart", "requester"),
    ],
)
def test_json_nested_too_deep_is_a_400(site, method, path, who, body):
    response = send_json(site, method, path.format(**vars(site)), body, who)
    assert response.status_code == 400, response.data[:500]
    if path.startswith("/api/"):
        problem = response.json
        assert problem["status"] == 400 and response.content_type == "application/problem+json"
        assert f"nested more than {MAX_DEPTH} levels deep" in problem["detail"]


def test_json_within_the_limit_is_read(site):
    note: list = []
    for _ in range(MAX_DEPTH - 2):  # in the body's object: MAX_DEPTH levels in all
        note = [note]
    body = json.dumps({"items": [site.vial], "container": "NOPE", "note": note})
    response = send_json(site, "POST", "/api/v1/moves", body, "technician")
    assert response.status_code == 422 and "note" in response.json["errors"]


@pytest.mark.parametrize("material_id", ["abc", "-1", "99999999999999999999", ""])
def test_a_cart_line_with_a_bad_material_id_is_the_form_again(site, material_id):
    client = site.app.test_client()
    response = client.post(
        "/catalogue/cart",
        data={"material_id": material_id, "form": "cryovial", "quantity": "1"},
        headers={"Authorization": f"Bearer {site.token['requester']}"},
    )
    assert response.status_code == 422
    page = response.data.decode()
    alert = page.split('role="alert"')[1].split("</div>")[0]
    assert "Nothing was changed" in alert and "material_id</strong>" in alert
    assert f'href="/catalogue/{site.strain}"' in page  # the catalogue's materials, to try again
