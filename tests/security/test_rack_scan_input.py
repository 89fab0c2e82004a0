"""Hostile and mistaken rack files: positions outside the rack, a tube read twice, a rack code
that is not the box (or no box), a huge file, binary junk, codes a spreadsheet would run. Each
is a 422 naming the line (or the file), and nothing is written, even when applying."""

from __future__ import annotations

import pytest

from repository.exchange import limits
from tests.clients import call, send


def applied(world, content: bytes):
    app, tokens, ids = world
    form = {"file": (content, "rack.csv")}
    path = f"/api/v1/storage/{ids['box']}/rack-scan?apply=true"
    return send(app, "POST", path, tokens["technician"], form)


def grid(world):
    app, tokens, ids = world
    return call(app, "GET", f"/api/v1/storage/{ids['box']}/grid", tokens["technician"]).json


BAD_LINES = [
    ("{box},A01,{v0}\n{box},J01,{v1}\n", 2, "Outside the 9x9 rack (A1 to I9)."),
    ("{box},A01,{v0}\n{box},A10,{v1}\n", 2, "Outside the 9x9 rack (A1 to I9)."),
    ("{box},A01,{v0}\n{box},A02,{v0}\n", 2, "Tube read twice (line 1)."),
    ("{box},A01,{v0}\n{box},A1,{v1}\n", 2, "Position read twice (line 1)."),
    (
        'A01,{v0}\nA02,=HYPERLINK("http://x")\n',
        2,
        "A code does not start like a spreadsheet formula.",
    ),
    ("A01,{v0}\nA02,@SUM(1)\n", 2, "A code does not start like a spreadsheet formula."),
    ("A01,{v0}\nA02,X\x07Y\n", 2, "Not a text file (control character U+0007)."),
]


@pytest.mark.parametrize(("lines", "line", "message"), BAD_LINES)
def test_a_bad_line_is_named_and_nothing_is_written(world, lines, line, message):
    _, _, ids = world
    before = grid(world)
    content = lines.format(box=ids["box"], v0=ids["vials"][0], v1=ids["vials"][1]).encode()
    response = applied(world, content)
    assert response.status_code == 422, response.json
    problems = response.json["errors"]["problems"]
    assert [(p["row"], p["message"]) for p in problems] == [(line, message)]
    assert grid(world) == before


def test_a_rack_code_that_is_not_the_box(world):
    _, _, ids = world
    before = grid(world)
    response = applied(world, f"{ids['rack']},A01,{ids['vials'][0]}\n".encode())
    assert response.status_code == 422
    (message,) = response.json["errors"]["rack"]
    assert message.startswith("Line 1: the file is of Spare") and "a rack, not a box" in message
    response = applied(world, f"{ids['vials'][1]},A01,{ids['vials'][0]}\n".encode())
    assert response.status_code == 422
    assert "is the barcode of an item" in response.json["errors"]["rack"][0]
    app, tokens, _ = world
    response = send(
        app,
        "POST",
        f"/api/v1/storage/{ids['rack']}/rack-scan",
        tokens["technician"],
        {"lines": "A01,X\n"},
    )
    assert response.status_code == 422 and "not a box" in response.json["errors"]["rack"][0]
    assert grid(world) == before


def test_a_huge_file_and_binary_junk(world):
    before = grid(world)
    huge = applied(world, b"A01,T\n" * (limits.RACK_FILE // 6 + 10))
    assert huge.status_code == 422
    most = f"A rack file has at most {limits.amount(limits.RACK_FILE)}"
    assert huge.json["errors"]["problems"][0]["message"].startswith(most)
    junk = applied(world, bytes(range(256)) * 8)
    assert junk.status_code == 422
    assert junk.json["errors"]["problems"][0]["message"].startswith("Not a text file")
    assert grid(world) == before


def test_applying_needs_the_version_of_a_verify(world):
    before = grid(world)
    empty = applied(world, b"")  # nothing read: every tube of the box would go missing
    assert empty.status_code == 422
    assert empty.json["errors"] == {"version": ["Give the version of the verify to apply."]}
    assert grid(world) == before
