"""STR similarity search on the Cellosaurus excerpt and the collection's cell lines: CLASTR's
own end-to-end examples (its ManagerTest searches, same scores to the last digit), a HeLa
profile finding its contaminant first, the collection's lines for staff only, the search over
HTTP (JSON and PDF), on the page in both languages and from the command line, and the
per-source profiles kept by the importer and carried over by migration 0016."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import fitz
import pytest
from alembic import command
from sqlalchemy import insert, select, text

from repository import migrate
from repository.db import make_engine, unit_of_work
from repository.exchange import cellosaurus
from repository.models import CellosaurusEntry
from repository.schemas.str_search import StrSearchIn
from repository.services import str_search
from repository.services.accounts import ANONYMOUS, Principal
from repository.vocabulary import Role
from tests.clients import call, logged_in
from tests.conftest import POSTGRES_URL
from tests.databases import drop_schema
from tests.factories import add_collection, add_material
from tests.integration.test_cellosaurus import EXCERPT

STAFF = Principal(user_id=-1, roles=frozenset({Role.TECHNICIAN}))
# CVCL_8175 (C125-PM), the answer of CLASTR's searchTest2, is not in the excerpt: its STR data
# as CLASTR's test gives it (D7S820 disputed by ECACC).
C125_PM = """ID   C125-PM
AC   CVCL_8175
ST   Source(s): ECACC; PubMed=25926053
ST   Amelogenin: X
ST   CSF1PO: 11,14
ST   D13S317: 11,12
ST   D16S539: 9
ST   D21S11: 28
ST   D5S818: 9
ST   D7S820: 8,10 (PubMed=25926053)
ST   D7S820: 8.2,10 (ECACC)
ST   TH01: 8
ST   TPOX: 8
ST   vWA: 17,19
OX   NCBI_TaxID=9606; ! Homo sapiens
CA   Cancer cell line
//
"""
HELA = """Amelogenin: X
CSF1PO: 9,10
D13S317: 12,13.3
D16S539: 9,10
D18S51: 16
D19S433: 13,14
D21S11: 27,28
D2S1338: 17
D3S1358: 15,18
D5S818: 11,12
D7S820: 8,12
D8S1179: 12,13
FGA: 18,21
Penta D: 8,15
Penta E: 7,17
TH01: 7
TPOX: 8,12
vWA: 16,18
"""
pytestmark = pytest.mark.skipif(not EXCERPT.exists(), reason="the Cellosaurus excerpt")


@pytest.fixture
def references(factory, tmp_path):
    """The excerpt and C125-PM imported."""
    path = tmp_path / "cellosaurus.txt"
    path.write_text(EXCERPT.read_text(encoding="utf-8") + C125_PM, encoding="utf-8")
    with unit_of_work(factory) as db:
        cellosaurus.import_file(db, path)
    return factory


def searched(factory, body: dict, who: Principal = ANONYMOUS) -> str_search.Outcome:
    with unit_of_work(factory, write=False) as db:
        return str_search.search(db, who, StrSearchIn().load_or_fail(body))


def test_clastr_search_test_1(references):
    """Masters vs query on the markers of both, score ≥ 70: only 1-7HB2, at 100 % on 8
    markers and 14 reference alleles, every allele matched (CLASTR's names misspelt)."""
    found = searched(
        references,
        {
            "profile": {
                "Am": "X",
                "CSF1P0": "12,13",
                "D5S818": "10,13",
                "D7S820": "8,10",
                "D13S317": "12",
                "D16S539": "8,13",
                "TH01": "7,9",
                "TPOX": "11",
                "vWA": "14,17",
            },
            "algorithm": "masters_query",
            "mode": "non_empty",
            "max_results": 25,
            "score_filter": 70,
        },
    )
    (result,) = found.results
    assert (result.reference.key, result.reference.name) == ("CVCL_2261", "1-7HB2")
    (profile,) = result.profiles
    assert (profile.score.score, profile.score.markers, profile.score.reference_alleles) == (
        100.0,
        8,
        14,
    )
    assert all(a.matched for m in profile.markers for a in m.alleles)
    assert [m.name for m in profile.markers] == [
        "Amelogenin",
        "CSF1PO",
        "D5S818",
        "D7S820",
        "D13S317",
        "D16S539",
        "TH01",
        "TPOX",
        "vWA",
    ]


def test_clastr_search_test_2(references):
    """Masters vs reference on the reference's markers, the top one: C125-PM, its best
    profile (PubMed's D7S820) 38.46153846153847, its worst (ECACC's) 30.76923076923077."""
    found = searched(
        references,
        {
            "profile": {
                "Amel": "X",
                "CSF1PO": "13,14",
                "D5S818": "10",
                "D7S820": "8",
                "D13S317": "11",
                "D16S539": "8,9",
                "THO1": "7,8",
                "TPOX": "12",
                "vWA": "10,11",
            },
            "algorithm": "masters_reference",
            "mode": "reference",
            "max_results": 1,
            "score_filter": 25,
        },
    )
    (result,) = found.results
    assert result.reference.key == "CVCL_8175"
    best, worst = result.profiles
    assert (best.label, best.score.score, best.score.markers, best.score.reference_alleles) == (
        "best",
        38.46153846153847,
        9,
        13,
    )
    assert (worst.label, worst.score.score) == ("worst", 30.76923076923077)
    d7 = [next(m for m in p.markers if m.name == "D7S820") for p in (best, worst)]
    assert [(m.conflicted, m.sources) for m in d7] == [
        (True, ("PubMed=25926053",)),
        (True, ("ECACC",)),
    ]
    assert [[(a.value, a.matched) for a in m.alleles] for m in d7] == [
        [("8", True), ("10", False)],
        [("8.2", False), ("10", False)],
    ]
    assert all(m.scored for p in (best, worst) for m in p.markers if m.name != "Amelogenin")
    assert found.found >= 1


def test_clastr_search_test_3(references):
    """Tanabe at 100 % only: nothing."""
    found = searched(
        references,
        {
            "profile": "Amelogenin: X,Y\nCSF1PO: 15\nD5S818: 9\nD7S820: 8,9\nD13S317: 11,13\n"
            "D16S539: 7,9\nTH01: 8\nTPOX: 15\nVWA: 10",
            "score_filter": 100,
            "max_results": 50,
        },
    )
    assert (found.results, found.found, found.searched) == ([], 0, 89)


def test_hela_finds_its_contaminant_first_and_a_line_of_the_collection_for_staff(references):
    with unit_of_work(references) as db:
        add_collection(db, {"code": "CB", "name": "Cells", "kind": "cell_bank"})
        line = add_material(
            db,
            "CB",
            {
                "kind": "cell_line",
                "designation": "HeLa",
                "taxon_name": "Homo sapiens",
                "access_level": "internal",
                "cellosaurus_id": "CVCL_2260",  # its cautions come along
                "str_profile": {
                    "AMEL": "X",
                    "VWA": "16,18",
                    "THO1": "7",
                    **dict(row.split(": ") for row in HELA.splitlines()[1:13]),
                },
            },
        )
    assert line.str_profile["vWA"] == "16,18" and "VWA" not in line.str_profile
    public = searched(references, {"profile": HELA})
    assert [(r.reference.key, r.score, r.verdict.value) for r in public.results] == [
        ("CVCL_2260", 100.0, "related")
    ]
    (first,) = public.results
    assert first.reference.cautions[0].startswith("Contaminated. Shown to be a HeLa derivative")
    staff = searched(references, {"profile": HELA}, STAFF)
    assert [(r.reference.kind, r.reference.key) for r in staff.results] == [
        ("collection", line.accession_number),  # 14 markers compared beat the contaminant's 10
        ("cellosaurus", "CVCL_2260"),
    ]
    assert staff.results[0].reference.cautions == first.reference.cautions
    assert staff.searched == public.searched + 1


def test_a_new_import_is_searched_at_once(references, tmp_path):
    body = {"profile": HELA}
    assert searched(references, body).results[0].reference.key == "CVCL_2260"
    path = tmp_path / "again.txt"
    entry = EXCERPT.read_text(encoding="utf-8").split("ID   1-5c-4\n", 1)[1].split("//\n", 1)[0]
    path.write_text("ID   1-5c-4\n" + entry.replace("TH01: 7", "TH01: 6,9") + "//\n")
    with unit_of_work(references) as db:
        cellosaurus.import_file(db, path)
    (result,) = searched(references, body).results
    assert result.score == 18 * 2 / 39 * 100  # TH01 no longer shared


def test_the_importer_keeps_every_sources_alleles(factory, tmp_path):
    path = tmp_path / "entry.txt"
    path.write_text(
        "ID   Two sources\nAC   CVCL_T003\n"
        "ST   Source(s): ATCC; DSMZ; JCRB\n"
        "ST   Amelogenin: X\n"
        "ST   D5S818: 11,12 (ATCC; DSMZ)\n"
        "ST   D5S818: 11 (JCRB)\n"
        "ST   TH01: 9.3,9.3 (ATCC); Not_detected (DSMZ; JCRB)\n"
        "ST   VWA: 16\n"
        "OX   NCBI_TaxID=9606; ! Homo sapiens\n//\n"
    )
    with unit_of_work(factory) as db:
        cellosaurus.import_file(db, path)
    with unit_of_work(factory, write=False) as db:
        entry = db.scalar(select(CellosaurusEntry).where(CellosaurusEntry.accession == "CVCL_T003"))
        assert entry.str_markers == {
            "Amelogenin": [{"alleles": ["X"], "sources": []}],
            "D5S818": [
                {"alleles": ["11", "12"], "sources": ["ATCC", "DSMZ"]},
                {"alleles": ["11"], "sources": ["JCRB"]},
            ],
            "TH01": [
                {"alleles": ["9.3"], "sources": ["ATCC"]},
                {"alleles": ["ND"], "sources": ["DSMZ", "JCRB"]},
            ],
            "vWA": [{"alleles": ["16"], "sources": []}],
        }
        assert entry.str_sources == ["ATCC", "DSMZ", "JCRB"]
        (reference,) = str_search.cellosaurus_references(db)
    # one profile per group of sources that agree throughout, in CLASTR's order: JCRB, then
    # DSMZ and ATCC (which agree on D5S818, not on TH01)
    assert [[m.alleles for m in p if m.name in ("D5S818", "TH01")] for p in reference.profiles] == [
        [("11",), ("ND",)],
        [("11", "12"), ("ND",)],
        [("11", "12"), ("9.3",)],
    ]


# Over HTTP, on the page and from the command line, on the world of the API tests


@pytest.fixture(scope="module")
def searchable(world):
    """The world with the excerpt imported and the HeLa line of collection API."""
    factory = world.app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        cellosaurus.import_file(db, EXCERPT)
        line = add_material(
            db,
            "API",
            {
                "kind": "cell_line",
                "designation": "HeLa (in house)",
                "taxon_name": "Homo sapiens",
                "str_profile": {"Amelogenin": "X", "TH01": "7", "vWA": "16,18"},
            },
        )
    return world, line.accession_number


def test_the_api_searches_json_or_text(searchable):
    world, _ = searchable
    body = {"profile": dict(line.split(": ") for line in HELA.splitlines()) | {"FOO1": "3"}}
    response = call(world.app, "POST", "/api/v1/str/search", world.tokens["requester"], body)
    assert response.status_code == 200, response.json
    found = response.json
    assert found["unknown_markers"] == ["FOO1"]
    assert {"name": "FOO1", "alleles": ["3"], "known": False} in found["query"]
    first = found["results"][0]
    assert (first["accession"], first["score"], first["verdict"], first["problematic"]) == (
        "CVCL_2260",
        100.0,
        "related",
        True,
    )
    assert first["profiles"][0]["markers_compared"] == 10
    as_text = call(world.app, "POST", "/api/v1/str/search", None, {"profile": HELA + "FOO1: 3"})
    assert as_text.json["results"] == found["results"]
    assert found["parameters"] == {
        "algorithm": "tanabe",
        "mode": "non_empty",
        "include_amelogenin": False,
        "score_filter": 60.0,
        "min_markers": 8,
        "max_results": 200,
    }


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({"profile": "D5S818: 11,1a\n" + HELA}, ["profile", "line 1"], "is not an allele"),
        ({"profile": {"TH01": "X"}}, ["profile", "TH01"], "Amelogenin's"),
        ({"profile": ""}, ["profile"], "The profile is empty"),
        ({"profile": {}}, ["profile"], "The profile is empty"),
        ({"profile": "FOO: 1\nBAR: 2"}, ["profile"], "No marker of the profile"),
        ({"profile": "TH01: 7\nvWA: 16\nAm: X"}, ["profile"], "has 2 marker(s) besides"),
        ({"profile": HELA, "min_markers": 0}, ["min_markers"], "greater than or equal to 1"),
        ({"profile": HELA, "mode": "all"}, ["mode"], "Must be one of"),
        ({"profile": 7}, ["profile"], "as an object"),
    ],
)
def test_bad_input_is_a_precise_422(searchable, body, where, says):
    world, _ = searchable
    response = call(world.app, "POST", "/api/v1/str/search", None, body)
    assert response.status_code == 422, response.json
    found = response.json["errors"]
    for key in where:
        found = found[key]
    assert any(says in message for message in found), found


