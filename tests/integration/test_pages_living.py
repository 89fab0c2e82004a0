"""A living lot's forms on its item page through Flask's test client: a cell line's passage
(refused beyond its limit without a reason, the form kept; with one it goes through), and a
seed lot's germination tests (replicate rows), the regeneration they make due and the
regeneration; a mating's plug checks, litters and weaning into cages (a row per pup) with a
link to the cage cards; in English and Chinese."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from repository.db import unit_of_work
from repository.models import Event, Item, Lot
from repository.schemas.colonies import LitterIn, MatingIn, ProtocolIn
from repository.schemas.inventory import QcSchema
from repository.services import colonies, inventory, protocols
from repository.vocabulary import EventType
from tests.clients import csrf_of, logged_in
from tests.factories import add_material, make_unit, preserve

VIALS = {
    "method": "ln2_vapour",
    "preserved_on": "2025-03-01",
    "items": 2,
    "quantity": "1000000",
    "unit": "cells",
    "form": "cryovial",
    "passage_number": 2,
}
PACKETS = {
    "method": "dried_seed_minus18",
    "preserved_on": "2010-03-01",
    "items": 2,
    "quantity": "500",
    "unit": "seeds",
    "form": "seed_packet",
}


def a_vial(app, kind: str, fields: dict, lot: dict) -> str:
    """An item of a new lot of a new material of `kind` in collection API."""
    with unit_of_work(app.extensions["biorepo"]) as db:
        material = add_material(db, "API", {"kind": kind, "taxon_name": "Homo sapiens", **fields})
        made = preserve(db, material, lot)
        return db.scalars(select(Item.barcode).where(Item.lot_id == made.id)).first()


def test_a_passage_beyond_the_limit_needs_a_reason(world):
    app, _, _ = world
    vial = a_vial(
        app,
        "cell_line",
        {"designation": "Page HeLa", "max_passage": 12},
        VIALS | {"passage_number": 12},
    )
    client = logged_in(app, "curator")
    page = client.get(f"/items/{vial}").data.decode()
    assert "Passage to a new lot" in page and "passage limit is 12" in page
    assert 'for="pas-override_reason"' in page
    posted = {
        "preserved_on": "2025-04-01",
        "items": "1",
        "quantity": "1000000",
        "unit": "cells",
        "form": "cryovial",
        "csrf_token": csrf_of(client),
    }
    refused = client.post(f"/items/{vial}/passage", data=posted)
    assert refused.status_code == 409, refused.status_code
    text = refused.data.decode()
    assert "max_passage 12" in text and 'id="pas-override_reason"' in text
    assert 'aria-invalid="true"' in text and 'value="2025-04-01"' in text
    done = client.post(
        f"/items/{vial}/passage", data={**posted, "override_reason": "Last vials for STR."}
    )
    assert done.status_code == 303
    with unit_of_work(app.extensions["biorepo"]) as db:
        parent = db.scalars(select(Item.lot_id).where(Item.barcode == vial)).one()
        child = db.scalars(select(Lot).where(Lot.parent_lot_id == parent)).one()
        assert child.passage_number == 13
        event = db.scalars(
            select(Event).where(Event.type == EventType.PASSAGED, Event.lot_id == child.id)
        ).one()
        assert event.data["override_reason"] == "Last vials for STR."
    page = client.get(f"/items/{vial}").data.decode()
    assert "Lots made from this lot" in page and "Place and label" in page


def test_a_curator_lifts_a_quarantine_from_the_vial_page(world):
    app, _, _ = world
    vial = a_vial(app, "cell_line", {"designation": "Page Quarantined"}, VIALS)
    with unit_of_work(app.extensions["biorepo"]) as db:
        lot_id = db.scalars(select(Item.lot_id).where(Item.barcode == vial)).one()
        failed = {"test": "mycoplasma", "outcome": "fail", "tested_on": "2025-03-05"}
        inventory.record_qc(db, lot_id, QcSchema().load_or_fail(failed))
    technician = logged_in(app, "technician")
    page = technician.get(f"/items/{vial}").data.decode()
    assert "Quarantined since" in page and "Lift the quarantine" not in page
    body = {"reason": "Retested negative.", "csrf_token": csrf_of(technician)}
    assert technician.post(f"/items/{vial}/release", data=body).status_code == 403

    curator = logged_in(app, "curator")
    assert "Lift the quarantine" in curator.get(f"/items/{vial}").data.decode()
    body["csrf_token"] = csrf_of(curator)
    refused = curator.post(f"/items/{vial}/release", data={**body, "reason": " "})
    assert refused.status_code == 422, refused.status_code
    text = refused.data.decode()
    assert 'id="rel-reason-error"' in text and 'id="des-reason-error"' not in text
    assert curator.post(f"/items/{vial}/release", data=body).status_code == 303
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.get_one(Lot, lot_id).quarantined_at is None
    assert "Quarantined since" not in curator.get(f"/items/{vial}").data.decode()


def test_an_str_test_from_the_vial_page(world):
    app, _, _ = world
    profile = {"D5S818": "11,12", "D13S317": "8,11", "D7S820": "10", "D16S539": "11,12"}
    profile |= {"vWA": "16,17", "TH01": "6,9.3", "TPOX": "8", "CSF1PO": "10,12"}
    vial = a_vial(app, "cell_line", {"designation": "Page STR line", "str_profile": profile}, VIALS)
    client = logged_in(app, "technician")
    assert "No STR test yet." in client.get(f"/items/{vial}").data.decode()
    body = {
        "profile": "\n".join(f"{marker}: {alleles}" for marker, alleles in profile.items()),
        "tested_on": "2026-11-30",
        "lab": "Core lab",
        "kit": "GenePrint 10",
        "csrf_token": csrf_of(client),
    }
    bad = client.post(f"/items/{vial}/str_test", data={**body, "profile": "TH01: seven"})
    assert bad.status_code == 422
    text = bad.data.decode()
    assert 'id="str-profile-error"' in text and "seven" in text
    assert client.post(f"/items/{vial}/str_test", data=body).status_code == 303
    page = client.get(f"/items/{vial}").data.decode()
    assert "authenticated" in page and "100.0 %" in page
    client.set_cookie("lang", "zh")
    assert "鉴定相符" in client.get(f"/items/{vial}").data.decode()


def test_a_germination_test_from_replicate_rows_then_regeneration(world):
    app, _, _ = world
    packet = a_vial(app, "seed", {"designation": "Page IR64", "crop_name": "Rice"}, PACKETS)
    client = logged_in(app, "curator")
    page = client.get(f"/items/{packet}").data.decode()
    assert "No germination tests yet." in page and 'id="ger-replicates-3-fresh"' in page
    token = csrf_of(client)

    def test(day: str, normal: int, **extra: str) -> object:
        rows = {}
        for n in range(4):
            rows |= {f"replicates-{n}-seeds": "100", f"replicates-{n}-normal": str(normal)}
            rows |= {f"replicates-{n}-dead": str(100 - normal)}
        body = {"tested_on": day, "medium": "TP", "csrf_token": token, **rows, **extra}
        return client.post(f"/items/{packet}/germination", data=body)

    bad = test("2010-04-01", 90, **{"replicates-1-dead": "5"})
    assert bad.status_code == 422
    text = bad.data.decode()
    assert "add up to" in text and 'value="2010-04-01"' in text
    assert 'name="replicates-1-dead" type="number" min="0" inputmode="numeric"\n' in text or (
        'value="5"' in text
    )
    assert test("2010-04-01", 90).status_code == 303
    assert test("2020-04-01", 60).status_code == 303
    page = client.get(f"/items/{packet}").data.decode()
    assert "Regeneration is due:" in page and "viability_drop" in page
    assert page.count("<td>Initial</td>") == 1 and "Next test due on 2030-04-01" in page
    harvest = {
        "site": "Field 3",
        "plants": "60",
        "isolation": "bagging",
        "harvested_on": "2021-10-01",
        "seeds_harvested": "5000",
        "items": "2",
        "quantity": "1000",
        "unit": "seeds",
        "form": "seed_packet",
        "csrf_token": token,
    }
    too_many = client.post(f"/items/{packet}/regenerate", data={**harvest, "quantity": "4000"})
    assert too_many.status_code == 422 and "were harvested" in too_many.data.decode()
    assert client.post(f"/items/{packet}/regenerate", data=harvest).status_code == 303
    page = client.get(f"/items/{packet}").data.decode()
    assert "Regeneration is due:" not in page and "Lots regenerated from this lot" in page


def test_a_seed_lot_records_its_safety_duplicates(world):
    app, _, _ = world
    packet = a_vial(app, "seed", {"designation": "Dup IR64", "crop_name": "Rice"}, PACKETS)
    client = logged_in(app, "technician")
    assert "No safety duplicate yet" in client.get(f"/items/{packet}").data.decode()
    body = {
        "institute_code": "NOR051",
        "institute_name": "Svalbard Global Seed Vault",
        "sent_on": "2011-02-01",
        "seeds": "500",
        "csrf_token": csrf_of(client),
    }
    refused = client.post(f"/items/{packet}/duplicate", data={**body, "institute_code": "x"})
    assert refused.status_code == 422
    assert 'id="dup-institute_code-error"' in refused.data.decode()
    assert client.post(f"/items/{packet}/duplicate", data=body).status_code == 303
    page = client.get(f"/items/{packet}").data.decode()
    assert "NOR051 · Svalbard Global Seed Vault" in page and "2011-02-01" in page
    again = client.post(f"/items/{packet}/duplicate", data=body)
    assert again.status_code == 409 and "already has a safety duplicate" in again.data.decode()


def test_both_languages_render_the_living_forms(world):
    app, _, _ = world
    vial = a_vial(app, "cell_line", {"designation": "Zh HeLa", "max_passage": 3}, VIALS)
    packet = a_vial(app, "seed", {"designation": "Zh IR64", "crop_name": "Rice"}, PACKETS)
    client = logged_in(app, "curator")
    for language, words in (
        ("en", ("Passage to a new lot", "Germination tests")),
        ("zh", ("传代", "发芽试验")),
    ):
        client.set_cookie("lang", language)
        cell = client.get(f"/items/{vial}")
        seed = client.get(f"/items/{packet}")
        assert cell.status_code == seed.status_code == 200
        assert words[0] in cell.data.decode() and words[1] in seed.data.decode()


def test_a_technician_reads_but_a_requester_may_not_post(world):
    app, _, _ = world
    packet = a_vial(app, "seed", {"designation": "Ro IR64", "crop_name": "Rice"}, PACKETS)
    reader = logged_in(app, "requester")
    body = {"tested_on": "2010-04-01", "csrf_token": csrf_of(reader)}
    assert reader.post(f"/items/{packet}/germination", data=body).status_code == 403


def a_mating(app, name: str) -> dict:
    """A pair of line `name` with a litter of 3 born 25 days ago, two cages and protocol
    P-`name` (the world's database is shared: every name is the test's own)."""
    with unit_of_work(app.extensions["biorepo"]) as db:
        line = add_material(
            db, "API", {"kind": "animal_line", "designation": name, "taxon_name": "Mus musculus"}
        )
        parents = preserve(
            db,
            line,
            {
                "method": "live",
                "preserved_on": "2025-09-01",
                "items": 2,
                "quantity": "1",
                "unit": "animal",
                "form": "animal",
                "animals": [{"sex": s, "birth_date": "2025-08-01"} for s in ("male", "female")],
            },
        ).items
        rack = make_unit(db, {"kind": "site", "name": f"Vivarium {name}"})
        for kind in ("room", "cold_room", "rack"):
            rack = make_unit(db, {"kind": kind, "name": f"{kind} {name}"}, rack)
        cages = [
            make_unit(db, {"kind": "cage", "name": f"{name} C{n}", "capacity": 5}, rack).barcode
            for n in (1, 2)
        ]
        protocols.create_protocol(
            db,
            ProtocolIn().load_or_fail(
                {
                    "number": f"P-{name}",
                    "title": "Breeding",
                    "species": "Mus musculus",
                    "approved_on": "2025-06-01",
                    "expires_on": "2030-05-31",
                    "animals_approved": 50,
                }
            ),
        )
        body = {
            "line_id": line.id,
            "sire": parents[0].barcode,
            "dams": [parents[1].barcode],
            "set_up_on": "2025-10-01",
        }
        mating = colonies.set_up_mating(db, MatingIn().load_or_fail(body))
        born = (date.today() - timedelta(days=25)).isoformat()
        colonies.record_litter(
            db, mating.id, LitterIn().load_or_fail({"born_on": born, "born_alive": 3})
        )
        litter = mating.litters[0].id
        return {"mating": mating.id, "litter": litter, "cages": cages, "dam": parents[1].barcode}


def test_a_mating_page_records_plugs_and_litters_and_weans_into_cages(world):
    app, _, _ = world
    made = a_mating(app, "PageKO")
    client = logged_in(app, "curator")
    url = f"/colony/matings/{made['mating']}"
    page = client.get(url).data.decode()
    assert made["dam"] in page and "No plug checks yet." in page
    assert page.count('name="pups-2-cage"') == 1 and 'name="pups-3-cage"' not in page
    token = csrf_of(client)
    early = client.post(
        f"{url}/plug", data={"checked_on": "2025-01-01", "plug": "true", "csrf_token": token}
    )
    assert early.status_code == 422 and "after the mating is set up" in early.data.decode()
    plug = {"checked_on": "2025-10-02", "plug": "true", "csrf_token": token}
    assert client.post(f"{url}/plug", data=plug).status_code == 303
    assert "Plug found" in client.get(url).data.decode()
    litter = {"born_on": "2025-10-21", "born_alive": "50", "csrf_token": token}
    assert client.post(f"{url}/litter", data=litter).status_code == 422
    wean = {
        "litter": str(made["litter"]),
        "weaned_on": date.today().isoformat(),
        "csrf_token": token,
    }
    wean |= {"protocol": "P-PageKO"}
    pups = {"pups-0-sex": "male", "pups-0-cage": made["cages"][0], "pups-0-ear_tag": "E1"}
    pups |= {"pups-1-sex": "female", "pups-1-cage": made["cages"][1]}
    nowhere = client.post(f"{url}/wean", data={**wean, **pups, "pups-1-cage": "NOCAGE"})
    assert nowhere.status_code == 404, nowhere.status_code
    kept = nowhere.data.decode()
    assert 'value="E1"' in kept and f'id="wean-{made["litter"]}-pups-0-cage"' in kept
    assert client.post(f"{url}/wean", data={**wean, **pups}).status_code == 303
    page = client.get(url).data.decode()
    assert "Print the cage cards" in page and "template=cage-card" in page
    lot = re.search(r"/labels\?lot=(\d+)&amp;template=cage-card", page)
    assert lot is not None
    labels = client.get(f"/labels?lot={lot[1]}&template=cage-card")
    assert labels.status_code == 200


def test_the_mating_page_in_both_languages(world):
    app, _, _ = world
    made = a_mating(app, "ZhKO")
    client = logged_in(app, "curator")
    for language, words in (("en", "Plug checks"), ("zh", "查栓记录")):
        client.set_cookie("lang", language)
        page = client.get(f"/colony/matings/{made['mating']}")
        assert page.status_code == 200 and words in page.data.decode()
    client.set_cookie("lang", "en")
    animal = client.get(f"/items/{made['dam']}").data.decode()
    assert f'href="/colony/matings/{made["mating"]}"' in animal


def test_what_is_due_links_a_litter_to_its_mating(world):
    app, _, _ = world
    made = a_mating(app, "DueKO")
    client = logged_in(app, "curator")
    due = client.get("/due?kind=colony").data.decode()
    assert f'href="/colony/litters/{made["litter"]}"' in due
    opened = client.get(f"/colony/litters/{made['litter']}")
    assert opened.status_code == 303
    assert opened.location.endswith(
        f"/colony/matings/{made['mating']}#action-wean-{made['litter']}"
    )


def test_the_colonys_due_lines_are_said_in_the_readers_language(world):
    app, _, _ = world
    made = a_mating(app, "DueSaid")
    client = logged_in(app, "curator")
    for language, words in (
        ("en", ["Weaning", "is due for weaning (3 pup(s) alive)"]),
        ("zh", ["离乳", "应离乳（存活幼仔 3 只）"]),
    ):
        client.set_cookie("lang", language)
        due = client.get("/due?kind=colony").data.decode()
        assert f"L{made['litter']} of M{made['mating']}" in due
        for word in words:
            assert word in due, (language, word)
