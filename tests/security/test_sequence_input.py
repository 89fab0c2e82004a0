"""Hostile input to sequence identification and to the sequence files: control characters and
NULs in headers (PostgreSQL refuses a NUL in text), markup in names, a sequence of a genome's
length, FASTA text past a megabyte, a request asking for hours of alignments, a file of a
protein. Each is a precise 422 or a problem of the report: never a 500, nothing stored, and
markup shown as text."""

from __future__ import annotations

import io
import random

import pytest
from sqlalchemy import func, select

from repository.exchange import reference_sets, sequences
from repository.exchange.problems import ImportRejected
from repository.models import ReferenceSequence, ReferenceSet, Sequence
from repository.schemas.sequences import ReferenceSetIn
from tests import synthetic
from tests.clients import call, csrf_of, logged_in, send
from tests.conftest import make_strain

RESIDUES = synthetic.root(random.Random(4), 300)


def import_set(db, text: str) -> list[tuple[int | None, str | None, str]]:
    command = ReferenceSetIn().load_or_fail({"name": "Hostile", "marker": "16S"})
    with pytest.raises(ImportRejected) as rejected:
        reference_sets.import_reference_set(db, io.StringIO(text), command)
    assert db.scalar(select(func.count()).select_from(ReferenceSequence)) == 0
    assert db.scalar(select(func.count()).select_from(ReferenceSet)) == 0
    return [(p.row, p.column, p.message) for p in rejected.value.report.problems]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (">R1\x00 [organism=Bacillus subtilis]", "id"),
        (">R1 [organism=Bacillus\x00 subtilis]", "organism"),
        (">R1 Bacillus subtilis strain \x00\x1b[31m", "description"),
    ],
)
def test_control_characters_in_a_reference_header_are_a_problem(db, header, column):
    assert import_set(db, f"{header}\n{RESIDUES}\n") == [
        (1, column, "A header may not hold control characters (such as NUL or escape).")
    ]


def test_control_characters_in_a_materials_sequence_header_are_a_problem(db, collection):
    make_strain(db, accession_number="TST 00001")
    with pytest.raises(ImportRejected) as rejected:
        sequences.import_sequences(
            db, io.StringIO(f">TST_00001 16S \x00rRNA\n{RESIDUES}\n"), "fasta", "TST"
        )
    assert [p.column for p in rejected.value.report.problems] == ["description"]
    assert db.scalar(select(func.count()).select_from(Sequence)) == 0


def test_a_protein_file_is_a_problem_a_record(db):
    protein = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQ"
    text = "".join(f">P{n} [organism=Homo sapiens]\n{protein}\n" for n in range(3))
    assert [p[1] for p in import_set(db, text)] == ["sequence"] * 3


def identify(app, token, body):
    return call(app, "POST", "/api/v1/sequences/identify", token, body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"residues": "ACGT" * 2_600}, "residues"),  # 10,400 bases: no marker is that long
        ({"fasta": ">x\n" + "ACGT" * 250_001}, "fasta"),  # past a megabyte of text
        ({"residues": "ACGT\x00" * 40}, "residues"),
        ({"residues": RESIDUES, "name": "<script>alert(1)</script>\x00"}, "name"),
        ({"residues": RESIDUES, "candidates": 10**12}, "candidates"),
        ({"residues": RESIDUES, "marker": "16S\r\nX-Injected: 1"}, "marker"),
        ({"residues": RESIDUES, "sets": ["x"] * 21}, "sets"),
        ({"residues": ["ACGT"]}, "residues"),
        (
            {"fasta": "".join(f">r{n}\n{'ACGT' * 2_000}\n" for n in range(20)), "candidates": 50},
            "fasta",
        ),  # 160,000 bases × 50 candidates: hours of alignments asked at once
    ],
)
def test_hostile_queries_are_a_precise_422(world, body, field):
    app, tokens, _ = world
    response = identify(app, tokens["technician"], body)
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == [field]
    assert len(response.get_data()) < 10_000  # the answer does not grow with the attack


def test_markup_in_a_query_name_is_text(world):
    app, tokens, _ = world
    name = "<script>alert(1)</script>"
    response = identify(app, tokens["technician"], {"fasta": f">{name}\n{RESIDUES}\n"})
    assert response.status_code == 200 and "<script>" not in response.get_data(as_text=True)
    client = logged_in(app, "technician")
    form = {"sequence": f">x{name}\n{RESIDUES}\n", "csrf_token": csrf_of(client)}
    page = client.post("/identify", data=form).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_a_reference_upload_of_a_binary_file_or_no_fasta_is_a_problem(world):
    app, tokens, _ = world
    for content in (b"\x89PNG\r\n\x1a\n\x00\x00", b"LOCUS nothing\n", b""):
        form = {"name": "Junk", "marker": "16S", "file": (content, "junk.fa")}
        response = send(app, "POST", "/api/v1/reference-sets/imports", tokens["curator"], form)
        assert response.status_code == 422, (content, response.json)
    listed = call(app, "GET", "/api/v1/reference-sets", tokens["curator"]).json
    assert "Junk" not in {s["name"] for s in listed}
