"""Sequences: FASTA and GenBank records attached to materials by accession number or
identifier, each kind of bad record refused with nothing imported, and FASTA exported back."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from repository.exchange import dwca, sequences
from repository.exchange.problems import ImportRejected
from repository.models import Event, Material, Sequence
from repository.vocabulary import EventType
from tests.conftest import make_strain

FASTA = """>TST_00001 16S ribosomal RNA, partial sequence
ACGTACGGCC
GGCCNN
>MN000002.1 [culture_collection=DSM:18039] [organism=Bacillus subtilis] ITS region
ggccaattgg
"""

GENBANK = """LOCUS       AB000003                  12 bp    DNA     linear   BCT 01-JAN-2020
DEFINITION  Escherichia coli strain ATCC 25922 cytochrome oxidase subunit I gene.
ACCESSION   AB000003
VERSION     AB000003.1
SOURCE      Escherichia coli
  ORGANISM  Escherichia coli
            Bacteria; Pseudomonadota.
FEATURES             Location/Qualifiers
     source          1..12
                     /organism="{organism}"
                     /strain="{strain}"
                     /culture_collection="ATCC:25922"
     gene            1..12
                     /gene="COI"
ORIGIN
        1 gggccctttg ca
//
"""


@pytest.fixture
def strains(db, collection):
    make_strain(db, accession_number="TST 00001")
    make_strain(
        db,
        accession_number="TST 00002",
        taxon_name="Bacillus subtilis",
        identifiers=[{"scheme": "DSM", "value": "18039"}],
    )
    make_strain(
        db, accession_number="TST 00003", identifiers=[{"scheme": "ATCC", "value": "25922"}]
    )


def run(db, text, fmt="fasta", dry_run=False):
    return sequences.import_sequences(db, io.StringIO(text), fmt, "TST", dry_run=dry_run)


def stored(db):
    rows = db.execute(select(Sequence).order_by(Sequence.accession)).scalars()
    return [
        (s.material.accession_number, s.accession, s.marker, s.length, s.gc_content, s.residues)
        for s in rows
    ]


def problems(db, text, fmt="fasta"):
    with pytest.raises(ImportRejected) as caught:
        run(db, text, fmt)
    assert db.scalar(select(func.count()).select_from(Sequence)) == 0
    return [(p.row, p.column, p.message) for p in caught.value.report.problems]


def test_fasta_records_attach_by_accession_number_and_identifier(db, strains):
    assert run(db, FASTA)[0] == 2
    assert stored(db) == [
        ("TST 00002", "MN000002.1", "ITS", 10, 60.0, "GGCCAATTGG"),
        ("TST 00001", "TST_00001", "16S rRNA", 16, 78.57, "ACGTACGGCCGGCCNN"),
    ]
    history = db.execute(
        select(Material.accession_number, Event.data)
        .join(Material, Material.id == Event.material_id)
        .where(Event.type == EventType.ANNOTATED)
        .order_by(Event.id)
    ).all()
    assert [(number, data) for number, data in history] == [
        ("TST 00001", {"sequence": "TST_00001", "marker": "16S rRNA", "length": 16}),
        ("TST 00002", {"sequence": "MN000002.1", "marker": "ITS", "length": 10}),
    ]


def test_genbank_records_attach_by_their_qualifiers(db, strains):
    text = GENBANK.format(organism="Escherichia coli", strain="unknown 1")
    assert run(db, text, "genbank")[0] == 1
    assert stored(db)[0][:4] == ("TST 00003", "AB000003.1", "COI", 12)


def test_a_dry_run_reports_and_writes_nothing(db, strains):
    count, report = run(db, FASTA + ">TST_00009\nACGT\n", dry_run=True)
    assert (count, report.count) == (2, 1)
    assert db.scalar(select(func.count()).select_from(Sequence)) == 0


def test_bad_records_import_nothing(db, strains):
    bad = FASTA + ">TST_00009 unknown\nACGT\n>TST_00003 [organism=Homo sapiens]\nACGU-T\n"
    assert problems(db, bad) == [
        (3, "id", "No material of TST is known by these names."),
        (4, "organism", "TST 00003 is Escherichia coli."),
        (4, "sequence", "Not IUPAC DNA (first at position 4 of TST_00003)."),
    ]
    mismatch = GENBANK.format(organism="Salmonella enterica", strain="x")
    assert problems(db, mismatch, "genbank") == [(1, "organism", "TST 00003 is Escherichia coli.")]


def test_the_same_sequence_twice_is_refused(db, strains):
    run(db, FASTA)
    assert problems_after(db, FASTA) == 2


def problems_after(db, text):
    with pytest.raises(ImportRejected) as caught:
        run(db, text)
    return caught.value.report.count


def test_an_unreadable_file_is_a_problem(db, strains):
    assert problems(db, "LOCUS       broken\n", "genbank")[0][2].startswith("Not a readable")
    assert problems(db, "no records here\n")[0][2].startswith("Not a readable fasta record")
    assert problems(db, "") == [(None, None, "No fasta records found.")]


def test_fasta_export_reads_back(db, strains, tmp_path):
    run(db, FASTA)
    run(db, GENBANK.format(organism="Escherichia coli K-12", strain="x"), "genbank")
    out = io.StringIO()
    assert sequences.export_fasta(db, "TST", out) == 3
    text = out.getvalue()
    assert ">AB000003.1 [strain=TST 00003] [organism=Escherichia coli] [marker=COI]" in text
    before = stored(db)
    db.execute(Sequence.__table__.delete())
    assert run(db, text)[0] == 3
    assert [s[:3] + s[5:] for s in stored(db)] == [s[:3] + s[5:] for s in before]
    archive = io.BytesIO()
    dwca.export(db, "TST", archive)
    path = tmp_path / "a.zip"
    path.write_bytes(archive.getvalue())
    from dwca.read import DwCAReader

    with DwCAReader(str(path)) as reader:
        found = {r.data[dwca.DWC + "catalogNumber"]: r.data for r in reader}
    assert found["TST 00003"][dwca.DWC + "associatedSequences"] == "AB000003.1"
