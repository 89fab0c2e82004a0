"""Input validation: every field named, unknown ones refused, kinds dispatched."""

import pytest
from marshmallow import ValidationError

from repository.errors import ValidationFailed
from repository.models.storage import position_label
from repository.schemas.fields import Integer
from repository.schemas.inventory import LotSchema, StorageUnitSchema
from repository.schemas.materials import load_material
from repository.services.collections import check_pattern
from repository.vocabulary import MaterialKind


def test_unknown_kind_names_the_field():
    with pytest.raises(ValidationFailed) as error:
        load_material({"kind": "virus", "designation": "x", "taxon_name": "Xx"})
    assert "kind" in error.value.errors


def test_missing_and_bad_fields_are_all_reported():
    with pytest.raises(ValidationFailed) as error:
        load_material(
            {
                "kind": "seed",
                "risk_group": 7,
                "origin_country": "China",
                "latitude": 123,
                "acquisition_date": "2024",
            }
        )
    assert set(error.value.errors) >= {
        "designation",
        "taxon_name",
        "risk_group",
        "origin_country",
        "latitude",
        "acquisition_date",
    }


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationFailed) as error:
        load_material({"kind": "strain", "designation": "x", "taxon_name": "Xx", "colour": 1})
    assert "colour" in error.value.errors


def test_kind_specific_fields_belong_to_their_kind():
    with pytest.raises(ValidationFailed) as error:
        load_material(
            {
                "kind": "strain",
                "designation": "x",
                "taxon_name": "Xx",
                "cellosaurus_id": "CVCL_0030",
            }
        )
    assert "cellosaurus_id" in error.value.errors
    loaded = load_material(
        {
            "kind": "cell_line",
            "designation": "HeLa",
            "taxon_name": "Homo sapiens",
            "cellosaurus_id": "CVCL_0030",
            "str_profile": {"TH01": "7", "D5S818": "11,12"},
        }
    )
    assert loaded["kind"] is MaterialKind.CELL_LINE


def test_over_long_text_is_refused():
    with pytest.raises(ValidationFailed) as error:
        load_material({"kind": "strain", "designation": "x" * 201, "taxon_name": "Xx"})
    assert "designation" in error.value.errors


def test_lot_needs_positive_quantity_and_one_animal_per_item():
    with pytest.raises(ValidationFailed) as error:
        LotSchema().load_or_fail(
            {
                "method": "live",
                "preserved_on": "2025-01-01",
                "items": 2,
                "quantity": "0",
                "unit": "animal",
                "form": "animal",
                "animals": [{"sex": "male"}],
            }
        )
    assert set(error.value.errors) == {"quantity", "animals"}


def test_only_boxes_have_grids():
    with pytest.raises(ValidationFailed):
        StorageUnitSchema().load_or_fail({"kind": "box", "name": "B"})
    with pytest.raises(ValidationFailed):
        StorageUnitSchema().load_or_fail({"kind": "rack", "name": "R", "rows": 2, "cols": 2})


def test_accession_patterns():
    check_pattern("{code} {seq:05d}")
    check_pattern("BB{year}{seq:06d}")
    for bad in ("{code}", "{seq} {user}", "{seq:q}", "{0}{seq}"):
        with pytest.raises(ValidationFailed):
            check_pattern(bad)


def test_position_labels():
    assert position_label(1, 1) == "A1"
    assert position_label(9, 10) == "I10"
    assert position_label(None, None) == ""


def test_a_number_with_a_fraction_is_not_an_integer():
    """A count of 2.5 (or 2.6e-42) is refused, not truncated; 3.0 and "3" are 3."""
    field = Integer()
    for bad in (2.5, 2.589e-42, "2.5"):
        with pytest.raises(ValidationError):
            field.deserialize(bad)
    assert field.deserialize(3.0) == 3 and field.deserialize("3") == 3


def test_an_edit_reads_each_kind_s_own_fields_as_its_registration_does():
    from repository.schemas.materials import (
        KEYED,
        KIND_FIELDS,
        KIND_SCHEMAS,
        MaterialPatchSchema,
        foreign_fields,
    )

    edit = MaterialPatchSchema._declared_fields
    assert KEYED.isdisjoint(edit)
    for kind, names in KIND_FIELDS.items():
        declared = KIND_SCHEMAS[kind]._declared_fields
        for name in names:  # a name two kinds share (genotype) is declared alike
            assert (type(edit[name]), repr(edit[name].validators)) == (
                type(declared[name]),
                repr(declared[name].validators),
            ), name
            assert not edit[name].required
    assert edit["growth_medium"].allow_none and edit["collected_at"].allow_none
    for never_null in ("specimen_type", "type_strain", "storage_types", "designation"):
        assert not edit[never_null].allow_none, never_null
    with pytest.raises(ValidationError) as hot:
        MaterialPatchSchema().load({"growth_temperature_c": 500})
    assert "growth_temperature_c" in hot.value.messages
    changes = ["remarks", "genotype", "crop_name", "growth_medium"]
    assert foreign_fields(MaterialKind.ANIMAL_LINE, changes) == ["crop_name", "growth_medium"]
    assert foreign_fields(MaterialKind.STRAIN, changes) == ["crop_name"]
