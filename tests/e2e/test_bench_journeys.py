"""Journeys at the bench in a real browser (Debian's Chromium through Playwright), desktop and
tablet: a scan replaces what a scan field holds, a misread code says to scan again, the box grid
reads on a tablet (touch targets, text size, legend, tap for details), vials go from a tapped
cell to the next free positions, and the header box submits on Tab only at scanner speed.
Screenshots go to tests/e2e/screenshots/ for review."""

from __future__ import annotations

import pytest

from repository.barcodes import ALPHABET, is_valid
from tests.e2e.browsers import PASSWORD, away_from_login, shot

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}
SCANNER, PERSON = 0, 150  # ms between keys: a scanner's burst, a person typing


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, server):
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], locale="en-GB", has_touch=request.param == "tablet"
    )
    tab = context.new_page()
    tab.viewport_name = request.param
    tab.goto(f"{server}/login")
    tab.get_by_label("Email").fill("curator.microbes@biorepo.example")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(away_from_login)
    yield tab
    context.close()


def scan(page, field, code: str, delay: int = SCANNER) -> None:
    """Put the cursor in `field` where a person would (its start) and type `code` into it."""
    field.click()
    page.keyboard.press("Home")
    page.keyboard.type(code, delay=delay)


def boxes(page, server: str) -> list[str]:
    page.goto(f"{server}/storage")
    links = page.locator("ul.tree a:has(+ meter)").all()
    return [a.get_attribute("href").rsplit("/", 1)[1] for a in links]


def a_box_with_room(page, server: str, free: int, but: str = "") -> str:
    for box in boxes(page, server):
        page.goto(f"{server}/storage/{box}")
        room = page.locator("td.free button.cell").count() >= free
        if box != but and is_valid(box) and room:  # a code made here (not a pre-printed one)
            return box
    raise AssertionError(f"no box has {free} free positions")


def vials_of(page, server: str, box: str) -> list[str]:
    page.goto(f"{server}/storage/{box}")
    return page.locator("td.taken a.cell").evaluate_all(
        "cells => cells.map(c => c.dataset.barcode)"
    )


def misread(code: str) -> str:
    wrong = ALPHABET[(ALPHABET.index(code[2]) + 1) % len(ALPHABET)]
    return code[:2] + wrong + code[3:]


def a_lot_to_place(page, server: str) -> None:
    """A new lot of two vials of the first strain, at its place step."""
    page.goto(f"{server}/bench/materials/1/lot")
    page.get_by_label("Preservation method").select_option("glycerol_minus80")
    page.get_by_label("Number of items").fill("2")
    page.get_by_label("Quantity per item").fill("1")
    page.locator("#unit").select_option("ml")
    page.locator("#form").select_option("cryovial")
    page.get_by_label("Quantity per item").press("Enter")
    page.wait_for_url("**/place")


def test_a_scan_replaces_the_proposed_box_and_a_bad_scan(page, server):
    """Issue 14.1 and 14.2: the box field holds the proposal with the cursor at its start; a
    misread scan says to scan again, and the next scan replaces it."""
    a_lot_to_place(page, server)
    place, proposed = page.url, page.locator("#container").input_value()
    other = a_box_with_room(page, server, 2, but=proposed)
    before = page.locator("td.taken").count()
    page.goto(place)
    field = page.locator("#container")
    assert field.input_value() == proposed
    assert page.evaluate("document.activeElement.id") == "container"
    scan(page, field, misread(other))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    alert = page.get_by_role("alert").inner_text()
    assert "looks misread: its check character does not match. Scan it again." in alert
    shot(page, "bench-place-misread")
    field = page.locator("#container")
    assert field.input_value() == misread(other)  # kept, and marked
    scan(page, field, other)  # the cursor at the start of the bad value, as after a tap
    assert field.input_value() == other
    page.keyboard.press("Enter")
    page.wait_for_url("**/labels?lot=*")
    page.goto(f"{server}/storage/{other}")
    assert page.locator("td.taken").count() == before + 2


def test_a_misread_code_in_the_header_says_scan_again(page, server):
    vial = next(v for v in vials_of(page, server, boxes(page, server)[0]) if is_valid(v))
    scan(page, page.get_by_role("searchbox", name="Scan or type a barcode"), misread(vial))
    page.keyboard.press("Enter")
    page.wait_for_url("**/scan?code=*")
    assert "looks misread" in page.get_by_role("alert").inner_text()
    scan(
        page, page.get_by_role("searchbox", name="Scan or type a barcode"), vial
    )  # replaces, at once
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{vial}")


