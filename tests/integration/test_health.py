"""GET /api/v1/health through the app factory."""

from api import create_app
from tests.conftest import SECRET_KEY


def test_health_reports_database_and_counts(database_url):
    client = create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": SECRET_KEY}
    ).test_client()
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "reachable"
    assert isinstance(response.json["materials"], dict)


def test_unreachable_database_is_503(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db",
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
        }
    )
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
