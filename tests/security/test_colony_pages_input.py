"""Hostile input to the colony's pages: numbers that are no numbers (NaN, infinity, fractions of a
score), a depth or a day that is none, codes with control characters, uploads whose bytes are no
text, hold a formula for a gene, are empty, or are a zip of no workbook. Each is a precise
refusal (never a 500) and nothing is stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import BodyWeight, Genotype, Item
from tests.clients import csrf_of, logged_in
from tests.factories import add_material, preserve


@pytest.fixture
def colony(world):
    """The app, a technician's client and a living male of a new line."""
    app, _, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        line = add_material(
            db, "API", {"kind": "animal_line", "designation": "Hostile", "taxon_name": "Mus"}
        )
        lot = {"method": "live", "preserved_on": "2025-09-01", "items": 1, "quantity": "1"}
        lot |= {"unit": "animal", "form": "animal", "animals": [{"sex": "male"}]}
        code = preserve(db, line, lot).items[0].barcode
    return app, logged_in(app, "technician"), code


def stored(app, statement) -> int:
    with unit_of_work(app.extensions["biorepo"]) as db:
        return int(db.scalar(statement) or 0)


@pytest.mark.parametrize(
    ("grams", "score"),
    [("nan", ""), ("inf", ""), ("1e309", ""), ("-5", ""), ("20", "2.5"), ("20", "9"), ("20 g", "")],
)
def test_a_weight_that_is_no_weight_is_refused(colony, grams, score):
    app, client, code = colony
    body = {"weighed_on": "2026-01-01", "grams": grams, "csrf_token": csrf_of(client)}
    refused = client.post(f"/colony/animals/{code}/weigh", data=body | {"condition_score": score})
    assert refused.status_code == 422, (grams, score, refused.status_code)
    weights = select(func.count(BodyWeight.id)).join(Item).where(Item.barcode == code)
    assert stored(app, weights) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/colony/animals/{code}?depth=abc",
        "/colony/animals/{code}?depth=0",
        "/colony/animals/A%07B",
        "/colony/census?on=2026-02-30",
        "/colony/census?on=%27%3B%20drop",
        "/colony/census?on=2026-01-01&room=R%00",
        "/colony/census.csv?on=yesterday",
        "/colony/rooms/%07/health",
        "/colony/lines/999999",
    ],
)
def test_a_query_that_names_nothing_is_refused_never_a_500(colony, path):
    _, client, code = colony
    answer = client.get(path.format(code=code))
    assert answer.status_code in (404, 422), (path, answer.status_code)
    assert b"Something went wrong" not in answer.data


def upload(client, content: bytes, name: str, **extra: str):
    data = {"csrf_token": csrf_of(client), "file": (io.BytesIO(content), name), **extra}
    return client.post("/colony/genotypes/import", data=data, content_type="multipart/form-data")


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"animal,gene,allele1,allele2,date\n\x81\xff\x81\xff,Cre,tg,0,2026-01-10\n", "lab.csv"),
        (b"animal,gene,allele1,allele2,date\n{code},=CMD(),tg,0,2026-01-10\n", "lab.csv"),
        (b"", "empty.csv"),
        (a_zip(), "lab.xlsx"),
        (a_zip(), "noextension"),
    ],
)
def test_a_hostile_genotype_file_imports_nothing_and_says_why(colony, content, name):
    app, client, code = colony
    answer = upload(client, content.replace(b"{code}", code.encode()), name)
    text = answer.data.decode()
    if answer.status_code == 303:  # the path climbing out was saved under its own folder
        assert name.startswith("../")
        assert (
            stored(app, select(func.count(Genotype.id)).join(Item).where(Item.barcode == code)) == 1
        )
        return
    assert answer.status_code == 422, (name, answer.status_code)
    assert "nothing was imported" in text or "Nothing was changed" in text
    assert stored(app, select(func.count(Genotype.id)).join(Item).where(Item.barcode == code)) == 0
