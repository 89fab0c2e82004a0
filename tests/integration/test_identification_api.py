"""Sequence identification over HTTP, on the command line and on the pages: a reference set
imported by upload (all or nothing, problem lines), queries as JSON residues or FASTA text,
each kind of bad input a precise 422 that stores nothing, thresholds, a strain's filed 16S
that places it in another genus shown on its record and in the due list until a curator of
its collection reviews it; `biorepo identify` and `biorepo import references`; the page in
English and Chinese."""

from __future__ import annotations

import json
import random

import pytest

from repository.db import unit_of_work
from repository.sequence_search import CONVENTION
from tests import synthetic
from tests.clients import call, csrf_of, logged_in, send
from tests.factories import add_material

SET = "Type strains 16S"


@pytest.fixture(scope="module")
def references() -> list[synthetic.Reference]:
    return synthetic.references(random.Random(23), 3, 3, 2, length=900)


@pytest.fixture(scope="module")
def reference_set(world, references):
    """This module's reference set, imported once by upload."""
    app, tokens, _ = world
    form = {"name": SET, "marker": "16S", "file": (synthetic.fasta(references).encode(), "t.fa")}
    response = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], form)
    assert response.status_code == 200, response.json
    assert response.json["counts"] == {"sequences": 18} and response.json["count"] == 0
    return references


def identify(app, token, body):
    return call(app, "POST", "/api/v1/sequences/identify", token, body)


def sets(app, token):
    return call(app, "GET", "/api/v1/reference-sets", token).json


def test_residues_get_their_closest_sequences_with_the_convention(world, reference_set):
    app, tokens, _ = world
    query = synthetic.mutated(random.Random(1), reference_set[4].residues, 0.004)
    response = identify(app, tokens["technician"], {"residues": query, "hits": 3})
    assert response.status_code == 200, response.json
    assert response.json["convention"] == CONVENTION
    (result,) = response.json["results"]
    assert (result["query"], result["length"], result["marker"], result["verdict"]) == (
        "query",
        len(query),
        "16S rRNA",
        "species",
    )
    assert result["thresholds"]["species"] == 98.7 and result["thresholds"]["genus"] == 94.5
    best = result["hits"][0]
    assert {k: best[k] for k in ("kind", "accession", "taxon", "source", "verdict")} == {
        "kind": "reference",
        "accession": reference_set[4].accession,
        "taxon": reference_set[4].taxon,
        "source": SET,
        "verdict": "species",
    }
    assert best["identity"] >= 99 and best["coverage"] == 100.0 and best["shared_kmers"] > 800
    assert best["aligned_columns"] == best["matches"] + best["mismatches"] + best["gaps"]
    assert len(result["hits"]) == 3 and result["searched"] >= 18


