"""Genotypes of animals: recorded one at a time (once a day per gene) and listed, by the
service, the API and in the history; a genotyping lab's file imported all or nothing, by the
service, the API and the command line, a bad row naming its row and column."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from api.web.history import event_sentence
from repository.db import make_engine, session_factory, unit_of_work
from repository.errors import Conflict, InvalidState
from repository.exchange.problems import ImportRejected
from repository.models import Event, Genotype
from repository.schemas.genotypes import GenotypeIn
from repository.services import genotypes
from tests.clients import call, send
from tests.databases import migrated
from tests.factories import add_collection, add_material, make_lot, make_strain, preserve
from tests.security.test_colonies_input import animals_by_api


@pytest.fixture
def w(db) -> SimpleNamespace:
    return two_mice(db)


def two_mice(db) -> SimpleNamespace:
    """Two live mice of line B6-Cre, in collection MUS."""
    add_collection(db, {"code": "MUS", "name": "Mice", "kind": "animal_facility"})
    line = add_material(
        db, "MUS", {"kind": "animal_line", "designation": "B6-Cre", "taxon_name": "Mus musculus"}
    )
    lot = preserve(
        db,
        line,
        {
            "method": "live",
            "preserved_on": "2025-09-01",
            "items": 2,
            "quantity": "1",
            "unit": "animal",
            "form": "animal",
            "animals": [{"sex": "male", "birth_date": "2025-08-01"}] * 2,
        },
    )
    first, second = lot.items
    return SimpleNamespace(first=first, second=second)


def genotype(**fields) -> object:
    body = {"gene": "Cre", "allele1": "tg", "allele2": "0", "genotyped_on": "2026-01-10"}
    return GenotypeIn().load_or_fail({**body, **fields})


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(Genotype))


def test_a_genotype_is_recorded_once_a_day_per_gene_and_listed(db, w):
    genotypes.record_genotype(db, w.first.barcode, genotype(method="PCR"))
    genotypes.record_genotype(db, w.first.barcode, genotype(genotyped_on="2026-02-01"))
    genotypes.record_genotype(db, w.first.barcode, genotype(gene="Trp53", allele1="+", allele2="-"))
    with pytest.raises(Conflict):
        genotypes.record_genotype(db, w.first.barcode, genotype())
    found = genotypes.genotypes(db, w.first.barcode)
    assert [(g.gene, str(g.genotyped_on)) for g in found] == [
        ("Cre", "2026-02-01"),
        ("Cre", "2026-01-10"),
        ("Trp53", "2026-01-10"),
    ]
    assert found[1].method == "PCR" and (found[2].allele1, found[2].allele2) == ("+", "-")
    event = db.scalars(
        select(Event).where(Event.item_id == w.first.id).order_by(Event.id.desc())
    ).first()
    assert event_sentence(event.type, event.data) == "Genotyped at Trp53 on 2026-01-10: +/-."


def test_only_animals_have_genotypes(db, w, collection):
    vial = make_lot(db, make_strain(db)).items[0]
    with pytest.raises(InvalidState):
        genotypes.record_genotype(db, vial.barcode, genotype())


def lab_file(tmp_path, text: str, name: str = "lab.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_lab_file_is_imported_with_alleles_or_results(db, w, tmp_path):
    path = lab_file(
        tmp_path,
        "Animal code,Gene,Allele 1,Allele 2,Method,Date\n"
        f"{w.first.barcode},Cre,tg,0,qPCR,2026-01-10\n"
        f"{w.second.barcode},Cre,0,0,qPCR,2026-01-10\n",
    )
    checked, report = genotypes.import_file(db, path, dry_run=True)
    assert (checked, report.count, count(db)) == (2, 0, 0)
    assert genotypes.import_file(db, path)[0] == 2 and count(db) == 2
    results = lab_file(
        tmp_path, f"animal,gene,result,date\n{w.first.barcode},Trp53,+/-,2026-01-11\n", "r.csv"
    )
    assert genotypes.import_file(db, results)[0] == 1
    (trp53,) = [g for g in genotypes.genotypes(db, w.first.barcode) if g.gene == "Trp53"]
    assert (trp53.allele1, trp53.allele2, trp53.method) == ("+", "-", None)
    with pytest.raises(ImportRejected) as again:  # the same file twice: recorded already
        genotypes.import_file(db, path)
    assert [p.row for p in again.value.report.problems] == [2, 3]
    assert count(db) == 3


def test_one_bad_row_writes_nothing_and_is_named(db, w, tmp_path):
    path = lab_file(
        tmp_path,
        "animal,gene,allele1,allele2,method,date\n"
        f"{w.first.barcode},Cre,tg,0,PCR,2026-01-10\n"
        f"{w.second.barcode},Cre,tg,0,PCR,10/01/2026\n"
        f"{w.second.barcode},Trp53,+,,PCR,2026-01-10\n",
    )
    with pytest.raises(ImportRejected) as rejected:
        genotypes.import_file(db, path)
    where = [(p.row, p.column) for p in rejected.value.report.problems]
    assert where == [(3, "date"), (4, "allele2")]
    assert count(db) == 0
    results = lab_file(tmp_path, f"animal,gene,result,date\n{w.first.barcode},Cre,het,2026-01-10\n")
    with pytest.raises(ImportRejected) as rejected:
        genotypes.import_file(db, results)
    (problem,) = rejected.value.report.problems
    assert (problem.row, problem.column, problem.value) == (2, "result", "het")


@pytest.fixture
def api(world):
    app, tokens, _ = world
    _, codes = animals_by_api(app, tokens, ["male", "female"])
    return SimpleNamespace(app=app, tokens=tokens, codes=codes)


def test_genotypes_by_the_api(api):
    app, token, code = api.app, api.tokens["technician"], api.codes[0]
    body = {"gene": "Cre", "allele1": "tg", "allele2": "0", "genotyped_on": "2026-01-10"}
    made = call(app, "POST", f"/api/v1/animals/{code}/genotypes", token, body)
    assert made.status_code == 201, made.json
    assert made.json["animal"] == code and made.json["allele2"] == "0"
    again = call(app, "POST", f"/api/v1/animals/{code}/genotypes", token, body)
    assert again.status_code == 409
    bad = call(app, "POST", f"/api/v1/animals/{code}/genotypes", token, {**body, "gene": "=1+1"})
    assert bad.status_code == 422 and "gene" in bad.json["errors"]
    listed = call(app, "GET", f"/api/v1/animals/{code}/genotypes", token)
    assert [g["gene"] for g in listed.json] == ["Cre"]


def test_a_lab_file_by_the_api_all_or_nothing(api):
    app, token = api.app, api.tokens["technician"]
    good = f"animal,gene,result,date\n{api.codes[1]},Trp53,+/+,2026-01-12\n".encode()
    bad = good + f"{api.codes[1]},Trp53,+/-,2026-01-12\n".encode()
    form = {"file": (bad, "lab.csv"), "dry_run": "false"}
    refused = send(app, "POST", "/api/v1/genotypes/imports", token, form)
    assert refused.status_code == 422, refused.json
    (problem,) = refused.json["errors"]["problems"]
    assert (problem["row"], problem["column"]) == (3, "gene")
    listed = call(app, "GET", f"/api/v1/animals/{api.codes[1]}/genotypes", token)
    assert listed.json == []
    dry = send(
        app,
        "POST",
        "/api/v1/genotypes/imports",
        token,
        {"file": (good, "lab.csv"), "dry_run": "true"},
    )
    assert dry.status_code == 200 and dry.json["counts"] == {"genotypes": 1}
    done = send(app, "POST", "/api/v1/genotypes/imports", token, {"file": (good, "lab.csv")})
    assert done.status_code == 200 and done.json["count"] == 0, done.json
    listed = call(app, "GET", f"/api/v1/animals/{api.codes[1]}/genotypes", token)
    assert [(g["allele1"], g["allele2"]) for g in listed.json] == [("+", "+")]
    missing = send(app, "POST", "/api/v1/genotypes/imports", token, {"dry_run": "true"})
    assert missing.status_code == 422 and "file" in missing.json["errors"]


def test_the_command_imports_a_lab_file(tmp_path, monkeypatch, runner):
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        code = two_mice(db).first.barcode
    monkeypatch.setenv("DATABASE_URL", url)
    path = lab_file(tmp_path, f"animal,gene,result,date\n{code},Cre,tg/0,2026-01-10\n")
    dry = runner.invoke(["genotypes", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Dry run, nothing written. 1 genotype(s)" in dry.output
    done = runner.invoke(["genotypes", "import", str(path)])
    assert done.exit_code == 0 and "Imported 1 genotype(s)." in done.output, done.output
    again = runner.invoke(["genotypes", "import", str(path)])
    assert again.exit_code == 1 and "row 2, column gene" in again.output, again.output
    with unit_of_work(session_factory(engine)) as db:
        assert count(db) == 1
    engine.dispose()
