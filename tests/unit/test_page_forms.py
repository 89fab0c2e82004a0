"""Reading a page's query or form: the parameters a schema knows (several values where it takes a
list), back to a query string; a field's nested messages said on the field."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from api.web.forms import given, pairs
from api.web.pages import on_field
from repository.schemas.material_batch_edits import MaterialFilters, MaterialSearchIn
from repository.schemas.search import ItemSearchQuery
from repository.vocabulary import MaterialKind


def test_a_list_field_takes_every_value_and_the_others_the_first() -> None:
    kinds = [("kind", "strain"), ("kind", " seed "), ("kind", "")]
    source = MultiDict([*kinds, ("q", " E. coli "), ("q", "x"), ("status", ""), ("other", "y")])
    assert given(source, ItemSearchQuery._declared_fields) == {
        "kind": ["strain", "seed"],
        "q": "E. coli",
    }


def test_a_single_kind_of_a_material_search_is_one_value_its_schema_loads() -> None:
    found = given(MultiDict([("kind", "strain"), ("q", "Mx")]), MaterialFilters._declared_fields)
    assert found == {"kind": "strain", "q": "Mx"}
    assert MaterialSearchIn().load(found).kind is MaterialKind.STRAIN


def test_pairs_repeat_a_several_valued_parameter() -> None:
    assert pairs({"kind": ["strain", "seed"], "q": "x"}) == [
        ("kind", "strain"),
        ("kind", "seed"),
        ("q", "x"),
    ]


def test_nested_messages_are_said_on_their_field_after_where_they_are() -> None:
    errors = {"profile": {"line 2": ["Bad allele.", "Twice."], "": ["Too many."]}, "lab": ["x"]}
    assert on_field(errors, "profile") == {
        "profile": ["line 2: Bad allele.", "line 2: Twice.", "Too many."],
        "lab": ["x"],
    }
    flat = {"profile": ["Empty."]}
    assert on_field(flat, "profile") == flat