def test_fasta_text_is_identified_record_by_record(world, reference_set):
    app, tokens, _ = world
    text = f">a [marker=16S rRNA]\n{reference_set[0].residues}\n>b\n{reference_set[9].residues}\n"
    response = identify(app, tokens["admin"], {"fasta": text, "hits": 1, "sets": [SET]})
    assert [(r["query"], r["hits"][0]["accession"]) for r in response.json["results"]] == [
        ("a", reference_set[0].accession),
        ("b", reference_set[9].accession),
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"residues": "ACGT" * 30 + "XJ"},
            {"residues": ["Not IUPAC nucleotides: J, X (first at residue 121)."]},
        ),
        (
            {"residues": "ACGTAC"},
            {"residues": ["6 definite bases (A, C, G, T): at least 100 are needed to compare."]},
        ),
        (
            {"residues": "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"},
            {
                "residues": [
                    "Amino acids (E, F, I, L, Q), not nucleotides: identification compares DNA "
                    "or RNA."
                ]
            },
        ),
        (
            {"residues": "ACGU" * 40 + "T"},
            {"residues": ["Both T and U: DNA and RNA mixed in one sequence."]},
        ),
        (
            {"fasta": ">x\nACGT\n"},
            {
                "fasta": [
                    "Record 1 (x): 4 definite bases (A, C, G, T): at least 100 are needed to "
                    "compare."
                ]
            },
        ),
        ({"fasta": "ACGT" * 40}, {"fasta": ["FASTA text starts with a >header line."]}),
        ({}, {"residues": ["Give the residues or FASTA text, one of them."]}),
        (
            {"residues": "ACGT" * 30, "hits": 0},
            {"hits": ["Must be greater than or equal to 1 and less than or equal to 50."]},
        ),
        ({"residues": "ACGT" * 30, "sets": ["=cmd()"]}, None),
        ({"residues": "ACGT" * 30, "sets": ["Nope"]}, {"sets": ["No reference set named 'Nope'."]}),
        ({"residues": "ACGT" * 30, "colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_bad_queries_are_a_precise_422(world, reference_set, body, errors):
    app, tokens, _ = world
    before = sets(app, tokens["technician"])
    response = identify(app, tokens["technician"], body)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    if errors is not None:
        assert response.json["errors"] == errors
    assert sets(app, tokens["technician"]) == before


def test_more_than_20_records_are_refused(world, reference_set):
    app, tokens, _ = world
    text = "".join(f">r{n}\n{reference_set[0].residues}\n" for n in range(21))
    response = identify(app, tokens["technician"], {"fasta": text})
    assert response.json["errors"] == {
        "fasta": ["Record 21: At most 20 records are identified at once."]
    }


def test_a_set_with_bad_records_is_refused_whole(world, reference_set):
    app, tokens, _ = world
    before = sets(app, tokens["curator"])
    text = synthetic.fasta(reference_set[:2]) + ">bad [organism=Bacillus alba]\nACGT\n"
    form = {"name": "Broken", "marker": "16S", "file": (text.encode(), "b.fa")}
    response = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], form)
    assert response.status_code == 422
    assert response.json["errors"]["problems"] == [
        {
            "row": 3,
            "column": "sequence",
            "value": "bad",
            "message": "4 definite bases (A, C, G, T): at least 100 are needed to compare.",
            "file": "b.fa",
        }
    ]
    dry = send(
        app,
        "POST",
        "/api/v1/reference-sets/imports",
        tokens["curator"],
        {**form, "dry_run": "true"},
    )
    assert (dry.status_code, dry.json["counts"], dry.json["count"]) == (200, {"sequences": 2}, 1)
    taken = {**form, "name": SET, "file": (synthetic.fasta(reference_set[:2]).encode(), "t.fa")}
    again = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], taken)
    assert again.json["errors"]["problems"][0]["column"] == "name"
    binary = {**form, "file": (b"\xff\xfe>x\n", "x.fa")}
    refused = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], binary)
    assert refused.status_code == 422 and "Not UTF-8" in refused.json["errors"]["file"][0]
    nameless = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], {})
    assert nameless.json["errors"] == {
        "name": ["Missing data for required field."],
        "file": ["Missing data for required field."],
    }
    assert sets(app, tokens["curator"]) == before


def test_a_set_is_listed_and_removed(world, reference_set):
    app, tokens, _ = world
    form = {
        "name": "Spare",
        "marker": "ITS",
        "file": (synthetic.fasta(reference_set[:3]).encode(), "s.fa"),
    }
    assert (
        send(app, "POST", "/api/v1/reference-sets/imports", tokens["admin"], form).status_code
        == 200
    )
    listed = {s["name"]: s for s in sets(app, tokens["technician"])}
    assert (listed["Spare"]["size"], listed["Spare"]["format"], listed["Spare"]["source"]) == (
        3,
        "fasta",
        "s.fa",
    )
    its = identify(
        app, tokens["technician"], {"residues": reference_set[0].residues, "marker": "ITS"}
    )
    assert its.json["results"][0]["thresholds"]["species"] == 98.41
    path = f"/api/v1/reference-sets/{listed['Spare']['id']}"
    assert call(app, "DELETE", path, tokens["technician"]).status_code == 403
    assert call(app, "DELETE", path, tokens["other_curator"]).status_code == 204
    assert call(app, "DELETE", path, tokens["admin"]).status_code == 404
    assert "Spare" not in {s["name"] for s in sets(app, tokens["technician"])}


