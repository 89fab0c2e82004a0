"""The batch edit pages: reached from the item search, the changes chosen, the preview (counts,
refusals first, pages), the commit, the batch's page and its undo, refusals that keep what was
typed, both languages."""

from __future__ import annotations

import io
from html import unescape
from urllib.parse import urlencode

from tests.clients import csrf_of, logged_in
from tests.integration.test_batch_edits import own_lot, post, state


def test_from_the_search_to_a_preview_a_commit_and_an_undo(world):
    lot = own_lot(world, "Paged batch", 3)
    post(world, f"/api/v1/items/{lot.vials[2]}/destroy", {"reason": "cracked"})
    before = state(world, lot.vials)
    client = logged_in(world.app, "technician")
    search = client.get(f"/items?material={lot.accession.replace(' ', '+')}")
    link = f'href="/items/batch-edit?material={lot.accession.replace(" ", "+")}"'
    assert link in search.data.decode() and "Edit these 3 items together" in search.data.decode()

    chosen = client.get("/items/batch-edit?" + urlencode({"material": lot.accession}))
    assert chosen.status_code == 200 and "Preview" in chosen.data.decode()
    query = {"material": lot.accession, "changes.status": "missing", "changes.note": "lost"}
    shown = client.get("/items/batch-edit?" + urlencode(query))
    text = unescape(shown.data.decode())
    assert shown.status_code == 200
    assert "3 items matched: 2 updated, 0 unchanged, 1 refused." in text
    assert text.index(lot.vials[2]) < min(text.index(lot.vials[0]), text.index(lot.vials[1]))
    assert f"Item {lot.vials[2]} is destroyed." in text
    assert "Commit the changes of 2 items" in text
    assert state(world, lot.vials) == before

    form = {"csrf_token": csrf_of(client), **query}
    refused = client.post("/items/batch-edit", data=form)
    assert refused.status_code == 422
    assert "nothing was written" in unescape(refused.data.decode()) or lot.vials[2] in unescape(
        refused.data.decode()
    )
    assert state(world, lot.vials) == before
    made = client.post("/items/batch-edit", data={**form, "skip_refused": "on"})
    assert made.status_code == 303, made.data.decode()[:2000]
    page = client.get(made.location)
    text = unescape(page.data.decode())
    assert "2 updated" in text and "Undo this batch edit" in text
    assert [s[0] for s in state(world, lot.vials)] == ["missing", "missing", "destroyed"]

    undo = made.location + "/undo"
    undone = client.post(undo, data={"csrf_token": csrf_of(client)})
    assert undone.status_code == 303
    assert "Undone on" in unescape(client.get(made.location).data.decode())
    assert state(world, lot.vials) == before
    again = client.post(undo, data={"csrf_token": csrf_of(client)})
    assert again.status_code == 409 and "undone already" in unescape(again.data.decode())


def test_bad_changes_keep_what_was_typed(world):
    lot = own_lot(world, "Typed batch", 1)
    client = logged_in(world.app, "technician")
    query = {"material": lot.accession, "changes.quantity": "-3", "changes.note": "kept note"}
    response = client.get("/items/batch-edit?" + urlencode(query))
    text = unescape(response.data.decode())
    assert response.status_code == 422
    assert "Between 0 and 1000000000000." in text and 'value="kept note"' in text


def test_both_languages_and_who_may(world):
    lot = own_lot(world, "Worded batch", 1)
    client = logged_in(world.app, "technician")
    query = urlencode({"material": lot.accession, "changes.status": "missing"})
    for language, words in (
        ("en", ("Edit items together", "Commit the change of 1 item", "Status after")),
        ("zh", ("批量编辑物品", "提交 1 件物品的修改", "修改后状态")),
    ):
        client.set_cookie("lang", language)
        text = unescape(client.get(f"/items/batch-edit?{query}").data.decode())
        assert all(word in text for word in words), (language, words)
    client.set_cookie("lang", "en")
    requester = logged_in(world.app, "requester")
    assert requester.get(f"/items/batch-edit?{query}").status_code == 403
    form = {
        "csrf_token": csrf_of(requester),
        "material": lot.accession,
        "changes.status": "missing",
    }
    assert requester.post("/items/batch-edit", data=form).status_code == 403
    assert logged_in(world.app, None).get("/items/batch-edit").status_code == 302


def test_a_sheet_of_changes_on_the_page(world):
    lot = own_lot(world, "Sheet page", 2)
    before = state(world, lot.vials)
    client = logged_in(world.app, "technician")
    content = f"barcode,quantity\n{lot.vials[0]},0.5\n{lot.vials[1]},3\n".encode()

    def upload(data: bytes, **form):
        sent = {"csrf_token": csrf_of(client), "file": (io.BytesIO(data), "c.csv"), **form}
        return client.post("/items/batch-edit/sheet", data=sent, content_type="multipart/form-data")

    shown = upload(content, action="preview")
    text = unescape(shown.data.decode())
    assert shown.status_code == 200
    assert "2 items matched: 1 updated, 0 unchanged, 1 refused." in text
    assert "Between 0 and 1.000000 ml can be used." in text
    bad = upload(b"barcode,colour\nX,red\n", action="preview")
    assert bad.status_code == 422 and "Not a column of a sheet" in unescape(bad.data.decode())
    stopped = upload(content, action="commit")
    assert stopped.status_code == 422 and state(world, lot.vials) == before
    made = upload(content, action="commit", skip_refused="on")
    assert made.status_code == 303
    assert "from a sheet" in client.get(made.location).data.decode()
    assert [s[1] for s in state(world, lot.vials)] == ["0.5", "1"]
