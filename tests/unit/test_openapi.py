"""The committed OpenAPI document is the one the code generates."""

from api import SPEC_FILE, create_app, spec_text


def test_committed_openapi_matches_the_code():
    generated = spec_text(create_app({"DATABASE_URL": "sqlite://"}))
    committed = SPEC_FILE.read_text(encoding="utf-8")
    assert generated == committed, "The API changed: run `biorepo openapi` and commit it."


def test_spec_is_served(tmp_path):
    client = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}).test_client()
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/v1/items/{barcode}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200
