"""The imports page through Flask's test client: who may import, CSRF, a dry run that writes
nothing and shows every problem, the commit of the same upload, and a lost upload."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from repository.db import unit_of_work
from repository.models import Item, Lot, Material, Upload
from repository.models.base import utcnow
from tests.clients import csrf_of, logged_in

HEADER = "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form,"
HEADER += "barcode,box,position\n"


def csv(accession: str, box: str, position: str = "I1") -> bytes:
    row = f"{accession},Imported strain,Bacillus subtilis,L1,glycerol_minus80,2025-02-01,1,ml,"
    return (HEADER + row + f"cryovial,{accession}V,{box},{position}\n").encode()


def upload(client, content: bytes, token: str | None = None, collection: str = "API"):
    data = {
        "collection": collection,
        "format": "csv",
        "encoding": "",
        "files": (io.BytesIO(content), "vials.csv"),
    }
    if token is not None:
        data["csrf_token"] = token
    return client.post("/imports", data=data, content_type="multipart/form-data")


def commit(client, page: bytes):
    token = re.search(rb'name="token" value="([^"]+)"', page)[1].decode()
    return client.post("/imports/commit", data={"csrf_token": csrf_of(client), "token": token})


def count(app, accession: str) -> int:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        return db.scalar(
            select(func.count()).select_from(Material).where(Material.accession_number == accession)
        )


def test_only_curators_of_the_collection_and_admins_may_import(world):
    app, _, ids = world
    for role, status in (("curator", 200), ("admin", 200), ("technician", 403), ("requester", 403)):
        client = logged_in(app, role)
        nav = client.get("/").data.decode().split('<nav aria-label="Main">')[1]
        assert ('href="/imports"' in nav.split("</nav>")[0]) is (status == 200)
        assert client.get("/imports").status_code == status
    other = logged_in(app, "other_curator")
    assert "API ·" not in other.get("/imports").data.decode()
    response = upload(other, csv("IMP-OTH", ids["box"]), csrf_of(other))
    assert response.status_code == 403
    assert count(app, "IMP-OTH") == 0


def test_the_upload_needs_the_csrf_token(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    assert upload(client, csv("IMP-CSRF", ids["box"])).status_code == 403


def test_the_dry_run_reports_every_problem_and_writes_nothing(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    response = upload(client, csv("IMP-BAD", "NOSUCHBOX"), csrf_of(client))
    page = response.data.decode()
    assert response.status_code == 200
    assert re.search(
        r"<td>vials.csv</td><td>2</td><td>box</td><td><code>NOSUCHBOX</code></td>"
        r"<td>No storage unit with this barcode.</td>",
        page,
    )
    assert "nothing was imported" in page and 'name="token"' not in page
    clean = upload(client, csv("IMP-DRY", ids["box"], "I2"), csrf_of(client))
    assert "Dry run: no problems" in clean.data.decode()
    assert "1 row: 1 material, 1 lot, 1 item" in clean.data.decode()
    assert count(app, "IMP-DRY") == 0


def test_commit_imports_the_checked_upload_once(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    dry = upload(client, csv("IMP-OK", ids["box"], "I3"), csrf_of(client))
    assert count(app, "IMP-OK") == 0
    response = commit(client, dry.data)
    assert response.status_code == 303, response.data
    assert count(app, "IMP-OK") == 1
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        item = db.scalar(select(Item).where(Item.barcode == "IMPOKV"))
        assert (item.row, item.col) == (9, 3)
    result = client.get(response.headers["Location"]).data.decode()
    assert "Imported into API" in result and "1 row: 1 material, 1 lot, 1 item" in result
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        material = db.scalar(select(Material).where(Material.accession_number == "IMP-OK"))
        lot_id = db.scalar(select(Lot.id).where(Lot.material_id == material.id))
    assert f'href="/materials/{material.id}">IMP-OK</a>' in result
    assert f'href="/labels?lot={lot_id}">Lot 1 of IMP-OK</a>' in result
    assert client.get(f"/labels?lot={lot_id}").status_code == 200
    assert client.get("/items/IMPOKV").status_code == 200
    again = commit(client, dry.data)  # the upload is gone after its commit
    assert again.status_code == 422 and "unknown or expired" in again.data.decode()
    assert count(app, "IMP-OK") == 1


def test_an_unknown_or_expired_upload_is_a_clear_error(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    forged = client.post(
        "/imports/commit", data={"csrf_token": csrf_of(client), "token": "../../etc"}
    )
    assert forged.status_code == 422 and "unknown or expired" in forged.data.decode()
    dry = upload(client, csv("IMP-OLD", ids["box"], "I4"), csrf_of(client))
    token = re.search(rb'name="token" value="([^"]+)"', dry.data)[1].decode()
    with unit_of_work(app.extensions["biorepo"]) as db:  # its hour is over
        past = utcnow() - timedelta(seconds=1)
        db.execute(update(Upload).where(Upload.token == token).values(expires_at=past))
    expired = commit(client, dry.data)
    assert expired.status_code == 422 and "unknown or expired" in expired.data.decode()
    assert count(app, "IMP-OLD") == 0


def test_a_blank_accession_number_is_drawn_from_the_pattern_and_linked(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    dry = upload(client, csv("", ids["box"], "I4"), csrf_of(client))
    assert "Dry run: no problems" in dry.data.decode(), dry.data.decode()
    response = commit(client, dry.data)
    assert response.status_code == 303, response.data
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        material = db.scalar(
            select(Material)
            .join(Lot, Lot.material_id == Material.id)
            .join(Item, Item.lot_id == Lot.id)
            .where(Item.row == 9, Item.col == 4)
        )
        number = material.accession_number
    assert number.startswith("API")
    result = client.get(response.headers["Location"]).data.decode()
    assert f'href="/materials/{material.id}">{number}</a>' in result