def test_thresholds_are_read_by_staff_and_set_by_curators(world):
    app, tokens, _ = world
    listed = call(app, "GET", "/api/v1/identity-thresholds", tokens["technician"]).json
    assert [(t["marker"], t["species"], t["genus"]) for t in listed] == [
        ("16S rRNA", 98.7, 94.5),
        ("ITS", 98.41, 94.3),
    ]
    body = {"marker": "rpoB", "species": 97.7, "genus": 94.0, "source": "Adékambi 2009"}
    made = call(app, "PUT", "/api/v1/identity-thresholds", tokens["curator"], body)
    assert made.status_code == 200 and made.json["min_coverage"] == 80.0
    for bad, errors in [
        (
            {**body, "genus": 99},
            {"genus": ["The genus threshold is at most the species threshold."]},
        ),
        ({**body, "species": 0}, {"species": ["A percentage above 0 and at most 100."]}),
        ({**body, "species": "NaN"}, None),
        ({**body, "marker": "=1+1"}, None),
    ]:
        response = call(app, "PUT", "/api/v1/identity-thresholds", tokens["curator"], bad)
        assert response.status_code == 422, bad
        if errors:
            assert response.json["errors"] == errors
    after = call(app, "GET", "/api/v1/identity-thresholds", tokens["technician"]).json
    assert next(t for t in after if t["marker"] == "rpoB")["species"] == 97.7


@pytest.fixture
def misnamed(world, reference_set):
    """A strain of API of its own, named Escherichia coli, whose filed 16S is a Bacillus's:
    its id and accession number."""
    app, tokens, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        strain = add_material(
            db, "API", {"kind": "strain", "designation": "x", "taxon_name": "Escherichia coli"}
        )
        db.flush()
        made = (strain.id, strain.accession_number)
    fasta = f">{made[1].replace(' ', '_')} 16S ribosomal RNA\n{reference_set[1].residues}\n"
    form = {
        "format": "fasta",
        "collection": "API",
        "dry_run": "false",
        "file": (fasta.encode(), "s.fa"),
    }
    response = send(app, "POST", "/api/v1/exchange/imports", tokens["curator"], form)
    assert response.status_code == 200, response.json
    return made


def due_ids(app, token) -> set[int]:
    lines = call(app, "GET", "/api/v1/due?kind=sequence_identity", token).json
    return {line["record_id"] for line in lines}


def test_the_record_and_the_due_list_warn_of_another_genus(world, misnamed, reference_set):
    app, tokens, _ = world
    material_id, number = misnamed
    path = f"/api/v1/materials/{material_id}/sequences"
    (sequence,) = call(app, "GET", path, tokens["technician"]).json
    assert sequence["check"]["other_genus"] == "Bacillus"
    assert sequence["check"]["hit_taxon"] == reference_set[1].taxon
    assert sequence["check"]["hit_source"] == SET and sequence["check"]["verdict"] == "species"
    assert sequence["warning"].startswith(
        f"{number.replace(' ', '_')} (16S rRNA) places {number} in Bacillus: 100 % identity to"
    )
    assert material_id in due_ids(app, tokens["curator"])
    assert material_id not in due_ids(app, tokens["other_curator"])  # not their collection
    assert call(app, "GET", path, tokens["requester"]).status_code == 403


def test_a_curator_of_the_collection_reviews_it(world, misnamed):
    app, tokens, _ = world
    material_id, _ = misnamed
    path = f"/api/v1/materials/{material_id}/sequences"
    (sequence,) = call(app, "GET", path, tokens["technician"]).json
    review = f"/api/v1/sequences/{sequence['id']}/review"
    note = {"note": "The tube sequenced was a Bacillus contaminant; the strain is E. coli."}
    assert call(app, "POST", review, tokens["other_curator"], note).status_code == 403
    blank = call(app, "POST", review, tokens["curator"], {"note": "  "})
    assert blank.status_code == 422 and list(blank.json["errors"]) == ["note"]
    done = call(app, "POST", review, tokens["curator"], note)
    assert done.status_code == 200 and done.json["warning"] is None
    assert done.json["check"]["review_note"] == note["note"]
    assert material_id not in due_ids(app, tokens["curator"])
    again = call(app, "POST", review, tokens["curator"], note)
    assert again.status_code == 409 and "Reviewed already" in again.json["detail"]


