"""Journeys with living collections in a real browser, desktop and tablet: a cell line's
passage beyond its limit refused and then given with a reason, and a seed lot's germination
test that makes its regeneration due, then the regeneration; a litter weaned into two cages
and their cage cards printed; a mating set up on its line's page, then a weight of the dam
that raises the humane-endpoint alert. Each journey registers its own material over the API, so
no other test sees it change."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import partial
from typing import Any

import pymupdf
import pytest
import requests

from tests.e2e.browsers import PASSWORD, log_in, shot
from tests.e2e.test_accessibility import ADMIN, LANGUAGES, Visitor

CELL_LINE = {
    "collection": "CBBR",
    "kind": "cell_line",
    "designation": "Journey line",
    "taxon_name": "Homo sapiens",
    "max_passage": 8,
}
VIALS = {
    "method": "ln2_vapour",
    "preserved_on": "2025-03-01",
    "items": 2,
    "quantity": "1000000",
    "unit": "cells",
    "form": "cryovial",
    "passage_number": 8,
}
SEED = {
    "collection": "CHN901",
    "kind": "seed",
    "designation": "Journey rice",
    "taxon_name": "Oryza sativa",
    "crop_name": "Rice",
}
PACKETS = {
    "method": "dried_seed_minus18",
    "preserved_on": "2010-03-01",
    "items": 2,
    "quantity": "500",
    "unit": "seeds",
    "form": "seed_packet",
}


def curator_api(server: str, email: str) -> requests.Session:
    """An API session of a demo curator (cookie and CSRF header from the login)."""
    client = requests.Session()
    answer = client.post(
        f"{server}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def a_new_lot(server: str, email: str, material: dict[str, Any], lot: dict[str, Any]) -> str:
    """The first item of a new lot of a new material, made over the API."""
    with curator_api(server, email) as client:
        made = client.post(f"{server}/api/v1/materials", json=material, timeout=10)
        assert made.status_code == 201, made.text
        body = {**lot, "material_id": made.json()["id"]}
        preserved = client.post(f"{server}/api/v1/lots", json=body, timeout=10)
        assert preserved.status_code == 201, preserved.text
        return preserved.json()["items"][0]["barcode"]


def fill(page: Any, values: dict[str, str]) -> None:
    for selector, value in values.items():
        field = page.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def test_a_passage_beyond_the_limit_is_refused_then_given_a_reason(page, server):
    vial = a_new_lot(server, "curator.cells@biorepo.example", CELL_LINE, VIALS)
    log_in(page, server, "curator.cells@biorepo.example")
    page.goto(f"{server}/items/{vial}")
    page.locator("#action-passage summary").click()
    fill(
        page,
        {
            "#pas-items": "1",
            "#pas-quantity": "1000000",
            "#pas-unit": "cells",
            "#pas-form": "cryovial",
        },
    )
    page.locator("#action-passage button[type=submit]").click()
    errors = page.locator("#action-passage .errors")
    assert "max_passage 8" in errors.inner_text()
    assert page.locator("#pas-override_reason").get_attribute("aria-invalid") == "true"
    assert page.locator("#pas-items").input_value() == "1"  # the form is kept
    shot(page, "living-passage-refused")
    page.locator("#pas-override_reason").fill("Last vials for the STR re-test.")
    page.locator("#action-passage button[type=submit]").click()
    page.wait_for_url("**done=passage")
    made = page.get_by_role("region", name="Passage").get_by_role("listitem")
    assert "Passage 9" in made.inner_text()
    shot(page, "living-passage-done")


def test_a_germination_test_makes_regeneration_due_then_regenerate(page, server):
    packet = a_new_lot(server, "curator.seeds@biorepo.example", SEED, PACKETS)
    log_in(page, server, "curator.seeds@biorepo.example")
    page.goto(f"{server}/items/{packet}")
    region = page.get_by_role("region", name="Germination tests")
    assert "No germination tests yet." in region.inner_text()
    for day, normal in (("2010-04-01", 92), ("2020-04-01", 61)):
        page.locator("#action-germination summary").click()
        page.locator("#ger-tested_on").fill(day)
        for n in range(4):
            page.get_by_label(f"Replicate {n + 1}: Seeds").fill("100")
            page.get_by_label(f"Replicate {n + 1}: Normal").fill(str(normal))
            page.get_by_label(f"Replicate {n + 1}: Dead").fill(str(100 - normal))
        page.locator("#action-germination button[type=submit]").click()
        page.wait_for_url("**done=germination")
    rows = region.locator("table").first.locator("tbody tr")
    assert rows.count() == 2
    assert "Initial" in rows.nth(0).inner_text() and "61" in rows.nth(1).inner_text()
    assert "Regeneration is due:" in region.inner_text()
    assert "viability_drop" in region.inner_text()
    shot(page, "living-regeneration-due")
    fill(
        page,
        {
            "#reg-site": "Field 3",
            "#reg-plants": "60",
            "#reg-isolation": "bagging",
            "#reg-harvested_on": "2021-10-01",
            "#reg-seeds_harvested": "5000",
            "#reg-items": "2",
            "#reg-quantity": "1000",
            "#reg-unit": "seeds",
        },
    )
    page.locator("#action-regenerate button[type=submit]").click()
    page.wait_for_url("**done=regenerate")
    assert "Regeneration is due:" not in region.inner_text()
    assert "Regeneration cycle 1" in region.inner_text()
    shot(page, "living-regenerated")


def created(
    client: requests.Session, server: str, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """What a POST to the API made (201)."""
    answer = client.post(f"{server}/api/v1{path}", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def a_pair(server: str) -> dict[str, Any]:
    """A new line with a male and a female born 2025-08-01, two empty cages and a protocol,
    made over the API (as the administrator, who may add storage and protocols)."""
    name = f"KO{uuid.uuid4().hex[:6]}"
    with curator_api(server, "admin@biorepo.example") as client:
        post = partial(created, client, server)
        parent = post("/storage", {"kind": "site", "name": f"Vivarium {name}"})["barcode"]
        for kind in ("room", "cold_room", "rack"):
            parent = post("/storage", {"kind": kind, "name": name, "parent": parent})["barcode"]
        cages = [
            post(
                "/storage", {"kind": "cage", "name": f"{name}-{n}", "capacity": 5, "parent": parent}
            )
            for n in (1, 2)
        ]
        line = post(
            "/materials",
            {
                "collection": "LAFBR",
                "kind": "animal_line",
                "designation": name,
                "taxon_name": "Mus musculus",
            },
        )
        animals = [{"sex": s, "birth_date": "2025-08-01"} for s in ("male", "female")]
        lot = {"method": "live", "preserved_on": "2025-09-01", "items": 2, "quantity": "1"}
        lot |= {"unit": "animal", "form": "animal", "animals": animals, "material_id": line["id"]}
        sire, dam = (i["barcode"] for i in post("/lots", lot)["items"])
        protocol = {"number": f"P-{name}", "title": "Breeding", "species": "Mus musculus"}
        protocol |= {
            "approved_on": "2025-06-01",
            "expires_on": "2030-05-31",
            "animals_approved": 50,
        }
        post("/protocols", protocol)
    return {
        "line": line["id"],
        "sire": sire,
        "dam": dam,
        "cages": [c["barcode"] for c in cages],
        "protocol": f"P-{name}",
    }


def a_litter_to_wean(server: str) -> dict[str, Any]:
    """A new line's pair (a_pair) mated, with a litter of 3 born 25 days ago."""
    made = a_pair(server)
    with curator_api(server, "admin@biorepo.example") as client:
        post = partial(created, client, server)
        mating = {"line_id": made["line"], "sire": made["sire"], "dams": [made["dam"]]}
        mated = post("/matings", mating | {"set_up_on": "2025-10-01"})
        born = (date.today() - timedelta(days=25)).isoformat()
        litter = post(f"/matings/{mated['id']}/litters", {"born_on": born, "born_alive": 3})
    return {**made, "mating": mated["id"], "litter": litter["id"]}


