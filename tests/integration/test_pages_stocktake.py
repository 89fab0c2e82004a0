"""The stocktaking page of a rack or a freezer (codes scanned, compared, applied), and a rack
file's unknown tubes registered from the box's rack scan page."""

from __future__ import annotations

import re
from html import unescape

from tests.clients import call
from tests.integration.test_stocktake_api import a_freezer


def page(world, method: str, path: str, data: dict | None = None, role: str = "technician"):
    app, tokens, _ = world
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    return app.test_client().open(path, method=method, data=data, headers=headers)


def test_count_a_freezer_then_apply_it(world):
    app, tokens, _ = world
    freezer, first, second, v = a_freezer(world)
    assert b"Stocktaking: scan everything" in page(world, "GET", f"/storage/{freezer}").data
    path = f"/storage/{freezer}/stocktake"
    assert page(world, "GET", path).status_code == 200
    codes = f"{first}\n{v[0]}\n{v[2]}\n{second}\n{v[1]}\n"
    shown = page(world, "POST", path, {"codes": codes})
    text = unescape(shown.get_data(as_text=True))
    assert shown.status_code == 200, text
    assert "Moved within what was counted: 1" in text and "In place: 2" in text
    assert "4 containers counted" in text
    version = re.search(r'name="version" value="([0-9a-f]+)"', text).group(1)
    kept = re.search(r'<textarea name="codes" hidden>(.*?)</textarea>', text, re.S).group(1)
    form = {"apply": "true", "version": version, "codes": kept}
    assert page(world, "POST", path, form, "requester").status_code == 403
    done = page(world, "POST", path, {**form, "note": "Count"})
    assert done.status_code == 303, done.data
    grid = call(app, "GET", f"/api/v1/storage/{second}/grid", tokens["technician"]).json["rows"]
    assert grid[0][0]["barcode"] == v[1]
    assert b"Last counted" in page(world, "GET", path).data


def test_a_bad_count_is_refused_on_the_page(world):
    freezer, _, _, _ = a_freezer(world)
    path = f"/storage/{freezer}/stocktake"
    empty = page(world, "POST", path, {"codes": "  "})
    assert empty.status_code == 422 and b"Give the codes read" in empty.data
    bad = page(world, "POST", path, {"codes": "=HYPERLINK(1)\n"})
    assert bad.status_code == 422 and b"spreadsheet formula" in bad.data


def test_register_a_racks_unknown_tubes_from_its_page(world):
    app, tokens, ids = world
    _, first, _, v = a_freezer(world)
    lines = f"{first},A01,{v[0]}\n{first},E01,7300000001\n"
    shown = page(world, "POST", f"/storage/{first}/rack-scan", {"lines": lines})
    text = unescape(shown.get_data(as_text=True))
    assert "Register the unknown tubes" in text
    form = {
        "lines": lines,
        "material_id": str(ids["open"]),
        "method": "glycerol_minus80",
        "preserved_on": "2026-01-05",
        "unit": "ml",
        "form": "cryovial",
    }
    path = f"/storage/{first}/rack-register"
    refused = page(world, "POST", path, form)  # no quantity
    assert refused.status_code == 422 and b"Register the unknown tubes" in refused.data
    assert page(world, "POST", path, {**form, "quantity": "1"}, "requester").status_code == 403
    done = page(world, "POST", path, {**form, "quantity": "1"})
    assert done.status_code == 303, done.data
    scanned = call(app, "GET", "/api/v1/items/7300000001", tokens["technician"]).json
    assert scanned["position"] == "E1"


def test_the_stocktaking_page_in_chinese(world):
    app, tokens, _ = world
    freezer, first, second, v = a_freezer(world)
    client = app.test_client()
    client.set_cookie("lang", "zh")
    headers = {"Authorization": f"Bearer {tokens['technician']}"}
    path = f"/storage/{freezer}/stocktake"
    shown = client.get(path, headers=headers).get_data(as_text=True)
    assert "Counted 的盘点" in shown and "扫描的编码，每行一个" in shown
    codes = f"{first}\n{v[0]}\n{second}\n{v[1]}\n"
    compared = client.post(path, data={"codes": codes}, headers=headers).get_data(as_text=True)
    assert "在盘点范围内移位: 1" in compared and "已盘点 4 个容器" in compared


def test_attach_a_tube_code_on_the_item_page(world):
    _, _, _, v = a_freezer(world)
    path = f"/items/{v[0]}/tube-code"
    assert b"Attach a tube code" in page(world, "GET", f"/items/{v[0]}").data
    taken = page(world, "POST", path, {"code": v[1]})
    assert taken.status_code == 409 and b"already in use" in taken.data
    done = page(world, "POST", path, {"code": "7700000001", "note": "etched"})
    assert done.status_code == 303, done.data
    shown = unescape(page(world, "GET", "/items/7700000001").get_data(as_text=True))
    assert v[0] in shown and "Tube code 7700000001 attached." in shown
    assert "Remove the tube code" in shown and "Attach a tube code" not in shown
    removed = page(world, "POST", f"/items/{v[0]}/remove-tube-code", {"note": "wrong tube"})
    assert removed.status_code == 303, removed.data
    after = unescape(page(world, "GET", f"/items/{v[0]}").get_data(as_text=True))
    assert "Tube code 7700000001 removed." in after and "Attach a tube code" in after
