"""The animal colony's pages through Flask's test client: a line's matings and the form to set one
up, a mating's retirement and its litters' losses, an animal's page (pedigree with generation
codes, weights with the humane-endpoint alert, genotypes, exit), the census with its CSV file, a
room's health reports, and the import of a genotyping lab's file; each form posted well (the
record is there after) and badly (a precise message, the form kept, nothing stored), in English
and Chinese."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import Animal, BodyWeight, Genotype, HealthReport, Item, Litter, Mating
from repository.schemas.colonies import LitterIn, MatingIn, ProtocolIn, WeanIn, WeightIn
from repository.services import colonies, protocols
from repository.vocabulary import AnimalExit, ItemStatus, MatingStatus
from tests.clients import csrf_of, logged_in
from tests.factories import add_material, make_unit, preserve

TODAY = date.today()


def a_colony(app, name: str, *, litter: bool = False) -> dict[str, Any]:
    """Line `name` with a male and two females born 2025-08-01 in a cage of room `Room name`,
    and protocol P-`name`; with `litter`, the male and the first female mated (2025-10-01), their
    litter of 3 born 2025-10-21 and weaned into the cage as two males and a female. (The world's
    database is shared: every name is the test's own.)"""
    with unit_of_work(app.extensions["biorepo"]) as db:
        line = add_material(
            db, "API", {"kind": "animal_line", "designation": name, "taxon_name": "Mus musculus"}
        )
        site = make_unit(db, {"kind": "site", "name": f"Vivarium {name}"})
        room = make_unit(db, {"kind": "room", "name": f"Room {name}"}, site)
        rack = make_unit(db, {"kind": "rack", "name": f"Rack {name}"}, room)
        cage = make_unit(db, {"kind": "cage", "name": f"{name} C1", "capacity": 8}, rack)
        animals = [{"sex": s, "birth_date": "2025-08-01"} for s in ("male", "female", "female")]
        lot = {"method": "live", "preserved_on": "2025-09-01", "items": 3, "quantity": "1"}
        lot |= {"unit": "animal", "form": "animal", "animals": animals}
        sire, dam, other = (i.barcode for i in preserve(db, line, lot, cage).items)
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
        made = {
            "line": line.id,
            "sire": sire,
            "dam": dam,
            "other": other,
            "room": room.barcode,
            "cage": cage.barcode,
            "protocol": f"P-{name}",
        }
        if litter:
            body = {"line_id": line.id, "sire": sire, "dams": [dam], "set_up_on": "2025-10-01"}
            mating = colonies.set_up_mating(db, MatingIn().load_or_fail(body))
            born = colonies.record_litter(
                db, mating.id, LitterIn().load_or_fail({"born_on": "2025-10-21", "born_alive": 3})
            )
            pups = [{"sex": s, "cage": cage.barcode} for s in ("male", "male", "female")]
            weaned = colonies.wean(
                db,
                born.id,
                WeanIn().load_or_fail(
                    {"weaned_on": "2025-11-11", "protocol": f"P-{name}", "pups": pups}
                ),
            )
            made |= {"mating": mating.id, "pups": [p.barcode for p in weaned]}
    return made


def count(app, statement) -> int:
    with unit_of_work(app.extensions["biorepo"]) as db:
        return int(db.scalar(statement) or 0)


def matings_of(app, line_id: int) -> list[Mating]:
    with unit_of_work(app.extensions["biorepo"]) as db:
        return list(db.scalars(select(Mating).where(Mating.line_id == line_id).order_by(Mating.id)))


def summary(page: str) -> str:
    """The refused form's summary (what the person reads first)."""
    found = re.search(r'<div class="errors" role="alert">(.*?)</div>', page, re.S)
    assert found is not None, "no summary of errors on the page"
    return found[1]


# --- a line's matings --------------------------------------------------------------------------


def test_a_mating_is_set_up_on_the_line_page_and_retired_on_its_own(world):
    app, _, _ = world
    made = a_colony(app, "SetUpKO")
    client = logged_in(app, "technician")
    url = f"/colony/lines/{made['line']}"
    page = client.get(url).data.decode()
    assert "No matings yet." in page and 'id="new-dams"' in page
    assert all(f'href="/colony/animals/{made[k]}"' in page for k in ("sire", "dam", "other"))
    token = csrf_of(client)
    body = {"set_up_on": "2025-12-01", "type": "natural", "csrf_token": token}

    wrong_sex = client.post(
        f"{url}/matings", data={**body, "sire": made["dam"], "dams": made["other"]}
    )
    assert wrong_sex.status_code == 409, wrong_sex.status_code
    text = wrong_sex.data.decode()
    assert f"The sire {made['dam']} is not male." in text
    assert re.search(r'id="new-sire"[^>]*aria-invalid="true"', text)
    assert f'value="{made["other"]}"' in text  # the form is kept

    no_dam = client.post(f"{url}/matings", data={**body, "sire": made["sire"]})
    assert no_dam.status_code == 422
    assert "Dams (scan one, or two for a trio)" in summary(no_dam.data.decode())

    three = " ".join([made["dam"], made["other"], made["dam"]])
    too_many = client.post(f"{url}/matings", data={**body, "sire": made["sire"], "dams": three})
    assert too_many.status_code == 422
    assert matings_of(app, made["line"]) == []

    trio = f"{made['dam']}\n{made['other']}"
    done = client.post(
        f"{url}/matings", data={**body, "sire": made["sire"], "dams": trio, "purpose": "Trio"}
    )
    assert done.status_code == 303
    (mating,) = matings_of(app, made["line"])
    assert done.location.endswith(f"/colony/matings/{mating.id}?done=mating")
    assert mating.second_dam_id is not None and mating.purpose == "Trio"
    assert f'href="/colony/matings/{mating.id}"' in client.get(url).data.decode()

    retire = f"/colony/matings/{mating.id}/retire"
    early = client.post(retire, data={"retired_on": "2025-11-01", "csrf_token": token})
    assert early.status_code == 422
    assert "Retired on" in summary(early.data.decode())
    assert "A mating retires after it was set up." in early.data.decode()
    assert matings_of(app, made["line"])[0].status is MatingStatus.ACTIVE
    assert (
        client.post(retire, data={"retired_on": "2026-01-05", "csrf_token": token}).status_code
        == 303
    )
    assert matings_of(app, made["line"])[0].status is MatingStatus.RETIRED
    page = client.get(f"/colony/matings/{mating.id}").data.decode()
    assert "2026-01-05" in page and 'id="action-retire"' not in page


def test_litter_losses_before_weaning_on_the_mating_page(world):
    app, _, _ = world
    made = a_colony(app, "LossKO")
    with unit_of_work(app.extensions["biorepo"]) as db:
        body = {"line_id": made["line"], "sire": made["sire"], "dams": [made["dam"]]}
        mating = colonies.set_up_mating(
            db, MatingIn().load_or_fail({**body, "set_up_on": "2025-10-01"})
        )
        born = (TODAY - timedelta(days=5)).isoformat()
        litter = colonies.record_litter(
            db, mating.id, LitterIn().load_or_fail({"born_on": born, "born_alive": 4})
        ).id
        mating_id = mating.id
    client = logged_in(app, "technician")
    url = f"/colony/matings/{mating_id}"
    assert f'id="action-losses-{litter}"' in client.get(url).data.decode()
    token = csrf_of(client)
    too_many = client.post(
        f"{url}/losses", data={"litter": litter, "died": "5", "csrf_token": token}
    )
    assert too_many.status_code == 409
    text = too_many.data.decode()
    assert "has 4 pup(s) alive" in text and f'id="losses-{litter}-died"' in text
    assert re.search(rf'<details class="action" open id="action-losses-{litter}"', text)
    assert count(app, select(Litter.died).where(Litter.id == litter)) == 0

    big = client.post(
        f"{url}/litter", data={"born_on": born, "born_alive": "50", "csrf_token": token}
    )
    assert big.status_code == 422 and "Born alive" in summary(big.data.decode())

    done = client.post(
        f"{url}/losses", data={"litter": litter, "died": "2", "note": "cold", "csrf_token": token}
    )
    assert done.status_code == 303
    assert count(app, select(Litter.died).where(Litter.id == litter)) == 2
    row = client.get(url).data.decode()
    assert re.search(r"<td>4</td>\s*<td>0</td>\s*<td>2</td>", row)


# --- an animal's page --------------------------------------------------------------------------


def test_an_animals_pedigree_links_its_relatives_with_their_generations(world):
    app, _, _ = world
    made = a_colony(app, "PedKO", litter=True)
    client = logged_in(app, "technician")
    pup = client.get(f"/colony/animals/{made['pups'][0]}").data.decode()
    ancestors = pup.split("Ancestors")[1].split("Descendants")[0]
    for parent, role in ((made["sire"], "Sire"), (made["dam"], "Dam")):
        assert re.search(
            rf"<td>1 · {role}</td>\s*<td><a href=\"/colony/animals/{parent}\">", ancestors
        )
    assert "F1" in pup and f'href="/colony/matings/{made["mating"]}"' in pup
    sire = client.get(f"/colony/animals/{made['sire']}").data.decode()
    descendants = sire.split("Descendants")[1]
    assert all(f'href="/colony/animals/{code}"' in descendants for code in made["pups"])
    assert descendants.count("<td>F1</td>") == 3
    assert client.get(f"/colony/animals/{made['sire']}?depth=11").status_code == 422
    box_vial = client.get("/colony/animals/NOSUCHCODE")
    assert box_vial.status_code == 404


def test_a_weight_that_reaches_the_humane_endpoint_raises_the_alert(world):
    app, _, _ = world
    made = a_colony(app, "WeighKO")
    code = made["dam"]
    client = logged_in(app, "technician")
    url = f"/colony/animals/{code}"
    page = client.get(url).data.decode()
    assert "No weights yet." in page and 'id="w-grams"' in page and 'role="alert"' not in page
    token = csrf_of(client)
    weights = select(func.count(BodyWeight.id)).join(Item).where(Item.barcode == code)

    bad = client.post(
        f"{url}/weigh", data={"weighed_on": "2026-01-01", "grams": "0", "csrf_token": token}
    )
    assert bad.status_code == 422
    text = bad.data.decode()
    assert "Weight (g)" in summary(text) and "grams" not in summary(text)
    assert re.search(r'id="w-grams"[^>]*aria-invalid="true"', text)
    assert count(app, weights) == 0

    for day, grams in (("2026-01-01", "30"), ("2026-01-08", "22")):
        posted = {"weighed_on": day, "grams": grams, "csrf_token": token}
        assert client.post(f"{url}/weigh", data=posted).status_code == 303
    assert count(app, weights) == 2
    page = client.get(url).data.decode()
    alert = page.split('<div class="problem" role="alert">')[1].split("</div>")[0]
    assert "Humane endpoint reached:" in alert and "26.7 % below the baseline of 30 g" in alert
    client.set_cookie("lang", "zh")
    chinese = client.get(url).data.decode()
    assert "已达人道终点" in chinese and "低于基线体重 30 克 26.7%" in chinese


def test_genotypes_are_recorded_on_the_animals_page(world):
    app, _, _ = world
    made = a_colony(app, "GenoKO")
    client = logged_in(app, "technician")
    url = f"/colony/animals/{made['sire']}"
    token = csrf_of(client)
    body = {"gene": "Apoe", "allele1": "+", "allele2": "-", "genotyped_on": "2026-01-02"}
    bad = client.post(f"{url}/genotype", data={**body, "gene": "=HYPERLINK()", "csrf_token": token})
    assert bad.status_code == 422 and "Gene" in summary(bad.data.decode())
    assert (
        count(app, select(func.count(Genotype.id)).join(Item).where(Item.barcode == made["sire"]))
        == 0
    )
    assert client.post(f"{url}/genotype", data={**body, "csrf_token": token}).status_code == 303
    again = client.post(f"{url}/genotype", data={**body, "csrf_token": token})
    assert (
        again.status_code == 409
        and "genotyped at Apoe on 2026-01-02 already" in again.data.decode()
    )
    assert "<code>+/-</code>" in client.get(url).data.decode()


def test_a_euthanasia_needs_its_method_and_reason(world):
    app, _, _ = world
    made = a_colony(app, "ExitKO")
    code = made["other"]
    client = logged_in(app, "technician")
    url = f"/colony/animals/{code}"
    token = csrf_of(client)
    body = {"exit": "euthanasia", "exit_on": "2026-02-01", "by": "Li Wei", "csrf_token": token}
    bad = client.post(f"{url}/exit", data=body)
    assert bad.status_code == 422
    text = bad.data.decode()
    assert "Euthanasia method" in summary(text)
    assert "A euthanasia is recorded with its method and reason." in summary(text)
    with unit_of_work(app.extensions["biorepo"]) as db:
        animal = db.scalars(
            select(Animal).join(Item, Item.id == Animal.item_id).where(Item.barcode == code)
        ).one()
        assert animal.exit is None
    done = client.post(f"{url}/exit", data={**body, "method": "CO2", "reason": "Endpoint"})
    assert done.status_code == 303
    with unit_of_work(app.extensions["biorepo"]) as db:
        item = db.scalars(select(Item).where(Item.barcode == code)).one()
        assert item.animal.exit is AnimalExit.EUTHANASIA and item.status is ItemStatus.DESTROYED
        assert item.container_id is None
    page = client.get(url).data.decode()
    assert "Left the colony" in page and "CO2" in page and 'id="action-weigh"' not in page
    late = client.post(
        f"{url}/weigh", data={"weighed_on": "2026-02-02", "grams": "20", "csrf_token": token}
    )
    assert late.status_code == 409 and "has left the colony" in late.data.decode()
    assert "<strong>barcode</strong>" not in late.data.decode()


# --- census and health reports -----------------------------------------------------------------


def test_the_census_of_a_room_on_a_day_and_its_csv(world):
    app, _, _ = world
    made = a_colony(app, "CensusKO", litter=True)
    client = logged_in(app, "technician")
    url = f"/colony/census?on=2025-12-01&room={made['room']}"
    page = client.get(url).data.decode()
    assert "6 animals on 2025-12-01." in page
    assert f'href="/colony/lines/{made["line"]}"' in page and "P-CensusKO" in page
    before = client.get(f"/colony/census?on=2025-08-15&room={made['room']}").data.decode()
    assert "3 animals on 2025-08-15." in before
    download = client.get(f"/colony/census.csv?on=2025-12-01&room={made['room']}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert f"census-2025-12-01-{made['room']}.csv" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.data.decode())))
    assert sum(int(r["animals"]) for r in rows) == 6
    assert {r["room"] for r in rows} == {made["room"]}
    assert f'href="/colony/census.csv?on=2025-12-01&amp;room={made["room"]}"' in page

    bad_day = client.get(f"/colony/census?on=2025-13-01&room={made['room']}")
    assert bad_day.status_code == 422
    assert "YYYY-MM-DD" in bad_day.data.decode() and 'value="2025-13-01"' in bad_day.data.decode()
    nowhere = client.get("/colony/census?on=2025-12-01&room=NOROOM")
    assert nowhere.status_code == 404 and "Room" in summary(nowhere.data.decode())


def test_a_rooms_health_reports(world):
    app, _, _ = world
    made = a_colony(app, "HealthKO")
    client = logged_in(app, "technician")
    url = f"/colony/rooms/{made['room']}/health"
    assert "No health reports yet." in client.get(url).data.decode()
    colony = client.get("/colony").data.decode()
    assert f'href="{url}"' in colony
    token = csrf_of(client)
    body = {"agent": "MHV", "result": "negative", "reported_on": "2026-01-10", "csrf_token": token}
    bad = client.post(url, data={**body, "result": "maybe"})
    assert bad.status_code == 422 and "Result" in summary(bad.data.decode())
    blank = client.post(url, data={**body, "agent": " "})
    assert blank.status_code == 422
    reports = select(func.count(HealthReport.id)).where(HealthReport.agent == "MHV")
    before = count(app, reports)
    assert client.post(url, data={**body, "lab": "Charles River"}).status_code == 303
    assert count(app, reports) == before + 1
    page = client.get(url).data.decode()
    assert "Charles River" in page and "negative" in page
    not_a_room = client.get(f"/colony/rooms/{made['cage']}/health")
    assert not_a_room.status_code == 409 and "not a room" in not_a_room.data.decode()


# --- a genotyping lab's file ---------------------------------------------------------------------


def test_a_genotyping_labs_file_is_imported_all_or_nothing(world):
    app, _, _ = world
    made = a_colony(app, "ImportKO")
    client = logged_in(app, "technician")
    token = csrf_of(client)
    good = "animal,gene,result,date\n" + "".join(
        f"{made[k]},Trp53,{alleles},2026-01-03\n"
        for k, alleles in (("sire", "+/-"), ("dam", "+/+"))
    )
    bad = good + "NOSUCHANIMAL,Trp53,+/-,2026-01-03\n" + f"{made['other']},Trp53,+-,2026-01-03\n"
    stored = (
        select(func.count(Genotype.id))
        .where(Genotype.gene == "Trp53")
        .join(Item)
        .where(Item.barcode.in_([made["sire"], made["dam"], made["other"]]))
    )

    def post(content: str, **extra: str) -> Any:
        data = {"csrf_token": token, "file": (io.BytesIO(content.encode()), "lab.csv"), **extra}
        return client.post(
            "/colony/genotypes/import", data=data, content_type="multipart/form-data"
        )

    none = client.post("/colony/genotypes/import", data={"csrf_token": token})
    assert none.status_code == 422 and "Choose the genotyping lab" in none.data.decode()
    refused = post(bad)
    assert refused.status_code == 422
    text = refused.data.decode()
    assert "2 problems: nothing was imported" in text
    assert "No animal has this code." in text and "Write the result as allele/allele" in text
    assert re.search(r"<td>4</td><td>animal</td><td><code>NOSUCHANIMAL</code></td>", text)
    assert count(app, stored) == 0
    dry = post(good, dry_run="true")
    assert dry.status_code == 200 and "Importing would add 2 genotypes." in dry.data.decode()
    assert count(app, stored) == 0
    done = post(good)
    assert done.status_code == 303
    assert count(app, stored) == 2
    assert "2 genotypes imported" in client.get("/colony/genotypes/import").data.decode()
    assert "<code>+/-</code>" in client.get(f"/colony/animals/{made['sire']}").data.decode()


# --- links, languages, who may ------------------------------------------------------------------


def test_the_colony_is_linked_from_the_navigation_the_line_and_what_is_due(world):
    app, _, _ = world
    made = a_colony(app, "LinkKO")
    old = (TODAY - timedelta(days=10)).isoformat()
    with unit_of_work(app.extensions["biorepo"]) as db:
        colonies.weigh(db, made["sire"], WeightIn().load_or_fail({"weighed_on": old, "grams": 28}))
    client = logged_in(app, "technician")
    home = client.get("/due?kind=colony").data.decode()
    nav = home.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/colony"' in nav
    assert f'href="/colony/animals/{made["sire"]}"' in home
    colony = client.get("/colony").data.decode()
    assert f'href="/colony/lines/{made["line"]}"' in colony and "LinkKO" in colony
    material = client.get(f"/materials/{made['line']}").data.decode()
    assert f'href="/colony/lines/{made["line"]}"' in material
    item = client.get(f"/items/{made['sire']}").data.decode()
    assert f'href="/colony/animals/{made["sire"]}"' in item
    room = client.get(f"/storage/{made['room']}").data.decode()
    assert f'href="/colony/rooms/{made["room"]}/health"' in room
    requester = logged_in(app, "requester")
    nav = requester.get("/").data.decode().split('<nav aria-label="Main">')[1]
    assert 'href="/colony"' not in nav.split("</nav>")[0]


def test_the_colony_pages_read_chinese(world):
    app, _, _ = world
    made = a_colony(app, "ZhColKO", litter=True)
    client = logged_in(app, "technician")
    client.set_cookie("lang", "zh")
    pages = {
        "/colony": "动物种群",
        f"/colony/lines/{made['line']}": "建立交配组",
        f"/colony/matings/{made['mating']}": "淘汰交配组",
        f"/colony/animals/{made['pups'][0]}": "系谱",
        "/colony/census?on=2025-12-01": "存栏",
        f"/colony/rooms/{made['room']}/health": "健康监测",
        "/colony/genotypes/import": "导入基因型",
    }
    for path, words in pages.items():
        page = client.get(path)
        assert page.status_code == 200, path
        assert words in page.data.decode(), path
    token = csrf_of(client)
    bad = client.post(
        f"/colony/animals/{made['pups'][0]}/weigh",
        data={"weighed_on": "2026-01-01", "grams": "0", "csrf_token": token},
    )
    assert bad.status_code == 422 and "体重（克）" in summary(bad.data.decode())


def test_a_requester_may_not_see_or_change_the_colony(world):
    app, _, _ = world
    made = a_colony(app, "RoKO")
    reader = logged_in(app, "requester")
    for path in (
        "/colony",
        f"/colony/lines/{made['line']}",
        f"/colony/animals/{made['sire']}",
        "/colony/census",
        f"/colony/rooms/{made['room']}/health",
        "/colony/genotypes/import",
    ):
        assert reader.get(path).status_code == 403, path
    body = {"weighed_on": "2026-01-01", "grams": "20", "csrf_token": csrf_of(reader)}
    assert reader.post(f"/colony/animals/{made['sire']}/weigh", data=body).status_code == 403
    nobody = logged_in(app, None)
    assert nobody.get("/colony").status_code in (302, 303)
    technician = logged_in(app, "technician")
    unsigned = technician.post(
        f"/colony/animals/{made['sire']}/weigh", data={"weighed_on": "2026-01-01", "grams": "20"}
    )
    assert unsigned.status_code in (400, 403)
    assert (
        count(app, select(func.count(BodyWeight.id)).join(Item).where(Item.barcode == made["sire"]))
        == 0
    )


def test_the_weaning_age_is_named_by_its_label_on_the_bench(world):
    app, _, _ = world
    client = logged_in(app, "curator")
    body = {
        "kind": "animal_line",
        "collection": "API",
        "designation": "Bench wean",
        "taxon_name": "Mus musculus",
        "animal_line.wean_age_days": "5",
        "csrf_token": csrf_of(client),
    }
    refused = client.post("/bench/register", data=body)
    assert refused.status_code == 422
    said = summary(refused.data.decode())
    assert "Weaning age (days)" in said and "wean_age_days" not in said
    page = client.get("/bench/register?kind=animal_line").data.decode()
    assert (
        "Weaning age (days)" in page
        and "Passage limit" in client.get("/bench/register?kind=cell_line").data.decode()
    )
