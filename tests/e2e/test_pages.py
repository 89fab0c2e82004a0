"""The pages in a real browser: headless Chromium (Debian's package, driven by Playwright)
against `biorepo serve` on the demo data. Screenshots of the key pages, desktop and tablet, go
to tests/e2e/screenshots/ for review."""

from __future__ import annotations

from tests.e2e.browsers import VIEWPORTS, log_in, shot


def a_box(page, server: str, nth: int = 0) -> str:
    """The barcode of a box from the storage tree (the first unless told)."""
    page.goto(f"{server}/storage")
    return page.locator("ul.tree a:has(+ meter)").nth(nth).get_attribute("href").rsplit("/", 1)[1]


def test_scan_an_item_with_the_keyboard(page, server):
    log_in(page, server, "technician@biorepo.example")
    shot(page, "home")
    box = a_box(page, server)
    shot(page, "storage-tree")
    page.get_by_role("searchbox", name="Scan or type a barcode").fill(box)
    page.keyboard.press("Enter")  # what a handheld scanner sends
    page.wait_for_url(f"**/storage/{box}")
    shot(page, "box-grid")
    vial = page.locator("td.taken a").first.get_attribute("href").rsplit("/", 1)[1]
    page.get_by_role("searchbox", name="Scan or type a barcode").click()
    page.keyboard.type(vial.lower(), delay=0)  # a scanner's burst (a person's Tab moves on)
    page.keyboard.press("Tab")  # some scanners end with Tab
    page.wait_for_url(f"**/items/{vial}")
    assert page.get_by_role("heading", name="Where").is_visible()
    assert page.locator("ol.path li").count() >= 4
    shot(page, "item")
    page.get_by_role("searchbox", name="Scan or type a barcode").fill("NOSUCHCODE")
    page.keyboard.press("Enter")
    assert "Nothing has the code NOSUCHCODE" in page.get_by_role("alert").inner_text()


def test_record_qc_and_keep_input_on_error(page, server):
    log_in(page, server, "technician@biorepo.example")
    box = a_box(page, server)
    page.goto(f"{server}/storage/{box}")
    vial = page.locator("td.taken a").first.get_attribute("href").rsplit("/", 1)[1]
    page.goto(f"{server}/items/{vial}")
    page.locator("#action-consume summary").click()
    page.locator("#use-quantity").fill("1000")
    page.locator("#use-note").fill("typed at the bench")
    page.locator("#action-consume button[type=submit]").click()
    assert "Nothing was changed" in page.get_by_role("alert").first.inner_text()
    assert page.locator("#use-note").input_value() == "typed at the bench"
    shot(page, "form-error", whole=False)
    page.locator("#action-qc summary").click()
    page.locator("#qc-test").select_option("post_thaw_viability")
    page.locator("#qc-outcome").select_option("pass")
    page.locator("#qc-value").fill("87")
    page.locator("#action-qc button[type=submit]").click()
    page.wait_for_url("**done=qc")
    assert page.locator("table").last.locator("tr", has_text="QC").count() >= 1


def test_move_a_box_to_another_rack(page, server):
    log_in(page, server, "technician@biorepo.example")
    box = a_box(page, server, 1)  # not the first box, which the other tests look at
    page.goto(f"{server}/storage/{box}")
    path = page.locator("ol.path a")
    rack = path.last.get_attribute("href")
    page.goto(server + path.nth(path.count() - 2).get_attribute("href"))  # the freezer
    racks = [
        a.get_attribute("href")
        for a in page.locator("ul.tiles a").all()
        if a.get_attribute("href") != rack
    ]
    target = racks[0].rsplit("/", 1)[1]
    page.goto(f"{server}/storage/{box}")
    page.locator("#action-move summary").click()
    page.get_by_label("Into (scan the new rack, shelf or freezer)").fill(target)
    page.locator("#action-move button[type=submit]").click()
    page.wait_for_url("**done=move")
    assert page.locator("ol.path a").last.get_attribute("href").endswith(target)
    shot(page, "box-moved")


def test_switch_language(page, server):
    log_in(page, server, "curator.microbes@biorepo.example")
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="退出").is_visible()
    page.goto(f"{server}/storage")
    assert page.get_by_role("heading", name="存储").is_visible()
    shot(page, "storage-zh")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Storage").is_visible()


