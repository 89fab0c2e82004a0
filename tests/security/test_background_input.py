"""Hostile input to the background imports: a "file" sent as a plain form field, a `background`
that is no boolean, a job id that is no job: a clear 4xx, no job recorded, nothing queued."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from api import background
from repository.db import unit_of_work
from repository.models import ImportJob

IMPORTS = "/api/v1/exchange/imports"


def jobs(app) -> int:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        return db.scalar(select(func.count()).select_from(ImportJob)) or 0


def post(app, token: str, data: dict):
    return app.test_client().post(
        IMPORTS,
        data=data,
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


def test_bad_background_uploads_are_refused_and_queue_nothing(world) -> None:
    app, tokens, _ = world
    huey = background.of(app).huey
    huey.immediate = False  # hold what would be queued
    before = jobs(app)
    csv = b"accession_number,designation,taxon_name\nX 1,x,Bacillus subtilis\n"
    form = {"format": "csv", "collection": "API", "background": "true"}
    try:
        cases = {
            "file as text": {**form, "file": "accession_number\nX 1\n"},
            "no file": form,
            "background not a boolean": {
                **form,
                "background": "perhaps",
                "file": (io.BytesIO(csv), "x.csv"),
            },
        }
        for name, data in cases.items():
            response = post(app, tokens["curator"], data)
            assert response.status_code in (400, 422), (name, response.status_code)
            assert response.json["status"] == response.status_code, name
            if name == "file as text":
                assert "file part" in str(response.json["errors"]["file"]), response.json
        assert huey.pending_count() == 0
    finally:
        huey.immediate = True
    assert jobs(app) == before
    for missing in ("/999999999", "/0", "/-1", "/x"):
        shown = app.test_client().get(
            IMPORTS + missing, headers={"Authorization": f"Bearer {tokens['curator']}"}
        )
        assert shown.status_code == 404, missing
