"""Accessibility in a real browser (issue 14, items 18 and 19): axe-core over the main pages as the
roles that use them, in English and Chinese, desktop and tablet, with no serious or critical
violation; and a refused form puts the focus on the field in error, ties every field's message
to it, and names the fields in its summary as their labels do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browsers import PASSWORD, away_from_login

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "tablet": {"width": 768, "height": 1024}}
LANGUAGES = ["en", "zh"]
BLOCKING = {"serious", "critical"}
TECHNICIAN = "technician@biorepo.example"
CURATOR = "curator.microbes@biorepo.example"
REQUESTER = "requester@riverside.example"
ADMIN = "admin@biorepo.example"


class Visitor:
    """One user's tab (its own cookies) in a language and a viewport; pages are checked with
    axe-core, injected past the pages' CSP (script-src 'self') for this test only."""

    def __init__(self, browser: Any, server: str, language: str, viewport: str) -> None:
        self.server, self.where = server, f"{language}/{viewport}"
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport], locale="en-GB", bypass_csp=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.goto(f"{server}/lang/{language}?next=/login")
        self.found: list[str] = []

    def log_in(self, email: str) -> Visitor:
        self.page.goto(f"{self.server}/login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(away_from_login)
        return self

    def go(self, path: str) -> Any:
        self.page.goto(self.server + path)
        return self.page

    def href(self, selector: str) -> str:
        """The path of the first link matching `selector` on the page shown."""
        link = self.page.locator(selector).first
        return link.get_attribute("href")

    def check(self, name: str) -> None:
        """Run axe-core on the page shown; keep its serious and critical violations."""
        self.page.add_script_tag(content=AXE)
        result = self.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ') + ' | ' + n.failureSummary)})))"
        )
        for violation in result:
            if violation["impact"] in BLOCKING:
                nodes = "\n      ".join(violation["nodes"][:5])
                self.found.append(
                    f"{self.where} {name} ({self.page.url}): {violation['impact']} "
                    f"{violation['id']} — {violation['help']}, {len(violation['nodes'])} "
                    f"nodes:\n      {nodes}"
                )

    def close(self) -> None:
        self.context.close()


def technician_pages(v: Visitor) -> None:
    v.check("home")
    v.go("/storage")
    v.check("storage tree")
    box = v.href("ul.tree a:has(+ meter)")
    v.go(box)
    v.check("box grid")
    v.go(v.href("td.taken a.cell"))
    v.check("item")
    v.go("/scan?code=NOSUCHCODE")
    v.check("scan result (nothing found)")
    v.go("/storage/free")
    v.check("free space")


def curator_pages(v: Visitor) -> None:
    page = v.go("/bench/register")
    v.check("bench register")
    page.locator("#designation").fill("Accessible isolate")
    page.locator("[name='taxon_name']").fill("Pseudomonas putida")
    page.locator("#origin_country").fill("China")  # not a 3-letter code: refused
    page.locator("form.wide-form button[type=submit]").click()
    page.wait_for_load_state()
    v.check("bench register, refused")
    page = v.go("/bench/materials/1/lot")
    v.check("bench lot")
    page.locator("#method").select_option("glycerol_minus80")
    page.locator("#items").fill("2")
    page.locator("#quantity").fill("1")
    page.locator("#unit").select_option("ml")
    page.locator("#form").select_option("cryovial")
    page.locator("form.wide-form button[type=submit]").click()
    page.wait_for_url("**/place")
    v.check("bench place")
    page.locator("form.wide-form button[type=submit]").click()
    page.wait_for_url("**/labels?lot=*")
    v.check("labels")
    v.go("/requests")
    v.check("request desk")
    v.go(v.href("main table a[href*='/requests/']"))
    v.check("request (curator)")
    v.go("/imports")
    v.check("imports")


def requester_pages(v: Visitor) -> None:
    v.go("/catalogue")
    v.check("catalogue")
    v.go(v.href("main a[href*='/catalogue/']"))
    v.check("catalogue material")
    v.go("/requests")
    v.check("requests (lab)")
    v.go(v.href("main table a[href*='/requests/']"))
    v.check("request (lab)")


def admin_pages(v: Visitor) -> None:
    v.go("/dashboard")
    v.check("dashboard")