def test_requesters_see_no_inventory(page, server):
    log_in(page, server, "requester@riverside.example")
    assert page.locator("nav a", has_text="Storage").count() == 0
    page.goto(f"{server}/storage")
    assert page.get_by_role("heading", name="Not allowed").is_visible()


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_register_a_lot_and_place_and_label_it(page, server):
    log_in(page, server, "curator.microbes@biorepo.example")
    page.get_by_role("navigation").get_by_role("link", name="Register").click()
    page.wait_for_url("**/bench/register")
    assert focused(page) == "collection"
    page.get_by_label("Kind").select_option("cell_line")
    assert page.get_by_label("Cellosaurus id (CVCL_…)").is_visible()
    assert not page.get_by_label("Isolation source").is_visible()
    page.get_by_label("Kind").select_option("strain")
    page.locator("#designation").fill(f"Bench isolate {page.viewport_name}")
    page.get_by_label("Taxon (scientific name)").fill("Pseudomonas putida")
    page.get_by_label("Country of origin").fill("China")
    page.get_by_label("Growth temperature (°C)").fill("30")
    page.get_by_label("Isolation source").fill("garden soil")
    page.get_by_label("Isolation source").press("Enter")
    assert "Nothing was changed" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Isolation source").input_value() == "garden soil"
    shot(page, "bench-register-error")
    page.get_by_label("Country of origin").fill("CHN")
    page.get_by_label("Country of origin").press("Enter")
    page.wait_for_url("**/lot")
    assert focused(page) == "method"
    page.keyboard.press("Tab")  # the date is today's already
    page.get_by_label("Preservation method").select_option("glycerol_minus80")
    page.get_by_label("Number of items").fill("4")
    page.get_by_label("Quantity per item").fill("1")
    page.locator("#unit").select_option("ml")
    page.locator("#form").select_option("cryovial")
    shot(page, "bench-lot")
    page.get_by_label("Quantity per item").press("Enter")
    page.wait_for_url("**/place")
    assert focused(page) == "container"
    assert page.locator(".positions .pos").count() == 4
    shot(page, "bench-place")
    page.keyboard.press("Enter")  # take the proposal
    page.wait_for_url("**/labels?lot=*")
    assert focused(page) == "printer"
    assert page.locator("img.label-preview").evaluate("i => i.naturalWidth") > 0
    page.get_by_label("Printer").select_option("Bench ZPL")
    page.get_by_role("button", name="Print the labels").click()
    page.wait_for_url("**queued=*")
    row = page.locator("table tr", has_text="4 labels").first
    assert "queued" in row.inner_text()
    shot(page, "labels")
    row.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**done=cancel")
    assert "cancelled" in page.locator("table tr", has_text="4 labels").first.inner_text()


def test_an_external_lab_requests_and_a_curator_approves_and_ships(page, server, browser):
    viewport = VIEWPORTS[page.viewport_name]
    desk_context = browser.new_context(viewport=viewport, locale="en-GB")
    desk = desk_context.new_page()
    desk.viewport_name = page.viewport_name
    try:
        log_in(page, server, "requester@riverside.example")
        page.get_by_role("navigation").get_by_role("link", name="Catalogue").click()
        page.locator("#q").fill("MG1655")
        page.locator("#q").press("Enter")
        assert "can be had" in page.locator("li.result").first.inner_text()
        shot(page, "catalogue")
        page.locator("li.result h2 a").first.click()
        page.get_by_label("Purpose").fill("Teaching lab, spring term")
        page.get_by_role("button", name="Add to the request").click()
        page.wait_for_url("**done=add")
        shot(page, "request-cart")
        request_url = page.url.split("?")[0]
        number = page.locator("h1 code").inner_text()
        page.locator("#action-details summary").click()
        page.get_by_label("Destination country").fill("GBR")
        page.get_by_label("Shipping address").fill("1 River Road, Riverside RV1 2AB")
        page.locator("#action-details button[type=submit]").click()
        page.wait_for_url("**done=details")
        page.locator("#action-submit button[type=submit]").click()
        page.wait_for_url("**done=submit")

        log_in(desk, server, "curator.microbes@biorepo.example")
        desk.get_by_role("navigation").get_by_role("link", name="Requests").click()
        desk.get_by_label("Status").select_option("submitted")
        desk.get_by_role("button", name="Filter").click()
        shot(desk, "desk")
        desk.get_by_role("link", name=number).click()
        desk.locator("#action-review button[type=submit]").click()
        desk.wait_for_url("**done=review")
        assert desk.get_by_text("Every check passes.").is_visible()
        assert desk.locator("input[name^=items-]").first.input_value()  # the proposal
        shot(desk, "request-decision")
        desk.locator("#action-decision button[type=submit]").click()
        desk.wait_for_url("**done=decision")

        page.goto(request_url)
        assert len(page.locator("code.hash").inner_text()) == 64
        page.get_by_label("Your full name").fill("Sam Taylor")
        shot(page, "agreement")
        page.locator("#action-agreement button[type=submit]").click()
        page.wait_for_url("**done=agreement")

        desk.goto(request_url)
        desk.locator("#action-preparation button[type=submit]").click()
        desk.wait_for_url("**done=preparation")
        assert desk.get_by_role("link", name="Packing list (PDF)").is_visible()
        desk.get_by_label("Packaging").fill("UN3373 triple packaging")
        # a condition is proposed from the reserved vials' preservation (the mapping itself:
        # tests/integration/test_shipping.py)
        assert desk.get_by_label("Conditions").input_value() in {
            "dry_ice",
            "dry_shipper",
            "ambient",
        }
        desk.get_by_label("Courier").fill("SF Express")
        desk.get_by_label("Tracking number").fill("SF1234567890")
        shot(desk, "shipment")
        desk.locator("#action-shipment button[type=submit]").click()
        desk.wait_for_url("**done=shipment")

        page.goto(request_url)
        page.locator("#action-delivery button[type=submit]").click()
        page.wait_for_url("**done=delivery")
        page.get_by_label("Rating").select_option("5")
        page.get_by_label("Comment").fill("Arrived frozen, thanks.")
        page.locator("#action-feedback button[type=submit]").click()
        page.wait_for_url("**done=feedback")
        steps = page.locator("ol.timeline li strong").all_inner_texts()
        assert steps[0] == "draft" and steps[-1] == "closed" and "shipped" in steps
        shot(page, "request-timeline")
    finally:
        desk_context.close()


