"""The exchange API: every endpoint against every role and anonymous, uploads of each format
imported or dry run with their problem report, and the downloads read back."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.clients import send, upload
from tests.matrices import EXCHANGE_PREFIXES
from tests.world import ROLES

# The operations this file's matrix covers; test_api's matrix covers the rest.
STAFF = {"admin", "curator", "other_curator", "technician"}
CURATORS = {"admin", "curator"}
GOOD_FASTA = b">API_00001 16S rRNA\nACGT\n"


@pytest.fixture(scope="module")
def job_id(world):
    """A dry-run import job of the curator's, in collection API."""
    app, tokens, _ = world
    form = upload("fasta", GOOD_FASTA, "a.fasta") | {"background": "true"}
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    assert response.status_code == 202, response.json
    return response.json["id"]


def matrix(job_id=1):
    return [
        ("POST", "/api/v1/exchange/imports", upload("fasta", GOOD_FASTA, "a.fasta"), CURATORS),
        ("GET", "/api/v1/exchange/imports", None, CURATORS | {"other_curator"}),
        ("GET", f"/api/v1/exchange/imports/{job_id}", None, CURATORS),
        *(
            ("GET", f"/api/v1/exchange/exports/{fmt}?collection=API", None, STAFF)
            for fmt in ("mcpd", "dwca", "fasta", "mirri", "miabis")
        ),
    ]


def test_matrix_covers_every_exchange_operation(world):
    app, _, _ = world
    spec = app.test_client().get("/api/v1/openapi.json").json
    documented = {
        (m.upper(), p)
        for p, ops in spec["paths"].items()
        for m in ops
        if m in {"get", "post", "put", "patch", "delete"} and p.startswith(EXCHANGE_PREFIXES)
    }
    covered = {
        (
            m,
            re.sub(
                r"/imports/\d+",
                "/imports/{job_id}",
                re.sub(r"/exports/\w+", "/exports/{fmt}", p.split("?")[0]),
            ),
        )
        for m, p, *_ in matrix()
    }
    assert documented == covered


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix(world, job_id, role):
    app, tokens, _ = world
    for method, path, form, allowed in matrix(job_id):
        response = send(app, method, path, tokens.get(role), form)
        if role in allowed:
            assert response.status_code == 200, (role, method, path, response.json)
        else:
            expected = 401 if role is None else 403
            assert response.status_code == expected, (role, method, path, response.json)


def test_curators_import_only_into_their_collections(world):
    app, tokens, _ = world
    form = upload("fasta", GOOD_FASTA, "a.fasta", collection="OTH")
    assert send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form).status_code == 403
    form = upload("fasta", GOOD_FASTA, "a.fasta", collection=None)
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    assert response.status_code == 422 and "collection" in response.json["errors"]


def test_an_upload_with_problems_imports_nothing(world):
    app, tokens, _ = world
    bad = GOOD_FASTA + b">API_09999\nACXT\n"
    form = upload("fasta", bad, "bad.fasta", dry_run=True)
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    assert response.status_code == 200, response.json
    assert response.json["counts"] == {"sequences": 1} and response.json["count"] == 2
    assert {p["row"] for p in response.json["problems"]} == {2}
    assert response.json["problems"][0]["file"] == "bad.fasta"
    form = upload("fasta", bad, "bad.fasta", dry_run=False)
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    assert response.status_code == 422 and response.json["errors"]["count"] == 2
    fasta = send(app, "GET", "/api/v1/exchange/exports/fasta?collection=API", tokens["admin"])
    assert fasta.data == b""


def test_uploads_of_each_format_import(world):
    app, tokens, _ = world
    post = "/api/v1/exchange/imports"
    csv = b"accession_number,designation,taxon_name\nAPI 777,New strain,Bacillus subtilis\n"
    response = send(app, "POST", post, tokens["curator"], upload("csv", csv, "m.csv"))
    assert response.json["counts"]["materials"] == 1, response.json["problems"]
    assert response.json["dry_run"] is True
    form = upload("fasta", GOOD_FASTA, "a.fasta", dry_run=False)
    response = send(app, "POST", post, tokens["curator"], form)
    assert response.status_code == 200 and response.json["counts"] == {"sequences": 1}
    fasta = send(app, "GET", "/api/v1/exchange/exports/fasta?collection=API", tokens["admin"])
    assert fasta.data.startswith(b">API_00001 [strain=API 00001]")
    assert fasta.headers["Content-Disposition"] == 'attachment; filename="API.fasta"'
    archive = send(app, "GET", "/api/v1/exchange/exports/dwca?collection=API", tokens["admin"])
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        core = zipped.read("occurrence.txt").decode()
    assert "API_00001" in core and "internal strain" not in core
    cello = b"ID   X\nAC   CVCL_T001\nOX   NCBI_TaxID=9606; ! Homo sapiens\n//\n"
    form = upload("cellosaurus", cello, "c.txt", collection=None, dry_run=False)
    response = send(app, "POST", post, tokens["other_curator"], form)
    assert response.status_code == 200 and response.json["counts"] == {"entries": 1}
    form = upload("genbank", b"\xff\xfe not text", "g.gb")
    response = send(app, "POST", post, tokens["curator"], form)
    assert response.status_code == 200 and response.json["count"] == 1
    assert response.json["problems"][0]["message"].startswith("Not a readable genbank record")


def test_an_unknown_collection_or_format_is_404_for_staff_only(world):
    app, tokens, _ = world
    for path in (
        "/api/v1/exchange/exports/dwca?collection=NOPE",
        "/api/v1/exchange/exports/genbank?collection=API",
    ):
        assert send(app, "GET", path).status_code == 401
        assert send(app, "GET", path, tokens["technician"]).status_code == 404


def test_mirri_and_miabis_sheets(world):
    app, tokens, _ = world
    get = "/api/v1/exchange/exports/{}?collection=API"
    mirri = send(app, "GET", get.format("mirri"), tokens["technician"]).data.decode()
    rows = list(csv.DictReader(io.StringIO(mirri)))
    assert {r["Other denomination"] for r in rows} >= {"open strain", "restricted strain"}
    assert "internal strain" not in mirri
    assert rows[0]["Nagoya protocol restrictions and compliance conditions"] == "3"
    assert rows[0]["Taxon name"] == "Bacillus subtilis" and rows[0]["GMO"] == "no"
    miabis = send(app, "GET", get.format("miabis"), tokens["technician"]).data.decode()
    assert miabis.splitlines()[0].startswith("Sample ID,Sample collection ID,Sample donor ID")


def test_a_dwca_upload_imports_into_another_collection(world):
    app, tokens, _ = world
    archive = send(app, "GET", "/api/v1/exchange/exports/dwca?collection=API", tokens["admin"])
    form = upload("dwca", archive.data, "api.zip", collection="OTH", dry_run=True)
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["admin"], form)
    assert response.status_code == 200 and response.json["count"] == 0, response.json
    assert response.json["counts"]["materials"] >= 2


def test_an_upload_over_the_size_limit_is_413_and_changes_nothing(world):
    app, tokens, _ = world
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        big = GOOD_FASTA + b">API_00001 more\n" + b"ACGT" * 1000 + b"\n"
        form = upload("fasta", big, "big.fasta", dry_run=False)
        response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and response.json["status"] == 413
    fasta = send(app, "GET", "/api/v1/exchange/exports/fasta?collection=API", tokens["admin"])
    assert b"more" not in fasta.data
