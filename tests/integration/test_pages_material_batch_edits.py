"""The batch edit pages of materials: the search and changes chosen, the preview (counts,
fields before and after), the commit, the batch's page and its undo; a sheet; refusals that
keep what was typed; who may; both languages."""

from __future__ import annotations

import io
from html import unescape
from urllib.parse import urlencode

from tests.clients import csrf_of, logged_in
from tests.integration.test_material_batch_edits import fields_of, own_materials

PAGE = "/materials/batch-edit"


def test_a_preview_a_commit_and_an_undo(world):
    numbers = own_materials(world, "Mpaged", 2)
    client = logged_in(world.app, "curator")
    found = unescape(client.get("/catalogue?q=Mpaged").data.decode())
    assert 'href="/materials/batch-edit?q=Mpaged"' in found  # from the catalogue's search
    assert "Edit the materials of this search you curate together" in found
    technician = unescape(
        logged_in(world.app, "technician").get("/catalogue?q=Mpaged").data.decode()
    )
    assert "/materials/batch-edit" not in technician
    chosen = client.get(PAGE)
    assert chosen.status_code == 200 and "Edit materials together" in chosen.data.decode()
    query = {"q": "Mpaged", "changes.access_level": "internal", "changes.remarks": "Paged."}
    shown = client.get(f"{PAGE}?{urlencode(query)}")
    text = unescape(shown.data.decode())
    assert shown.status_code == 200, text[:2000]
    assert "2 materials matched: 2 updated, 0 unchanged, 0 refused." in text
    assert numbers[0] in text and "Commit the changes of 2 materials" in text
    assert fields_of(world, numbers, "access_level") == [("open",), ("open",)]

    made = client.post(PAGE, data={"csrf_token": csrf_of(client), **query})
    assert made.status_code == 303, made.data.decode()[:2000]
    page = unescape(client.get(made.location).data.decode())
    assert "2 updated" in page and "Undo this batch edit" in page and numbers[1] in page
    assert fields_of(world, numbers, "access_level", "remarks") == [("internal", "Paged.")] * 2

    undone = client.post(made.location + "/undo", data={"csrf_token": csrf_of(client)})
    assert undone.status_code == 303
    assert "Undone on" in unescape(client.get(made.location).data.decode())
    assert fields_of(world, numbers, "access_level", "remarks") == [("open", None)] * 2


def test_a_sheet_and_bad_changes(world):
    numbers = own_materials(world, "Mpagesheet", 1)
    client = logged_in(world.app, "curator")
    data = f"accession_number,risk_group\n{numbers[0]},2\nGHOST-9,2\n".encode()
    form = {"csrf_token": csrf_of(client), "action": "preview"}
    shown = client.post(f"{PAGE}/sheet", data={**form, "file": (io.BytesIO(data), "c.csv")})
    text = unescape(shown.data.decode())
    assert shown.status_code == 200, text[:2000]
    assert "No material GHOST-9 in the collections you curate." in text
    bad = client.post(
        f"{PAGE}/sheet",
        data={**form, "file": (io.BytesIO(b"accession_number,colour\nx,red\n"), "c.csv")},
    )
    assert bad.status_code == 422 and "Not a column of a sheet" in unescape(bad.data.decode())
    typed_in = {"q": "Mpagesheet", "changes.risk_group": "9", "changes.remarks": "kept remark"}
    typed = client.get(f"{PAGE}?{urlencode(typed_in)}")
    assert typed.status_code == 422
    assert 'value="kept remark"' in unescape(typed.data.decode())
    assert fields_of(world, numbers, "risk_group") == [(1,)]


def test_who_may_and_both_languages(world):
    own_materials(world, "Mworded", 1)
    query = urlencode({"q": "Mworded", "changes.remarks": "Worded."})
    technician = logged_in(world.app, "technician")
    assert technician.get(f"{PAGE}?{query}").status_code == 403
    client = logged_in(world.app, "curator")
    for language, words in (
        ("en", ("Edit materials together", "Commit the change of 1 material")),
        ("zh", ("批量编辑资源", "提交 1 份资源的修改")),
    ):
        client.set_cookie("lang", language)
        text = unescape(client.get(f"{PAGE}?{query}").data.decode())
        assert all(word in text for word in words), (language, words)
    client.set_cookie("lang", "en")


def test_a_kind_chosen_offers_its_own_fields(world):
    numbers = own_materials(world, "Mpagekind", 2)
    client = logged_in(world.app, "curator")
    plain_page = unescape(client.get(f"{PAGE}?q=Mpagekind").data.decode())
    assert 'name="changes.growth_medium"' not in plain_page
    assert "Choose a kind, then preview, to set that kind's own fields too." in plain_page
    chosen = unescape(client.get(f"{PAGE}?q=Mpagekind&kind=strain").data.decode())
    assert 'name="changes.growth_medium"' in chosen and "Growth temperature (°C)" in chosen
    assert 'name="changes.crop_name"' not in chosen
    query = {
        "q": "Mpagekind",
        "kind": "strain",
        "changes.growth_temperature_c": "42",
        "changes.type_strain": "true",
    }
    shown = unescape(client.get(f"{PAGE}?{urlencode(query)}").data.decode())
    assert "2 materials matched: 2 updated, 0 unchanged, 0 refused." in shown, shown[:3000]
    assert "Growth temperature (°C): 42.0" in shown
    made = client.post(PAGE, data={"csrf_token": csrf_of(client), **query})
    assert made.status_code == 303, made.data.decode()[:2000]
    assert "Type strain: True" in unescape(client.get(made.location).data.decode())
    assert fields_of(world, numbers, "growth_temperature_c", "type_strain") == [(42.0, True)] * 2
