"""The census: the animals alive at the end of a day, per room, line and protocol, from their
births, exits and cage placements; by the service, the API and the command line (CSV whose
cells no spreadsheet runs)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from repository.db import make_engine, session_factory, unit_of_work
from repository.errors import InvalidState
from repository.schemas.colonies import ExitIn, ProtocolIn
from repository.services import census, colonies, protocols
from repository.services.storage import place_items
from tests.clients import call
from tests.databases import migrated
from tests.factories import add_collection, add_material, make_unit, preserve


@pytest.fixture
def w(db):
    return build(db)


def build(db):
    """Room 1 and Room =2 (a name a spreadsheet would run) with a cage each, line B6 with
    three mice (born 2025-08-01, two under protocol P-1) in the cage of room 1 and one in
    room 2's, and one mouse of line =KO with no cage."""
    add_collection(db, {"code": "MUS", "name": "Mice", "kind": "animal_facility"})
    protocols.create_protocol(
        db,
        ProtocolIn().load_or_fail(
            {
                "number": "P-1",
                "title": "Breeding",
                "species": "Mus musculus",
                "approved_on": "2025-01-01",
                "expires_on": "2027-01-01",
            }
        ),
    )
    site = make_unit(db, {"kind": "site", "name": "Vivarium"})
    rooms = [make_unit(db, {"kind": "room", "name": n}, site) for n in ("Room 1", "=Room 2")]
    cages = [
        make_unit(
            db,
            {"kind": "cage", "name": f"C{i}"},
            make_unit(db, {"kind": "rack", "name": f"R{i}"}, room),
        )
        for i, room in enumerate(rooms)
    ]
    b6 = add_material(
        db, "MUS", {"kind": "animal_line", "designation": "B6", "taxon_name": "Mus musculus"}
    )
    ko = add_material(
        db, "MUS", {"kind": "animal_line", "designation": "=KO", "taxon_name": "Mus musculus"}
    )
    mice = mouse_lot(db, b6, 4, protocol="P-1", protocols=2)
    place_items(db, mice[:3], cages[0])
    place_items(db, mice[3:], cages[1])
    loose = mouse_lot(db, ko, 1)
    return rooms, cages, mice, loose, b6


def mouse_lot(db, line, count: int, protocol: str | None = None, protocols: int = 0):
    animals = [
        {"sex": "female", "birth_date": "2025-08-01"}
        | ({"protocol": protocol} if i < protocols else {})
        for i in range(count)
    ]
    fields = {
        "method": "live",
        "preserved_on": "2025-09-01",
        "items": count,
        "quantity": "1",
        "unit": "animal",
        "form": "animal",
        "animals": animals,
    }
    return list(preserve(db, line, fields).items)


def counted(lines) -> list[tuple]:
    return [(c.room.name if c.room else None, c.line_name, c.protocol, c.animals) for c in lines]


def test_the_census_counts_per_room_line_and_protocol(db, w):
    rooms, _, mice, _, _ = w
    today = date.today()
    assert counted(census.census(db, today)) == [
        ("=Room 2", "B6", None, 1),
        ("Room 1", "B6", None, 1),
        ("Room 1", "B6", "P-1", 2),
        (None, "=KO", None, 1),
    ]
    assert census.census(db, date(2025, 7, 31)) == []  # none born yet
    colonies.leave(
        db,
        mice[0].barcode,
        ExitIn().load_or_fail({"exit": "death", "exit_on": "2026-01-10", "by": "Li"}),
    )
    assert counted(census.census(db, date(2026, 1, 9), rooms[0].barcode)) == [
        ("Room 1", "B6", None, 1),
        ("Room 1", "B6", "P-1", 2),
    ]
    assert counted(census.census(db, date(2026, 1, 10), rooms[0].barcode)) == [
        ("Room 1", "B6", None, 1),
        ("Room 1", "B6", "P-1", 1),
    ]
    with pytest.raises(InvalidState):
        census.census(db, today, w[1][0].barcode)  # a cage is not a room


def test_the_census_as_csv_runs_no_formula(db, w):
    out = io.StringIO()
    lines = census.census(db, date.today())
    assert census.write_csv(lines, date.today(), out) == 4
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(census.COLUMNS)
    assert rows[1][2] == "'=Room 2" and rows[4][4] == "'=KO"
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


@pytest.fixture
def api(world):
    app, tokens, _ = world
    return app, tokens


def test_the_census_by_the_api(api):
    app, tokens = api
    token = tokens["technician"]
    found = call(app, "GET", f"/api/v1/census?on={date.today()}", token)
    assert found.status_code == 200, found.json
    assert set(found.json) == {"on", "total", "lines"}
    assert found.json["total"] == sum(line["animals"] for line in found.json["lines"])
    assert call(app, "GET", "/api/v1/census?on=2026-13-01", token).status_code == 422
    assert call(app, "GET", "/api/v1/census", token).status_code == 422
    assert call(app, "GET", "/api/v1/census?on=2026-01-01&room=NONE", token).status_code == 404
    assert call(app, "GET", "/api/v1/census?on=2026-01-01", tokens["requester"]).status_code == 403


def test_the_census_command_writes_csv(tmp_path, monkeypatch, runner):
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        build(db)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "census.csv"
    done = runner.invoke(["census", "export", "--on", date.today().isoformat(), "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert len(rows) == 5 and rows[1][2] == "'=Room 2"
    refused = runner.invoke(["census", "export", "--on", "2026-01-01", "--room", "NONE"])
    assert refused.exit_code == 1 and "Refused" in refused.output