def test_the_report_is_a_pdf_with_the_matches_marked(searchable):
    world, accession = searchable
    body = {"profile": HELA, "description": "Lot 7 of our HeLa, passage 12", "min_markers": 2}
    response = call(world.app, "POST", "/api/v1/str/report", world.tokens["technician"], body)
    assert response.status_code == 200 and response.content_type == "application/pdf"
    with fitz.open(stream=response.data, filetype="pdf") as document:
        page = document[0]
        words = page.get_text().replace("\n", " ")
        spans = [
            span
            for block in page.get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
        ]
    assert "Lot 7 of our HeLa, passage 12" in words
    assert "CVCL_2260" in words and "Contaminated. Shown to be a HeLa derivative" in words
    assert accession in words  # the collection's own line, for staff
    assert "100.00 %" in words and "related ≥ 90 %" in words
    thirteen = [s for s in spans if s["text"] == "13.3"]  # D13S317 12,13.3, shared
    assert thirteen and all("Bold" in s["font"] for s in thirteen)


def test_the_page_shows_the_results_in_both_languages(searchable):
    world, accession = searchable
    client = logged_in(world.app, "curator")
    page = client.get("/str", query_string={"profile": HELA, "marker-TH01": "", "min_markers": "2"})
    html = page.data.decode()
    assert page.status_code == 200
    assert "CVCL_2260" in html and accession in html
    assert '<mark class="str-match">13.3</mark>' in html
    assert 'class="str-problem"' in html  # a problematic line is flagged
    client.get("/lang/zh", query_string={"next": "/str"})
    chinese = client.get("/str", query_string={"profile": "TH01: 7\nvWA: 16,1x"})
    assert chinese.status_code == 422
    body = chinese.data.decode()
    assert "STR 图谱比对" in body and "is not an allele of vWA" in body
    pdf = client.get("/str/report", query_string={"profile": HELA})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_page_merges_pasted_and_typed_markers(searchable):
    world, _ = searchable
    client = logged_in(world.app, None)
    lines = HELA.splitlines()
    pasted = "\n".join(line for line in lines if not line.startswith(("TH01", "vWA")))
    page = client.get(
        "/str", query_string={"profile": pasted, "marker-TH01": "7", "marker-vWA": "16,18"}
    )
    assert page.status_code == 200 and "CVCL_2260" in page.data.decode()
    twice = client.get("/str", query_string={"profile": HELA, "marker-TH01": "7"})
    assert twice.status_code == 422
    assert "Given in the pasted text and in the table." in twice.data.decode()


