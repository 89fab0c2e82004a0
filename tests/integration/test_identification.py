"""Sequence identification on both databases: reference sets imported all or nothing with their
taxa, markers and 8-mer profiles; queries identified by identity with their verdicts; the
prefilter finding the hit that aligning everything finds; a strain whose filed 16S places it
in another genus warned of on its record and in the due list, until its taxon is corrected or
a curator reviews it; thresholds per marker."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from repository.errors import InvalidState, ValidationFailed
from repository.exchange import reference_sets, sequences
from repository.exchange.problems import ImportRejected
from repository.exchange.sequences import Parsed
from repository.models import (
    AuditEntry,
    Event,
    ReferenceSequence,
    ReferenceSet,
    SequenceCheck,
)
from repository.schemas.sequences import (
    IdentifyIn,
    ReferenceSetIn,
    Review,
    ThresholdsIn,
)
from repository.sequence_search import (
    DEFAULT_THRESHOLDS,
    Query,
    compare,
    packed,
    profile,
)
from repository.services import identification, sequence_checks
from repository.services.accounts import ANONYMOUS, Principal
from repository.vocabulary import EventType, IdentityVerdict, Role
from tests import synthetic
from tests.conftest import make_strain

PROTEIN = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQ"
STAFF = Principal(user_id=1, roles=frozenset({Role.TECHNICIAN}))
SET = "Type strains 16S"
TODAY = date.today()


@pytest.fixture(scope="module")
def references() -> list[synthetic.Reference]:
    """3 genera (Bacillus, Escherichia, Pseudomonas) of 4 species of 2 strains, 1,000 bases."""
    return synthetic.references(random.Random(11), 3, 4, 2, length=1000)


def kept(refs: list[synthetic.Reference]) -> list[synthetic.Reference]:
    """The set imported: all but the fourth species of each genus (held out as queries)."""
    return [r for r in refs if r.accession[4:7] != "003"]


def import_set(db, text: str, **fields):
    command = ReferenceSetIn().load_or_fail({"name": SET, "marker": "16S", **fields})
    return reference_sets.import_reference_set(db, io.StringIO(text), command, name="set.fasta")


@pytest.fixture
def imported(db, references):
    count, report = import_set(db, synthetic.fasta(kept(references)))
    assert (count, report.count) == (18, 0)
    return kept(references)


def identify(db, who=STAFF, **body):
    return identification.identify(db, who, IdentifyIn().load_or_fail(body))


def test_a_set_is_stored_with_taxa_markers_and_profiles(db, imported):
    (made,) = db.scalars(select(ReferenceSet)).all()
    assert (made.name, made.size, made.source, made.source_format) == (
        SET,
        18,
        "set.fasta",
        "fasta",
    )
    rows = db.scalars(select(ReferenceSequence).order_by(ReferenceSequence.accession)).all()
    assert [(r.accession, r.taxon_name, r.marker) for r in rows[:3]] == [
        ("R000000000", "Bacillus alba", "16S rRNA"),
        ("R000000001", "Bacillus alba", "16S rRNA"),
        ("R000001000", "Bacillus borealis", "16S rRNA"),
    ]
    first = imported[0]
    assert rows[0].residues == first.residues and rows[0].length == len(first.residues)
    assert rows[0].kmers == packed(profile(first.residues))
    db.flush()


GENBANK = """LOCUS       NR_000001       {n:>12} bp    DNA     linear   BCT 01-JAN-2020
DEFINITION  Bacillus subtilis strain DSM 10 16S ribosomal RNA, partial sequence.
ACCESSION   NR_000001
VERSION     NR_000001.1
SOURCE      Bacillus subtilis
  ORGANISM  Bacillus subtilis
            Bacteria; Bacillota.
FEATURES             Location/Qualifiers
     source          1..{n}
                     /organism="Bacillus subtilis"
                     /strain="DSM 10"
     rRNA            1..{n}
                     /product="16S ribosomal RNA"