def test_the_dashboard(page, server):
    log_in(page, server, "admin@biorepo.example")
    page.get_by_role("navigation").get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard")
    assert page.locator("#d-storage ~ div .bar").count() >= 1
    assert page.get_by_role("link", name="The full report (PDF)").is_visible()
    shot(page, "dashboard")
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("heading", name="概览").is_visible()
    shot(page, "dashboard-zh")


def free_positions(page, server: str, count: int) -> tuple[str, list[str]]:
    """A box of the storage tree with `count` free positions, and those as the grid names
    them (B3)."""
    page.goto(f"{server}/storage")
    links = page.locator("ul.tree a:has(+ meter)").all()
    boxes = [a.get_attribute("href").rsplit("/", 1)[1] for a in links]
    for box in boxes:
        page.goto(f"{server}/storage/{box}")
        cells = page.locator("td.free button.cell").all()[:count]
        if len(cells) == count:
            return box, [c.get_attribute("data-position") for c in cells]
    raise AssertionError("no box has room")


def test_a_curator_imports_vials_from_a_file(page, server, tmp_path):
    log_in(page, server, "curator.microbes@biorepo.example")
    box, (first, second) = free_positions(page, server, 2)
    tag = page.viewport_name[:3].upper()
    lines = [
        "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form,"
        "barcode,box,position"
    ]
    for n, (day, position) in enumerate((("2025-02-30", first), ("2025-02-01", "Z99")), 1):
        lines.append(
            f"IMP-{tag}-{n},Imported isolate {n},Pseudomonas putida,L1,glycerol_minus80,{day},1,"
            f"ml,cryovial,IMP{tag}V{n},{box},{position}"
        )
    bad = tmp_path / "vials.csv"
    bad.write_text("\n".join(lines) + "\n")
    page.get_by_role("navigation").get_by_role("link", name="Import").click()
    page.wait_for_url("**/imports")
    page.get_by_label("Collection").select_option("CCBR")
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Files").set_input_files(bad)
    page.get_by_role("button", name="Check (dry run)").click()
    report = page.locator("section.report")
    assert "nothing was imported" in report.inner_text()
    date = report.locator("tr", has_text="preserved_on").locator("td")
    assert date.nth(0).inner_text() == "vials.csv" and date.nth(1).inner_text() == "2"
    grid = report.locator("tr", has_text="Z99").locator("td")
    assert grid.nth(1).inner_text() == "3" and grid.nth(2).inner_text() == "position"
    assert page.get_by_role("button", name="Commit the import").count() == 0
    assert page.get_by_label("Collection").input_value() == "CCBR"  # the choices are kept
    shot(page, "import-report")
    fixed = tmp_path / "vials-fixed.csv"
    fixed.write_text(bad.read_text().replace("2025-02-30", "2025-02-03").replace("Z99", second))
    page.get_by_label("Files").set_input_files(fixed)
    page.get_by_role("button", name="Check (dry run)").click()
    assert "Dry run: no problems" in page.locator("section.report").inner_text()
    assert "2 rows: 2 materials, 2 lots, 2 items" in page.locator("section.report").inner_text()
    shot(page, "import-dry-run")
    page.get_by_role("button", name="Commit the import").click()
    page.wait_for_url("**/imports")
    assert "2 rows: 2 materials, 2 lots, 2 items" in page.locator("section.result").inner_text()
    shot(page, "import-result")
    page.get_by_role("searchbox", name="Scan or type a barcode").fill(f"imp{tag.lower()}v2")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/IMP{tag}V2")
    assert page.get_by_role("heading", name="Where").is_visible()