def test_wean_a_litter_into_two_cages_and_print_their_cards(page, server):
    made = a_litter_to_wean(server)
    log_in(page, server, "curator.animals@biorepo.example")
    page.goto(f"{server}/colony/matings/{made['mating']}")
    form = page.locator(f"#action-wean-{made['litter']}")
    form.locator("summary").click()
    form.get_by_label("Protocol number").fill(made["protocol"])
    cages = [made["cages"][0], made["cages"][0], made["cages"][1]]
    for n, (sex, cage) in enumerate(zip(("male", "male", "female"), cages, strict=True)):
        form.get_by_label(f"Pup {n + 1}: Sex").select_option(sex)
        form.get_by_label(f"Pup {n + 1}: Ear tag").fill(f"E{n + 1}")
        form.get_by_label(f"Pup {n + 1}: Cage (scan)").fill(cage)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**done=wean")
    litters = page.get_by_role("region", name="Litters")
    assert "3 on" in litters.locator("tbody tr").first.inner_text()
    shot(page, "living-weaned")
    litters.get_by_role("link", name="Print the cage cards").click()
    page.wait_for_url("**/labels?**template=cage-card**")
    assert "2 labels." in page.locator("main").inner_text()
    link = page.get_by_role("link", name="Download the labels (PDF)")
    pdf = page.request.get(server + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    with pymupdf.open(stream=pdf.body(), filetype="pdf") as document:
        texts = [p.get_text() for p in document]
    family = page.request.get(f"{server}/api/v1/animals/{made['dam']}/pedigree").json()
    pups = [r["animal"] for r in family["descendants"] if r["distance"] == 1]
    assert len(pups) == 3 and len(texts) == 2
    for text, cage in zip(texts, made["cages"], strict=True):
        held = [p["barcode"] for p in pups if p["container"] == cage]
        assert cage in text and held and all(code in text for code in held), (cage, held)
    shot(page, "living-cage-cards")


def test_set_up_a_mating_then_a_weight_raises_the_humane_endpoint(page, server):
    made = a_pair(server)
    log_in(page, server, "curator.animals@biorepo.example")
    page.goto(f"{server}/colony/lines/{made['line']}")
    page.locator("#action-mating summary").click()
    fill(page, {"#new-sire": made["sire"], "#new-dams": made["dam"], "#new-purpose": "Pair"})
    page.locator("#action-mating button[type=submit]").click()
    page.wait_for_url("**/colony/matings/*done=mating")
    parents = page.get_by_role("region", name="Parents")
    assert made["sire"] in parents.inner_text() and made["dam"] in parents.inner_text()
    shot(page, "colony-mating-set-up")
    parents.get_by_role("link", name=made["dam"]).click()
    page.wait_for_url(f"**/colony/animals/{made['dam']}")
    assert page.get_by_role("alert").count() == 0
    for day, grams in (("2026-01-05", "25"), ("2026-01-12", "19")):
        page.locator("#action-weigh summary").click()
        fill(page, {"#w-weighed_on": day, "#w-grams": grams})
        with page.expect_navigation():
            page.locator("#action-weigh button[type=submit]").click()
    alert = page.get_by_role("alert")
    assert "Humane endpoint reached:" in alert.inner_text()
    assert "24 % below the baseline of 25 g" in alert.inner_text()
    rows = page.get_by_role("region", name="Body weights").locator("tbody tr")
    assert rows.count() == 2 and "24 % below" in rows.nth(1).inner_text()
    shot(page, "colony-humane-endpoint")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_living_forms_have_no_serious_axe_violations(server, browser, language):
    """The living lots' sections and the colony's pages, every form open, in both languages."""
    vial = a_new_lot(server, "curator.cells@biorepo.example", CELL_LINE, VIALS)
    packet = a_new_lot(server, "curator.seeds@biorepo.example", SEED, PACKETS)
    made = a_litter_to_wean(server)
    visitor = Visitor(browser, server, language, "desktop").log_in(ADMIN)
    try:
        for name, path in (
            ("cell line vial", f"/items/{vial}"),
            ("seed packet", f"/items/{packet}"),
            ("mating", f"/colony/matings/{made['mating']}"),
            ("line", f"/colony/lines/{made['line']}"),
            ("animal", f"/colony/animals/{made['dam']}"),
            ("census", "/colony/census"),
        ):
            visitor.go(path).evaluate(
                "document.querySelectorAll('details').forEach(d => d.open = true)"
            )
            visitor.check(name)
    finally:
        visitor.close()
    assert not visitor.found, "\n".join(visitor.found)
