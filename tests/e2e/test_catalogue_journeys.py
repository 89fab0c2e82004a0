"""The catalogue as an external lab uses it, in a real browser (desktop and tablet): search
and filter the demo's 200-odd materials a page at a time, open a material's page and ask for
it; the requester's home page and a vial's link tell them what they may do, in words."""

from __future__ import annotations

import re

from tests.e2e.browsers import log_in, shot


def test_search_filter_and_page_through_the_catalogue(page, server):
    page.goto(f"{server}/catalogue")
    assert page.locator("li.result").count() == 20  # one page, not all of them
    total = int(re.search(r"(\d+) materials found", page.get_by_role("status").inner_text())[1])
    assert total > 200
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height  # was 23,000 px
    shot(page, "catalogue-page-1")
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2")
    assert "Page 2 of" in page.get_by_role("status").inner_text()
    page.get_by_label("Kind").select_option("seed")
    page.get_by_label("Availability").select_option("true")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**kind=seed*")
    assert "page=" not in page.url  # a new search starts at its first page
    kinds = page.locator("li.result p.small").first.inner_text()
    assert "seed" in kinds and "can be had" in page.locator("li.result").first.inner_text()
    shot(page, "catalogue-filtered")
    page.locator("#q").fill("donor D0001")
    page.get_by_label("Kind").select_option("")
    page.get_by_label("Availability").select_option("")
    page.get_by_role("button", name="Search").click()
    assert "0 materials found" in page.get_by_role("status").inner_text()


def test_a_lab_opens_a_material_and_asks_for_it(page, server):
    log_in(page, server, "requester@riverside.example")
    home = page.locator("main").inner_text()
    assert "Scan a vial" not in home and "catalogue" in home
    page.get_by_role("navigation").get_by_role("link", name="Catalogue").click()
    wanted = {"desktop": "HeLa", "tablet": "143B"}[page.viewport_name]  # one cart per run
    page.locator("#q").fill(wanted)
    page.locator("#q").press("Enter")
    page.locator("li.result h2 a").first.click()
    page.wait_for_url(re.compile(r".*/catalogue/\d+$"))
    assert page.get_by_role("heading", name="Forms of supply").is_visible()
    assert page.get_by_role("heading", name="Terms").is_visible()
    text = page.locator("main").inner_text()
    assert "Freezer" not in text and "Rack" not in text  # no places for the public
    shot(page, "catalogue-material")
    page.get_by_label("Units").fill("0")
    page.get_by_role("button", name="Add to the request").click()
    assert page.locator("#quantity:invalid").count() == 1  # the browser's own check first
    page.get_by_label("Units").fill("1")
    page.get_by_label("Purpose").fill("Drug-response assay")
    page.get_by_role("button", name="Add to the request").click()
    page.wait_for_url("**done=add")
    assert "The lab must send the request." in page.locator("p.next-step").inner_text()


def test_a_requester_following_a_vial_link_is_told_in_words(page, server):
    log_in(page, server, "requester@riverside.example")
    page.goto(f"{server}/items/ANYVIAL")
    text = page.locator("main").inner_text()
    assert "inventory.read" not in text and "staff" in text