ROLES: list[tuple[str, Callable[[Visitor], None]]] = [
    (TECHNICIAN, technician_pages),
    (CURATOR, curator_pages),
    (REQUESTER, requester_pages),
    (ADMIN, admin_pages),
]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_serious_or_critical_axe_violations(server, browser, language, viewport):
    found: list[str] = []
    anonymous = Visitor(browser, server, language, viewport)
    try:
        anonymous.check("login")
        found += anonymous.found
    finally:
        anonymous.close()
    for email, visit in ROLES:
        visitor = Visitor(browser, server, language, viewport)
        try:
            visit(visitor.log_in(email))
            found += visitor.found
        finally:
            visitor.close()
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


@pytest.fixture
def curator(server, browser) -> Iterator[Visitor]:
    visitor = Visitor(browser, server, "en", "tablet").log_in(CURATOR)
    yield visitor
    visitor.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_a_refused_lot_form_starts_on_its_field_in_error_and_names_fields_by_label(curator):
    """Issue 14.18: the focus goes to the first field in error, not to the form's first field
    (autofocus); selects and textareas in error point to their message; the summary names
    the fields by their labels ("Number of items", not "items")."""
    page = curator.go("/bench/materials/1/lot")
    assert focused(page) == "method"
    page.locator("#method").select_option("glycerol_minus80")
    page.locator("#items").fill("0")
    page.locator("#quantity").fill("1")
    page.locator("#form").select_option("cryovial")
    page.locator("#unit").evaluate("s => { s.selectedIndex = -1; }")  # none chosen
    page.locator("#remarks").fill("x" * 5001)
    page.locator("form.wide-form").evaluate("f => { f.noValidate = true; }")  # the server decides
    page.locator("form.wide-form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").inner_text()
    assert "Nothing was changed" in summary
    assert "Number of items:" in summary and "Unit:" in summary and "Remarks:" in summary
    assert "items:" not in summary.replace("Number of items:", "")
    assert focused(page) == "items"
    assert page.locator("#method").get_attribute("autofocus") is None
    for name in ("items", "unit", "remarks"):  # an input, a select, a textarea
        field = page.locator(f"#{name}")
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby")
        assert described == f"{name}-error"
        assert page.locator(f"#{described}").inner_text().strip()


def test_a_refused_registration_starts_on_its_field_in_error(curator):
    page = curator.go("/bench/register")
    assert focused(page) == "collection"
    page.locator("#designation").fill("Focus isolate")
    page.locator("[name='taxon_name']").fill("Pseudomonas putida")
    page.locator("#origin_country").fill("China")
    page.locator("#strain-growth_temperature_c").fill("300000")
    page.locator("form.wide-form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").inner_text()
    assert "Country of origin (ISO 3166 alpha-3):" in summary
    assert "Growth temperature (°C):" in summary
    assert focused(page) == "origin_country"


# The focus ring against what it is drawn on: outside the element (a positive offset) its
# parent's background, inside (a negative offset) the element's own; WCAG 1.4.11 asks 3:1.
RING_CONTRAST = """el => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const style = getComputedStyle(el);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
  const ring = rgb(style.outlineColor);
  const inside = parseFloat(style.outlineOffset) < 0;
  const behind = background(inside ? el : el.parentElement);
  const [a, b] = [lum(ring), lum(behind)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_the_focus_ring_stands_out_on_the_page_the_header_and_the_grid(server, browser):
    """Issue 14.19: the ring was #f2b134, 1.6-1.9:1 against the page, white and the cells."""
    visitor = Visitor(browser, server, "en", "desktop").log_in(TECHNICIAN)
    try:
        page = visitor.go("/storage")
        page.goto(server + visitor.href("ul.tree a:has(+ meter)"))  # a box: its grid of cells
        page.locator("body").click(position={"x": 1, "y": 1})
        weak, cells = [], 0
        for _ in range(150):  # the header, the page's links and controls, then the grid
            page.keyboard.press("Tab")
            ratio = page.evaluate(f"() => ({RING_CONTRAST})(document.activeElement)")
            if ratio < 3:
                weak.append((page.evaluate("document.activeElement.outerHTML")[:80], ratio))
            cells += page.evaluate("document.activeElement.closest('.grid') !== null")
            if cells >= 5:
                break
        assert cells >= 5, "the grid's cells were not reached with Tab"
        assert not weak, weak
    finally:
        visitor.close()