def test_the_box_grid_reads_on_a_tablet(page, server):
    """Issue 14.3: touch targets of 44x44 CSS px or more, text of 14 px or more, numbers whole,
    a legend for every colour, and a tap shows the vial's details (no hover needed)."""
    box = boxes(page, server)[0]
    page.goto(f"{server}/storage/{box}")
    shot(page, "box-grid-legend")
    legend = page.locator("ul.legend li").all_inner_texts()
    assert {"available", "reserved", "free"} <= {t.strip() for t in legend}
    sizes = page.locator(".grid .cell").evaluate_all(
        "cells => cells.map(c => { const r = c.getBoundingClientRect();"
        " return [r.width, r.height, parseFloat(getComputedStyle(c).fontSize)]; })"
    )
    assert sizes and min(w for w, _, _ in sizes) >= 44 and min(h for _, h, _ in sizes) >= 44
    assert min(f for _, _, f in sizes) >= 14
    broken = page.locator(".grid .cell .acc").evaluate_all(
        """cells => cells.filter(c => [...c.childNodes].some(n => {
             if (n.nodeType !== 3 || !/\\d{2}/.test(n.data)) return false;
             const range = document.createRange(); range.selectNodeContents(n);
             const m = n.data.match(/\\d+/); range.setStart(n, m.index);
             range.setEnd(n, m.index + m[0].length);
             return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
           })).map(c => c.textContent)"""
    )
    assert broken == []  # no accession number breaks inside its number
    grid = page.locator(".grid-wrap")
    assert grid.evaluate("g => g.scrollWidth <= g.clientWidth + 1")  # a 9x9 box fits the screen
    assert page.locator("tbody th").first.inner_text() == "A"
    vial = page.locator("td.taken a.cell").nth(3)
    code, position = vial.get_attribute("data-barcode"), vial.get_attribute("data-position")
    assert code in vial.inner_text()  # what tells vials apart is on the cell itself
    vial.tap() if page.viewport_name == "tablet" else vial.click()
    details = page.locator("#cell-details")
    assert details.is_visible()
    assert details.locator("[data-field=barcode]").inner_text() == code
    assert details.locator("[data-field=position]").inner_text() == position
    assert page.url.endswith(f"/storage/{box}")  # the tap showed details, it did not navigate
    shot(page, "box-grid-details")
    details.get_by_role("link", name="Open the item").click()
    page.wait_for_url(f"**/items/{code}")


def test_vials_go_from_a_tapped_cell_to_the_next_free_positions(page, server):
    """Issue 14.4: three vials scanned after tapping a free cell: the first there, the others
    in the next free positions (by the grid's names)."""
    box = a_box_with_room(page, server, 3)
    free = page.locator("td.free button.cell").evaluate_all(
        "cells => cells.map(c => c.dataset.position)"
    )
    source = next(b for b in boxes(page, server) if b != box)
    vials = vials_of(page, server, source)[-3:]
    page.goto(f"{server}/storage/{box}")
    cell = page.locator(f"td.free button.cell[data-position='{free[0]}']")
    cell.tap() if page.viewport_name == "tablet" else cell.click()
    assert page.locator("#place-position").input_value() == free[0]
    assert page.evaluate("document.activeElement.id") == "place-items"
    for vial in vials:
        page.keyboard.type(vial, delay=SCANNER)
        page.keyboard.press("Enter")  # a scanner's Enter: the next line
    assert page.locator("#place-items").input_value().split() == vials
    shot(page, "box-place-from-cell")
    page.locator("#action-place button[type=submit]").click()
    page.wait_for_url("**done=place")
    placed = {
        c.get_attribute("data-position"): c.get_attribute("data-barcode")
        for c in page.locator("td.taken a.cell").all()
    }
    assert [placed.get(p) for p in free[:3]] == vials


def test_tab_submits_the_header_scan_only_at_scanner_speed(page, server):
    """Issue 14.20: a person typing a code and tabbing away moves on; a scanner's Tab opens."""
    box = boxes(page, server)[0]
    page.goto(f"{server}/storage")
    field = page.get_by_role("searchbox", name="Scan or type a barcode")
    scan(page, field, box, delay=PERSON)
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    assert page.url.endswith("/storage") and field.input_value() == box
    assert page.evaluate("document.activeElement.textContent.trim()") == "Open"
    scan(page, field, box, delay=SCANNER)  # replaces what the person typed
    page.keyboard.press("Tab")
    page.wait_for_url(f"**/storage/{box}")
