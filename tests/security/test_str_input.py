"""STR searches given bad input: oversized or malformed profiles, marker names that are markup
or kilobytes long, alleles of every wrong type, parameters out of range, unknown fields; each
a precise 422 (never a 500), nothing written, markup never rendered; and the collection's own
profiles never shown to anyone but the staff."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import AuditEntry
from tests.clients import call, logged_in
from tests.factories import add_material

ELEVEN = "\n".join(
    f"{m}: {a}"
    for m, a in [
        ("CSF1PO", "9,10"),
        ("D13S317", "12,13.3"),
        ("D16S539", "9,10"),
        ("D5S818", "11,12"),
        ("D7S820", "8,12"),
        ("TH01", "7"),
        ("TPOX", "8,12"),
        ("vWA", "16,18"),
        ("D3S1358", "15,18"),
        ("FGA", "18,21"),
        ("Amelogenin", "X"),
    ]
)


def audit_rows(world) -> int:
    with unit_of_work(world.app.extensions["biorepo"], write=False) as db:
        return db.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize(
    "body",
    [
        {"profile": "TH01: 7\n" * 2000},  # over 5,000 characters
        {"profile": {f"D{n}S{n}": "7" for n in range(101)}},  # over 100 markers
        {"profile": {"X" * 10_000: "7"}},
        {"profile": {"TH01": {"$ne": 1}}},
        {"profile": {"TH01": [7, 8]}},
        {"profile": {"TH01": None}},
        {"profile": {"TH01": ["7"] * 21}},
        {"profile": {"TH01": ",".join(str(n) for n in range(50))}},
        {"profile": {"TH01": "99999999"}},
        {"profile": {"TH01": "7; DROP TABLE materials"}},
        {"profile": {"TH01": "7\u0000"}},
        {"profile": ["TH01", "7"]},
        {"profile": None},
        {"profile": ELEVEN, "max_results": 100_000},
        {"profile": ELEVEN, "score_filter": -1},
        {"profile": ELEVEN, "score_filter": 50.5},
        {"profile": ELEVEN, "min_markers": 2**40},
        {"profile": ELEVEN, "algorithm": "tanabe; DROP"},
        {"profile": ELEVEN, "description": "d" * 201},
        {"profile": ELEVEN, "species": "human"},  # a field the search does not have
        {"profile": ELEVEN, "include_amelogenin": "perhaps"},
        {},
    ],
)
def test_bad_searches_are_a_422_and_write_nothing(world, body):
    before = audit_rows(world)
    response = call(world.app, "POST", "/api/v1/str/search", world.tokens["admin"], body)
    assert response.status_code == 422, (body, response.status_code, response.json)
    assert response.json["errors"]
    assert audit_rows(world) == before


def test_a_body_that_is_not_json_is_refused(world):
    response = world.app.test_client().post(
        "/api/v1/str/search", data=ELEVEN, content_type="text/plain"
    )
    assert response.status_code in (415, 422)


def test_unknown_markers_are_kept_and_reported_escaped(world):
    name = "<script>alert(1)</script>"
    response = call(
        world.app, "POST", "/api/v1/str/search", None, {"profile": {**_mapping(), name: "1"}}
    )
    assert response.status_code == 200
    assert response.json["unknown_markers"] == [name]
    page = logged_in(world.app, None).get("/str", query_string={"profile": f"{ELEVEN}\n{name}: 1"})
    assert page.status_code == 200
    html = page.data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and name not in html


@pytest.mark.parametrize(
    "query",
    [
        {"profile": "x" * 6000},
        {"profile": "TH01: 7\nvWA: 16", "min_markers": "nonsense"},
        {"profile": ELEVEN, "max_results": "0"},
        {"profile": ELEVEN, "algorithm": "everything"},
        {"search": "1"},
        {"marker-TH01": "7", "marker-vWA": "<b>"},
    ],
)
def test_the_page_refuses_bad_input_without_failing(world, query):
    page = logged_in(world.app, None).get("/str", query_string=query)
    assert page.status_code == 422
    assert 'value="<b>"' not in page.data.decode()  # what was typed comes back escaped
    report = logged_in(world.app, None).get("/str/report", query_string=query)
    assert report.status_code == 422 and report.content_type.startswith("text/html")


def test_own_profiles_are_for_staff_only(world):
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        line = add_material(
            db,
            "OTH",
            {
                "kind": "cell_line",
                "designation": "Secret line",
                "taxon_name": "Homo sapiens",
                "access_level": "open",
                "str_profile": _mapping(),
            },
        )
    body = {"profile": ELEVEN}
    for role in (None, "requester", "printer"):
        found = call(world.app, "POST", "/api/v1/str/search", world.tokens.get(role), body).json
        assert line.accession_number not in {r["accession"] for r in found["results"]}, role
        page = logged_in(world.app, role).get("/str", query_string=body)
        assert "Secret line" not in page.data.decode(), role
    for role in ("technician", "other_curator"):
        found = call(world.app, "POST", "/api/v1/str/search", world.tokens[role], body).json
        assert line.accession_number in {r["accession"] for r in found["results"]}, role


def _mapping() -> dict[str, str]:
    return dict(line.split(": ") for line in ELEVEN.splitlines())