ORIGIN
{origin}
//
"""


def genbank(residues: str) -> str:
    lines = []
    for start in range(0, len(residues), 60):
        chunk = residues[start : start + 60].lower()
        parts = " ".join(chunk[i : i + 10] for i in range(0, len(chunk), 10))
        lines.append(f"{start + 1:>9} {parts}")
    return GENBANK.format(n=len(residues), origin="\n".join(lines))


@pytest.mark.parametrize(
    ("accession", "description", "taxon", "stored_as"),
    [
        ("NR_1.1", "Bacillus subtilis strain DSM 10 16S ribosomal RNA", "Bacillus subtilis", None),
        ("S000494589", "Bacillus subtilis; DSM 10; AB042061", "Bacillus subtilis", None),
        ("X1", "[Clostridium] difficile ATCC 9689", "[Clostridium] difficile", None),
        (
            "X2",
            "Candidatus Liberibacter asiaticus psy62",
            "Candidatus Liberibacter asiaticus",
            None,
        ),
        ("X3", "Bacillus sp. ABC-1 16S", "Bacillus sp.", None),
        (
            "AB000389.1.1508",
            "Bacteria;Pseudomonadota;Gammaproteobacteria;Enterobacterales;Enterobacteriaceae;"
            "Escherichia-Shigella;Escherichia coli",
            "Escherichia coli",
            None,
        ),
        ("G1", "k__Bacteria; p__Firmicutes; g__Bacillus; s__subtilis", "Bacillus subtilis", None),
        ("G2", "k__Bacteria; p__Firmicutes; g__Bacillus; s__", "Bacillus", None),
        (
            "Fusarium_oxysporum|KF918578|SH1545133.08FU|refs|k__Fungi;p__Ascomycota;"
            "g__Fusarium;s__Fusarium_oxysporum",
            "",
            "Fusarium oxysporum",
            "KF918578",
        ),
        ("X4", "16S ribosomal RNA gene, partial sequence", None, None),
    ],
)
def test_the_taxon_is_read_from_the_header(accession, description, taxon, stored_as):
    parsed = Parsed(1, accession, description, [], None, None, "ACGT")
    assert reference_sets.taxon_of(parsed) == taxon
    assert reference_sets.accession_of(parsed) == (stored_as or accession)


def test_genbank_records_give_their_organism(db, references):
    count, _ = reference_sets.import_reference_set(
        db,
        io.StringIO(genbank(references[0].residues)),
        ReferenceSetIn().load_or_fail({"name": "GB", "format": "genbank"}),
    )
    (row,) = db.scalars(select(ReferenceSequence)).all()
    assert (count, row.accession, row.taxon_name, row.marker) == (
        1,
        "NR_000001.1",
        "Bacillus subtilis",
        "16S rRNA",
    )


def test_bad_records_import_nothing_and_each_is_a_problem(db, references):
    good = synthetic.fasta(references[:2])
    bad = good + "\n".join(
        [
            f">R000000000 [organism=Bacillus alba]\n{references[2].residues}",
            f">P1 [organism=Bacillus alba]\n{PROTEIN}",
            ">S1 [organism=Bacillus alba]\nACGTACGTAC",
            f">T1 16S ribosomal RNA\n{references[3].residues}",
            f">{'L' * 70} [organism=Bacillus alba]\n{references[4].residues}",
            f">U1 [organism=Bacillus alba]\n{references[5].residues[:200]}Z",
        ]
    )
    with pytest.raises(ImportRejected) as rejected:
        import_set(db, bad + "\n")
    problems = [(p.row, p.column, p.message) for p in rejected.value.report.problems]
    assert problems == [
        (3, "id", "Also record 1."),
        (
            4,
            "sequence",
            "Amino acids (E, F, I, L, P, Q), not nucleotides: identification compares DNA or RNA.",
        ),
        (5, "sequence", "10 definite bases (A, C, G, T): at least 100 are needed to compare."),
        (
            6,
            "taxon",
            "No taxon: give [organism=...], a header starting with the scientific "
            "name, or a lineage ending in it.",
        ),
        (7, "id", "An id has at most 64 characters."),
        (8, "sequence", "Not IUPAC nucleotides: Z (first at residue 201)."),
    ]
    assert db.scalar(select(func.count()).select_from(ReferenceSequence)) == 0
    assert db.scalar(select(func.count()).select_from(ReferenceSet)) == 0
    no_marker = ReferenceSetIn().load_or_fail({"name": "N"})
    with pytest.raises(ImportRejected) as rejected:
        reference_sets.import_reference_set(db, io.StringIO(good), no_marker)
    assert [p.column for p in rejected.value.report.problems] == ["marker", "marker"]


def test_a_dry_run_reports_and_writes_nothing(db, references):
    count, report = import_set(db, synthetic.fasta(references[:3]) + ">X\nACGT\n", dry_run=True)
    assert (count, [p.column for p in report.problems]) == (3, ["taxon", "sequence"])
    assert db.scalar(select(func.count()).select_from(ReferenceSet)) == 0


def test_a_set_of_a_taken_name_is_replaced_only_when_asked(db, imported, references):
    with pytest.raises(ImportRejected) as rejected:
        import_set(db, synthetic.fasta(references[:2]))
    assert rejected.value.report.problems[0].column == "name"
    assert import_set(db, synthetic.fasta(references[:2]), replace=True)[0] == 2
    assert db.scalar(select(ReferenceSet.size)) == 2
    assert set(db.scalars(select(ReferenceSequence.accession))) == {"R000000000", "R000000001"}
    db.commit()  # the audit is written at commit: every removed row is in it
    deleted = db.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.table_name == "reference_sequences", AuditEntry.action == "delete")
    )
    assert deleted == 18


def test_a_query_gets_its_closest_references_by_identity(db, imported, references):
    rng = random.Random(5)
    source = imported[5]
    query = synthetic.mutated(rng, source.residues, 0.003)
    (found,) = identify(db, residues=query, marker="16S rRNA", hits=5)
    assert found.verdict == IdentityVerdict.SPECIES and found.marker == "16S rRNA"
    assert found.thresholds == DEFAULT_THRESHOLDS[0]
    assert (found.best.accession, found.best.taxon, found.best.source) == (
        source.accession,
        source.taxon,
        SET,
    )
    identities = [hit.comparison.identity for hit in found.hits]
    assert identities == sorted(identities, reverse=True) and len(found.hits) == 5
    assert found.searched == 18 and found.aligned == 18
    assert found.best.comparison.coverage == 100.0 and found.best.shared > 900


def test_the_verdicts_of_a_held_out_species_and_genus(db, imported, references):
    held_out = next(r for r in references if r.accession[4:7] == "003")  # Bacillus's 4th
    (found,) = identify(db, residues=held_out.residues, marker="16S")
    assert found.verdict == IdentityVerdict.GENUS
    assert found.best.taxon.startswith("Bacillus ") and found.best.comparison.identity >= 94.5
    unknown = synthetic.mutated(random.Random(2), held_out.residues, 0.08)
    (far,) = identify(db, residues=unknown)
    assert far.verdict == IdentityVerdict.BELOW_GENUS
    assert far.marker == "16S rRNA"  # not said: the best hit's, whose thresholds judge it


def test_the_prefilter_finds_what_aligning_every_reference_finds(db, imported, references):
    rng = random.Random(9)
    for source in (imported[0], imported[9], references[7]):
        query = synthetic.mutated(rng, source.residues, 0.01)
        (found,) = identify(db, residues=query, candidates=4, hits=1)
        every = max(imported, key=lambda r: compare(query, r.residues).identity)
        assert found.aligned == 4
        assert found.best.comparison.identity == compare(query, every.residues).identity


def test_a_partial_query_is_covered_whole_and_names_the_same_species(db, imported):
    part = imported[2].residues[250:700]
    (found,) = identify(db, residues=part)
    assert found.best.accession == imported[2].accession
    assert (found.best.comparison.coverage, found.best.comparison.identity) == (100.0, 100.0)
    assert (found.best.comparison.target_start, found.best.comparison.target_end) == (250, 700)


def test_fasta_queries_each_get_their_hits(db, imported):
    text = (
        f">first [marker=16S]\n{imported[0].residues}\n"
        f">second partial sequence\n{imported[12].residues}\n"
    )
    first, second = identify(db, fasta=text, hits=1)
    assert (first.query.name, first.best.accession) == ("first", imported[0].accession)
    assert (second.query.name, second.best.accession) == ("second", imported[12].accession)


def test_queries_that_cannot_be_compared_are_refused_record_by_record(db, imported):
    text = f">ok\n{imported[0].residues}\n>short\nACGT\n>protein\nMKVLEEFFPPQQ\n"
    with pytest.raises(ValidationFailed) as refused:
        identify(db, fasta=text)
    assert refused.value.errors == {
        "fasta": [
            "Record 2 (short): 4 definite bases (A, C, G, T): at least 100 are needed to compare.",
            "Record 3 (protein): Amino acids (E, F, L, P, Q), not nucleotides: identification "
            "compares DNA or RNA.",
        ]
    }
    with pytest.raises(ValidationFailed) as refused:
        identify(db, residues="ACGT", fasta=">x\nACGT")
    assert refused.value.errors == {"residues": ["Give the residues or FASTA text, one of them."]}
    with pytest.raises(ValidationFailed) as refused:
        identify(db, fasta=imported[0].residues)
    assert refused.value.errors == {"fasta": ["FASTA text starts with a >header line."]}
    with pytest.raises(ValidationFailed) as refused:
        identify(db, residues=imported[0].residues, sets=["No such set"])
    assert refused.value.errors == {"sets": ["No reference set named 'No such set'."]}


def attach(db, text: str) -> int:
    return sequences.import_sequences(db, io.StringIO(text), "fasta", "TST")[0]


def test_the_collections_sequences_are_searched_as_the_asker_sees_them(
    db, collection, imported, references
):
    make_strain(db, accession_number="TST 00001", taxon_name="Bacillus alba")
    make_strain(
        db, accession_number="TST 00002", taxon_name="Bacillus alba", access_level="internal"
    )
    held = [r for r in references if r.accession[4:7] == "003"][:2]
    attach(
        db,
        f">TST_00001 16S ribosomal RNA\n{held[0].residues}\n"
        f">TST_00002 16S ribosomal RNA\n{held[1].residues}\n",
    )
    (found,) = identify(db, residues=held[1].residues, hits=3)
    assert (found.best.kind, found.best.material, found.best.source) == (
        "collection",
        "TST 00002",
        "TST",
    )
    assert found.best.comparison.identity == 100.0 and found.searched == 20
    public = Principal(user_id=2, roles=frozenset({Role.REQUESTER}))
    (seen,) = identify(db, who=public, residues=held[1].residues, hits=20)
    assert "TST 00002" not in {hit.material for hit in seen.hits} and seen.searched == 19
    (only,) = identify(db, who=ANONYMOUS, residues=held[1].residues, collections=False)
    assert only.searched == 18 and {h.kind for h in only.hits} == {"reference"}


def test_a_strain_placed_in_another_genus_is_warned_of_until_reviewed(
    db, collection, imported, references
):
    strain = make_strain(db, accession_number="TST 00001", taxon_name="Escherichia coli")
    bacillus = imported[1]
    attach(db, f">TST_00001 16S ribosomal RNA\n{bacillus.residues}\n")
    (check,) = db.scalars(select(SequenceCheck)).all()
    assert (check.verdict, check.other_genus, check.hit_taxon, check.hit_source) == (
        IdentityVerdict.SPECIES,
        "Bacillus",
        "Bacillus alba",
        SET,
    )
    assert (check.identity, check.coverage, check.declared_taxon) == (
        100.0,
        100.0,
        "Escherichia coli",
    )
    event = db.scalars(
        select(Event).where(Event.material_id == strain.id, Event.type == EventType.ANNOTATED)
    ).all()[-1]
    assert event.data == {
        "sequence": "TST_00001",
        "placed_in": "Bacillus",
        "identity": 100.0,
        "identified_as": "Bacillus alba",
    }
    (line,) = sequence_checks.due(db, TODAY)
    assert (line.kind, line.record, line.record_id, line.label, line.due_on) == (
        "sequence_identity",
        "material",
        strain.id,
        "TST 00001",
        TODAY,
    )
    assert line.reason == (
        "TST_00001 (16S rRNA) places TST 00001 in Bacillus: 100 % identity to Bacillus alba; "
        "its declared taxon is Escherichia coli. Correct the taxon, or review the sequence "
        "and say why the taxon stays."
    )
    assert line.said("zh").startswith("序列 TST_00001（16S rRNA）将 TST 00001 归入 Bacillus 属")
    assert sequence_checks.due(db, TODAY - timedelta(days=1)) == []
    sequence_id = check.sequence_id
    sequence_checks.review(db, sequence_id, Review("The sequenced tube was contaminated."))
    assert sequence_checks.due(db, TODAY) == []
    assert check.reviewed_at is not None and check.review_note.startswith("The sequenced")
    with pytest.raises(InvalidState, match="Reviewed already"):
        sequence_checks.review(db, sequence_id, Review("again"))


def test_a_corrected_taxon_ends_the_warning(db, collection, imported):
    strain = make_strain(db, accession_number="TST 00001", taxon_name="Escherichia coli")
    attach(db, f">TST_00001 16S ribosomal RNA\n{imported[1].residues}\n")
    assert len(sequence_checks.due(db, TODAY)) == 1
    strain.taxon_name = "Bacillus alba"
    db.flush()
    assert sequence_checks.due(db, TODAY) == []
    ((sequence, check),) = sequence_checks.material_checks(db, strain.id)
    assert sequence_checks.warning(check, sequence, strain) is None
    with pytest.raises(InvalidState, match="nothing to review"):
        sequence_checks.review(db, sequence.id, Review("kept"))


def test_an_agreeing_sequence_is_checked_without_a_warning(db, collection, imported):
    make_strain(db, accession_number="TST 00001", taxon_name="Pseudomonas cerea")
    make_strain(db, accession_number="TST 00002", taxon_name="Bacillus alba")
    pseudomonas = next(r for r in imported if r.taxon == "Pseudomonas cerea")
    attach(
        db,
        f">TST_00001 16S ribosomal RNA\n{pseudomonas.residues}\n"
        f">TST_00002 COI gene\n{imported[0].residues}\n"  # a marker without thresholds
        ">TST_00002b [strain=TST 00002] 16S ribosomal RNA\nACGTACGTACGT\n",  # too short
    )
    (check,) = db.scalars(select(SequenceCheck)).all()
    assert (check.verdict, check.other_genus, check.hit_taxon) == (
        IdentityVerdict.SPECIES,
        None,
        "Pseudomonas cerea",
    )
    assert sequence_checks.due(db, TODAY) == []
    with pytest.raises(InvalidState, match="nothing to review"):
        sequence_checks.review(db, check.sequence_id, Review("kept"))


def test_a_strains_own_sequences_are_left_out_of_its_check(db, collection, imported):
    make_strain(db, accession_number="TST 00001", taxon_name="Escherichia coli")
    bacillus = imported[1].residues
    attach(db, f">TST_00001 16S ribosomal RNA\n{bacillus}\n")
    attach(db, f">TST_00001.2 [strain=TST 00001] 16S ribosomal RNA\n{bacillus}\n")
    second = db.scalars(select(SequenceCheck).order_by(SequenceCheck.id)).all()[1]
    assert second.hit_source == SET  # not its own first sequence, at 100 % too


def test_thresholds_are_set_per_marker_and_judge_what_follows(db, imported):
    assert identification.thresholds(db)["ITS"] == DEFAULT_THRESHOLDS[1]
    query = synthetic.mutated(random.Random(1), imported[0].residues, 0.02)
    (before,) = identify(db, residues=query, marker="16S")
    assert before.verdict == IdentityVerdict.GENUS
    made = identification.set_thresholds(
        db, ThresholdsIn().load_or_fail({"marker": "16S", "species": 97, "genus": 94.5})
    )
    assert (made.marker, made.species, made.min_coverage) == ("16S rRNA", 97.0, 80.0)
    (after,) = identify(db, residues=query, marker="16S")
    assert after.verdict == IdentityVerdict.SPECIES
    identification.set_thresholds(
        db, ThresholdsIn().load_or_fail({"marker": "rpoB", "species": 99, "genus": 95})
    )
    assert set(identification.thresholds(db)) == {"16S rRNA", "ITS", "rpoB"}
    (unjudged,) = identify(db, residues=query, marker="COI")
    assert unjudged.verdict == IdentityVerdict.NO_HIT  # no COI references at all
    with pytest.raises(ValidationFailed) as refused:
        ThresholdsIn().load_or_fail({"marker": "ITS", "species": 94, "genus": 95})
    assert refused.value.errors == {
        "genus": ["The genus threshold is at most the species threshold."]
    }


def test_a_query_of_a_marker_without_thresholds_gets_no_verdict(db, imported):
    text = synthetic.fasta(imported[:2]).replace("]", "] [marker=rpoB]")
    reference_sets.import_reference_set(
        db, io.StringIO(text), ReferenceSetIn().load_or_fail({"name": "rpoB set"})
    )
    (found,) = identify(db, residues=imported[0].residues, marker="rpoB")
    assert found.best.marker == "rpoB" and found.searched == 2
    assert found.verdict == IdentityVerdict.NO_THRESHOLDS and found.thresholds is None


def test_a_query_shares_its_search_with_queries_of_its_marker(db, imported):
    query = Query("q", imported[0].residues, "16S rRNA")
    searcher = identification.Searcher(db, STAFF, marker="16S rRNA")
    known = identification.thresholds(db)
    once = searcher.search(query, known, hits=2, candidates_aligned=4)
    again = searcher.search(query, known, hits=2, candidates_aligned=4)
    assert once == again and once.best.accession == imported[0].accession