def test_the_identify_command(world, reference_set, runner, monkeypatch, tmp_path):
    app, _, _ = world
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    path = tmp_path / "q.fasta"
    path.write_text(f">mine [marker=16S]\n{reference_set[7].residues}\n")
    result = runner.invoke(["identify", str(path), "--hits", "2", "--set", SET])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("mine (900 bases, 16S rRNA): same species; ")
    assert lines[1] == "  thresholds: species 98.7 %, genus 94.5 %, coverage 80 %"
    assert reference_set[7].accession in lines[2] and "100.00 %" in lines[2]
    assert lines[-1] == CONVENTION
    as_json = runner.invoke(["identify", str(path), "--json", "--hits", "1"])
    assert (
        json.loads(as_json.output)["results"][0]["hits"][0]["accession"]
        == reference_set[7].accession
    )
    path.write_text(">bad\nACGT\n")
    refused = runner.invoke(["identify", str(path)])
    assert refused.exit_code == 1
    assert "fasta: Record 1 (bad): 4 definite bases" in refused.output


def test_the_import_references_command(world, reference_set, runner, monkeypatch, tmp_path):
    app, tokens, _ = world
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    path = tmp_path / "refs.fasta"
    path.write_text(synthetic.fasta(reference_set[:4], modifiers=False))
    dry = runner.invoke(
        ["import", "references", str(path), "--name", "CLI set", "--marker", "16S", "--dry-run"]
    )
    assert (
        dry.exit_code == 0
        and "Dry run, nothing written. 4 reference sequences; 0 problems." in dry.output
    )
    done = runner.invoke(
        ["import", "references", str(path), "--name", "CLI set", "--marker", "16S"]
    )
    assert done.exit_code == 0 and "Imported 4 reference sequences." in done.output
    listed = {s["name"]: s for s in sets(app, tokens["technician"])}
    assert listed["CLI set"]["size"] == 4
    taken = runner.invoke(["import", "references", str(path), "--name", "CLI set"])
    assert taken.exit_code == 1 and "A reference set of this name exists" in taken.output
    call(app, "DELETE", f"/api/v1/reference-sets/{listed['CLI set']['id']}", tokens["admin"])


def test_the_page_identifies_in_both_languages(world, reference_set):
    app, _, _ = world
    client = logged_in(app, "technician")
    assert client.get("/identify").status_code == 200
    form = {
        "sequence": reference_set[3].residues,
        "collections": "true",
        "csrf_token": csrf_of(client),
    }
    page = client.post("/identify", data=form)
    html = page.data.decode()
    assert page.status_code == 200 and reference_set[3].taxon in html and "100.00 %" in html
    assert "Best hit:" in html and "same species" in html
    client.set_cookie("lang", "zh")
    chinese = client.post("/identify", data=form).data.decode()
    assert "同种" in chinese and "最佳" in chinese
    bad = client.post("/identify", data={**form, "sequence": ">x\nACGTZZ\n"})
    assert bad.status_code == 422 and "Record 1 (x)" in bad.data.decode()
    assert logged_in(app, "requester").get("/identify").status_code == 403


def test_the_material_page_shows_the_warning_and_the_review(world, misnamed):
    app, _, _ = world
    material_id, number = misnamed
    client = logged_in(app, "curator")
    html = client.get(f"/materials/{material_id}").data.decode()
    assert f"(16S rRNA) places {number} in Bacillus" in html and "Keep the taxon" in html
    for other in ("technician", "other_curator"):  # the review is the collection's curators'
        seen = logged_in(app, other).get(f"/materials/{material_id}").data.decode()
        assert f"places {number} in Bacillus" in seen and "Keep the taxon" not in seen
    client.set_cookie("lang", "zh")
    assert f"将 {number} 归入 Bacillus 属" in client.get(f"/materials/{material_id}").data.decode()
    action = html.split('action="/materials/')[1].split('"')[0]
    kept = client.post(
        f"/materials/{action}", data={"note": "Contaminated tube.", "csrf_token": csrf_of(client)}
    )
    assert kept.status_code == 303 and kept.location.endswith(f"/materials/{material_id}#sequences")
    client.set_cookie("lang", "en")
    after = client.get(f"/materials/{material_id}").data.decode()
    assert "places" not in after and "taxon kept after review: Contaminated tube." in after
    history = client.get(f"/api/v1/materials/{material_id}/sequences").json
    assert history[0]["check"]["review_note"] == "Contaminated tube."