def test_the_command_line(searchable, runner, tmp_path, monkeypatch):
    world, accession = searchable
    monkeypatch.setenv("DATABASE_URL", world.app.config["DATABASE_URL"])
    query = tmp_path / "hela.txt"
    query.write_text(HELA)
    report = tmp_path / "hela.pdf"
    result = runner.invoke(
        ["str", "search", str(query), "--min-markers", "2", "--pdf", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "CVCL_2260" in result.output and accession in result.output
    assert "caution: Contaminated" in result.output
    assert report.read_bytes().startswith(b"%PDF")
    as_json = tmp_path / "hela.json"
    as_json.write_text(json.dumps({"profile": HELA, "algorithm": "masters_query"}))
    result = runner.invoke(["str", "search", str(as_json), "--json"])
    assert json.loads(result.output)["parameters"]["algorithm"] == "masters_query"
    bad = tmp_path / "bad.txt"
    bad.write_text("TH01: 7\nvWA: sixteen\n")
    result = runner.invoke(["str", "search", str(bad)])
    assert result.exit_code == 1
    assert "profile: line 2: 'sixteen' is not an allele of vWA" in result.output


# Migration 0016: the one profile kept becomes markers no source disputes, and back


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migration_0016_carries_the_profiles_over(backend, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        schema = "str_migration"
        drop_schema(POSTGRES_URL, schema)
        engine = make_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    migrate.upgrade(url, "0015")
    engine = make_engine(url)
    old = {"Amelogenin": "X", "D5S818": "11,12,12", "TH01": "Not_detected"}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cellosaurus_entries (id, accession, name, synonyms, species, "
                "taxon_ids, str_profile, str_sources, cautions, updated_at) VALUES (1, "
                "'CVCL_T009', 'Old', '[]', '[]', '[]', :profile, '[\"ATCC\"]', '[]', "
                "'2026-01-01 00:00:00+00:00')"
            ),
            {"profile": json.dumps(old)},
        )
    migrate.upgrade(url, "0016")
    with engine.connect() as connection:
        markers = connection.scalar(select(CellosaurusEntry.str_markers))
    assert markers == {
        "Amelogenin": [{"alleles": ["X"], "sources": []}],
        "D5S818": [{"alleles": ["11", "12"], "sources": []}],
        "TH01": [{"alleles": ["ND"], "sources": []}],
    }
    with engine.begin() as connection:
        connection.execute(
            insert(CellosaurusEntry.__table__).values(
                id=2,
                accession="CVCL_T010",
                name="New",
                synonyms=[],
                species=[],
                taxon_ids=[],
                str_markers={"D5S818": [{"alleles": ["11"], "sources": ["JCRB"]}]},
                str_sources=["JCRB"],
                cautions=[],
                updated_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        )
    command.downgrade(migrate.alembic_config(url), "0015")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT str_profile FROM cellosaurus_entries ORDER BY id"))
        back = [json.loads(p) if isinstance(p, str) else p for (p,) in rows]
    assert back == [{"Amelogenin": "X", "D5S818": "11,12", "TH01": "ND"}, {"D5S818": "11"}]
    engine.dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)
