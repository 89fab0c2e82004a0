"""The rack scan page of a box: a file compared, then applied; a bad file's problems by line."""

from __future__ import annotations

import io
import re
from html import unescape

from tests.clients import call


def page(world, method: str, path: str, data: dict | None = None, role: str = "technician"):
    app, tokens, _ = world
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    return app.test_client().open(path, method=method, data=data, headers=headers)


def test_compare_a_rack_file_then_apply_it(world):
    app, tokens, ids = world
    box = ids["box"]
    path = f"/storage/{box}/rack-scan"
    assert b"Rack scan: compare" in page(world, "GET", f"/storage/{box}").data
    grid = call(app, "GET", f"/api/v1/storage/{box}/grid", tokens["technician"]).json["rows"]
    held = [cell["barcode"] for row in grid for cell in row if cell]
    assert page(world, "GET", path).status_code == 200
    # the box's first two vials read swapped, the others not at all
    content = f"{box},A01,{held[1]}\n{box},A02,{held[0]}\n".encode()
    shown = page(world, "POST", path, {"file": (io.BytesIO(content), "rack.csv")})
    assert shown.status_code == 200
    text = unescape(shown.get_data(as_text=True))
    assert "Moved within the box: 2" in text and f"Expected but not read: {len(held) - 2}" in text
    version = re.search(r'name="version" value="([0-9a-f]+)"', text).group(1)
    lines = re.search(r'<textarea name="lines" hidden>(.*?)</textarea>', text, re.S).group(1)
    refused = page(
        world, "POST", path, {"apply": "true", "version": version, "lines": lines}, "requester"
    )
    assert refused.status_code == 403
    done = page(
        world, "POST", path, {"apply": "true", "version": version, "lines": lines, "note": "Count"}
    )
    assert done.status_code == 303, done.data
    after = call(app, "GET", f"/api/v1/storage/{box}/grid", tokens["technician"]).json["rows"]
    assert [c and c["barcode"] for c in after[0][:2]] == [held[1], held[0]]
    assert sum(1 for row in after for c in row if c) == 2
    assert b"Last counted" in page(world, "GET", f"/storage/{box}").data


def test_a_bad_file_lists_its_problems_and_changes_nothing(world):
    _, _, ids = world
    content = b"A01,T1\nZ99,T2\nA02,T1\n"
    shown = page(
        world, "POST", f"/storage/{ids['box']}/rack-scan", {"file": (io.BytesIO(content), "r.csv")}
    )
    assert shown.status_code == 422
    text = unescape(shown.get_data(as_text=True))
    assert "Outside the 9x9 rack (A1 to I9)." in text and "Tube read twice (line 1)." in text


def test_a_rack_is_not_a_box(world):
    _, _, ids = world
    response = page(world, "GET", f"/storage/{ids['rack']}/rack-scan")
    assert response.status_code == 422 and b"not a box" in response.data
