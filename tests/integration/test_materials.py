"""Registering materials of every kind."""

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.errors import Conflict, NotFound, ValidationFailed
from repository.models import CellLine, Event, Material
from repository.vocabulary import EventType, MaterialKind
from tests.conftest import make_strain
from tests.factories import add_collection, add_donor, add_material


def test_accession_numbers_follow_the_collection_pattern(db):
    add_collection(
        db,
        {
            "code": "CC",
            "name": "C",
            "kind": "culture_collection",
            "accession_pattern": "{code}-{seq:04d}",
        },
    )
    first = make_strain(db, "CC")
    second = make_strain(db, "CC", designation="168", taxon_name="Bacillus subtilis")
    assert (first.accession_number, second.accession_number) == ("CC-0001", "CC-0002")
    event = db.scalar(select(Event).where(Event.material_id == first.id))
    assert event.type is EventType.ACCESSIONED


def test_every_kind_keeps_its_own_fields(db, collection):
    line = add_material(
        db,
        "TST",
        {
            "kind": "cell_line",
            "designation": "HeLa",
            "designation_zh": "海拉细胞",
            "taxon_name": "Homo sapiens",
            "taxon_id": 9606,
            "cellosaurus_id": "CVCL_0030",
            "identifiers": [{"scheme": "ATCC", "value": "CCL-2"}],
            "risk_group": 2,
            "str_profile": {"Amelogenin": "X", "TH01": "7"},
        },
    )
    db.expire_all()
    found = db.get(Material, line.id)
    assert isinstance(found, CellLine)
    assert found.kind is MaterialKind.CELL_LINE
    assert found.str_profile == {"Amelogenin": "X", "TH01": "7"}
    assert [(i.scheme, i.value) for i in found.identifiers] == [("ATCC", "CCL-2")]
    assert found.designation_zh == "海拉细胞"


def test_duplicate_accession_number_is_a_conflict_and_changes_nothing(factory):
    with unit_of_work(factory) as db:
        add_collection(db, {"code": "TST", "name": "T", "kind": "culture_collection"})
        make_strain(db, accession_number="TST 1")
    with pytest.raises(Conflict) as error, unit_of_work(factory) as db:
        make_strain(db, accession_number="TST 2")
        make_strain(db, accession_number="TST 1")
    assert error.value.field == "accession_number"
    with unit_of_work(factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(Material)) == 1


def test_unknown_collection_and_donor(db, collection):
    with pytest.raises(NotFound):
        make_strain(db, "NOPE")
    with pytest.raises(ValidationFailed) as error:
        add_material(
            db,
            "TST",
            {
                "kind": "specimen",
                "designation": "Plasma",
                "taxon_name": "Homo sapiens",
                "specimen_type": "plasma",
                "donor": "D9",
            },
        )
    assert "donor" in error.value.errors


def test_specimen_with_donor_and_consent(db, collection):
    donor = add_donor(
        db,
        "TST",
        {
            "code": "D1",
            "sex": "female",
            "year_of_birth": 1970,
            "consents": [{"scope": ["research"], "signed_on": "2024-01-02"}],
        },
    )
    specimen = add_material(
        db,
        "TST",
        {
            "kind": "specimen",
            "designation": "Plasma",
            "taxon_name": "Homo sapiens",
            "specimen_type": "plasma",
            "donor": "D1",
            "sprec_code": "PL1-PED-A-B-N-A-D",
            "collected_at": "2024-01-02T09:30:00+08:00",
        },
    )
    assert specimen.donor_id == donor.id
    assert donor.consents[0].scope == ["research"]
