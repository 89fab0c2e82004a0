"""The animal colony: a protocol's approval (in all, per line, its dates), matings and plug
checks, litters and their weaning into animals with their generation, placed in cages within
their capacity, pedigrees, body weights with the humane endpoint, exits, and what is due."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from api import create_app
from api.web.history import event_sentence
from repository.errors import Conflict, InvalidState, ValidationFailed
from repository.models import Event, Item
from repository.schemas.colonies import (
    ExitIn,
    LitterIn,
    LossIn,
    MatingIn,
    PlugCheckIn,
    ProtocolIn,
    RetireIn,
    WeanIn,
    WeightIn,
)
from repository.services import colonies, protocols
from repository.vocabulary import EventType, ItemStatus, MatingStatus
from tests.clients import call
from tests.factories import add_collection, add_material, make_unit, preserve

BORN = date(2026, 1, 5)


@pytest.fixture
def w(db) -> SimpleNamespace:
    """An animal facility with line B6-KO (weaned at 21 days) and background line B6, a male
    and two females of the KO line (generation N10F2) and a male of B6, two cages of room
    for 3 and 10, and protocol P-1 approving 20 animals, 12 of them of the KO line."""
    add_collection(db, {"code": "MUS", "name": "Mice", "kind": "animal_facility"})
    line = add_material(
        db, "MUS", {"kind": "animal_line", "designation": "B6-KO", "taxon_name": "Mus musculus"}
    )
    background = add_material(
        db, "MUS", {"kind": "animal_line", "designation": "B6", "taxon_name": "Mus musculus"}
    )
    site = make_unit(db, {"kind": "site", "name": "Vivarium"})
    room = make_unit(db, {"kind": "room", "name": "Room 1"}, site)
    rack = make_unit(
        db,
        {"kind": "rack", "name": "IVC rack"},
        make_unit(db, {"kind": "cold_room", "name": "Holding"}, room),
    )
    small = make_unit(db, {"kind": "cage", "name": "C1", "capacity": 3}, rack)
    big = make_unit(db, {"kind": "cage", "name": "C2", "capacity": 10}, rack)
    founders = animals(db, line, ["male", "female", "female"], generation="N10F2")
    outsider = animals(db, background, ["male"])
    protocol = protocols.create_protocol(
        db,
        ProtocolIn().load_or_fail(
            {
                "number": "P-1",
                "title": "Breeding of B6-KO",
                "species": "Mus musculus",
                "approved_on": "2025-06-01",
                "expires_on": "2027-05-31",
                "animals_approved": 20,
                "lines": [{"line_id": line.id, "animals_approved": 12}],
            }
        ),
    )
    return SimpleNamespace(
        line=line,
        background=background,
        small=small,
        big=big,
        sire=founders[0],
        dam=founders[1],
        dam2=founders[2],
        outsider=outsider[0],
        protocol=protocol,
    )


def animals(db, line, sexes: list[str], generation: str | None = None) -> list[Item]:
    """Live animals of a line, one per sex given."""
    fields = {
        "method": "live",
        "preserved_on": "2025-09-01",
        "items": len(sexes),
        "quantity": "1",
        "unit": "animal",
        "form": "animal",
        "animals": [{"sex": sex, "birth_date": "2025-08-01"} for sex in sexes],
    }
    if generation:
        fields["generation"] = generation
    return list(preserve(db, line, fields).items)


def mate(db, w, sire=None, dams=None, **fields):
    body = {
        "line_id": w.line.id,
        "sire": (sire or w.sire).barcode,
        "dams": [d.barcode for d in (dams or [w.dam])],
        "set_up_on": "2025-12-01",
        **fields,
    }
    return colonies.set_up_mating(db, MatingIn().load_or_fail(body))


def litter(db, mating, born_alive=6, **fields):
    body = {"born_on": BORN.isoformat(), "born_alive": born_alive, **fields}
    return colonies.record_litter(db, mating.id, LitterIn().load_or_fail(body))


def wean(db, w, the_litter, sexes, cage=None, protocol="P-1", on="2026-01-26"):
    cage = cage or w.big
    pups = [{"sex": sex, "cage": cage.barcode, "ear_tag": f"E{i}"} for i, sex in enumerate(sexes)]
    body = {"weaned_on": on, "protocol": protocol, "pups": pups}
    return colonies.wean(db, the_litter.id, WeanIn().load_or_fail(body))


def test_weaning_makes_the_animals_in_one_step(db, w):
    mating = mate(db, w)
    born = litter(db, mating, born_alive=5, born_dead=1)
    assert born.wean_due_on == BORN + timedelta(days=21)
    pups = wean(db, w, born, ["male", "female", "female"])
    assert len({p.barcode for p in pups}) == 3
    for pup, sex in zip(pups, ["male", "female", "female"], strict=True):
        animal = pup.animal
        assert animal.sex == sex and animal.birth_date == BORN
        assert (animal.sire_id, animal.dam_id) == (w.sire.id, w.dam.id)
        assert animal.generation == "N10F3"  # a sibling mating of N10F2 parents
        assert animal.protocol_id == w.protocol.id and animal.litter_id == born.id
        assert pup.container_id == w.big.id and pup.status is ItemStatus.AVAILABLE
    assert pups[0].lot.generation == "N10F3" and pups[0].lot.material_id == w.line.id
    assert born.weaned == 3 and born.weaned_on == date(2026, 1, 26)
    db.refresh(w.protocol)
    assert w.protocol.animals_used == 3 and w.protocol.lines[0].animals_used == 3
    with pytest.raises(InvalidState, match="weaned"):
        wean(db, w, born, ["male"])


def test_a_backcross_counts_n(db, w):
    mating = mate(db, w, sire=w.outsider)
    pups = wean(db, w, litter(db, mating, 2), ["male", "female"])
    assert {p.animal.generation for p in pups} == {"N11"}


def test_a_line_weans_at_its_own_age(db, w):
    w.line.wean_age_days = 28
    assert litter(db, mate(db, w)).wean_due_on == BORN + timedelta(days=28)


def test_the_protocol_limits_hold(db, w):
    mating = mate(db, w, dams=[w.dam, w.dam2])
    first = litter(db, mating, 10, dam=w.dam.barcode)
    wean(db, w, first, ["male"] * 10)
    second = litter(db, mating, 10, dam=w.dam2.barcode)
    with pytest.raises(InvalidState, match="approves 12 animals of"):
        wean(db, w, second, ["female"] * 3)
    assert second.weaned == 0 and second.weaned_on is None
    other = mate(db, w, sire=w.outsider)  # still of the KO line, 2 left
    with pytest.raises(InvalidState, match="no animals are made under it"):
        wean(db, w, litter(db, other, 2), ["male"], on="2027-06-01")


def test_the_total_approval_holds(db, w):
    w.protocol.lines[0].animals_approved = 100
    mating = mate(db, w, dams=[w.dam, w.dam2])
    wean(db, w, litter(db, mating, 10, dam=w.dam.barcode), ["male"] * 10)
    with pytest.raises(InvalidState, match="approves 20 animals; 10 are used and 11"):
        wean(db, w, litter(db, mating, 11, dam=w.dam2.barcode), ["female"] * 11)


def test_a_protocol_without_the_line_refuses_it(db, w):
    protocols.create_protocol(
        db,
        ProtocolIn().load_or_fail(
            {
                "number": "P-2",
                "title": "Background only",
                "species": "Mus musculus",
                "approved_on": "2025-06-01",
                "expires_on": "2027-05-31",
                "lines": [{"line_id": w.background.id, "animals_approved": 5}],
            }
        ),
    )
    with pytest.raises(InvalidState, match="does not approve animals of this line"):
        wean(db, w, litter(db, mate(db, w)), ["male"], protocol="P-2")


def test_a_full_cage_refuses_the_pups(db, w):
    born = litter(db, mate(db, w), 4)
    with pytest.raises(Conflict, match="C1 holds 3"):
        wean(db, w, born, ["male"] * 4, cage=w.small)


def test_pups_are_counted_within_the_litter(db, w):
    born = litter(db, mate(db, w), 4)
    colonies.record_losses(db, born.id, LossIn().load_or_fail({"died": 2}))
    with pytest.raises(InvalidState, match="has 2 pup"):
        wean(db, w, born, ["male"] * 3)
    with pytest.raises(InvalidState):
        colonies.record_losses(db, born.id, LossIn().load_or_fail({"died": 3}))


def test_matings_need_a_male_and_females(db, w):
    with pytest.raises(InvalidState, match="not female"):
        mate(db, w, dams=[w.outsider])
    with pytest.raises(InvalidState, match="not male"):
        mate(db, w, sire=w.dam, dams=[w.dam2])
    with pytest.raises(ValidationFailed):
        mate(db, w, dams=[w.dam, w.dam])


def test_plug_checks_and_retirement(db, w):
    mating = mate(db, w, dams=[w.dam, w.dam2])
    with pytest.raises(ValidationFailed):  # which dam of the trio?
        colonies.check_plug(
            db, mating.id, PlugCheckIn().load_or_fail({"checked_on": "2025-12-02", "plug": False})
        )
    check = colonies.check_plug(
        db,
        mating.id,
        PlugCheckIn().load_or_fail(
            {"checked_on": "2025-12-02", "plug": True, "dam": w.dam2.barcode}
        ),
    )
    assert check.dam_id == w.dam2.id and mating.plug_checks == [check]
    colonies.retire_mating(db, mating.id, RetireIn().load_or_fail({"retired_on": "2026-03-01"}))
    assert mating.status is MatingStatus.RETIRED
    with pytest.raises(InvalidState, match="retired"):
        colonies.check_plug(
            db,
            mating.id,
            PlugCheckIn().load_or_fail(
                {"checked_on": "2026-03-02", "plug": False, "dam": w.dam.barcode}
            ),
        )
    assert colonies.line_matings(db, w.line.id) == [mating]


def test_pedigree(db, w):
    pups = wean(db, w, litter(db, mate(db, w), 2), ["male", "female"])
    tree = colonies.pedigree(db, pups[0].barcode)
    assert {r.item.id for r in tree["ancestors"]} == {w.sire.id, w.dam.id}
    assert tree["descendants"] == []
    down = colonies.pedigree(db, w.sire.barcode)["descendants"]
    assert {r.item.id for r in down} == {p.id for p in pups}


def test_weights_raise_the_humane_endpoint(db, w):
    code = w.dam.barcode
    first = colonies.weigh(
        db, code, WeightIn().load_or_fail({"weighed_on": "2026-01-01", "grams": 25})
    )
    assert first.alert is None
    fine = colonies.weigh(
        db, code, WeightIn().load_or_fail({"weighed_on": "2026-01-08", "grams": 20.5})
    )
    assert fine.alert is None
    lost = colonies.weigh(
        db, code, WeightIn().load_or_fail({"weighed_on": "2026-01-15", "grams": 20})
    )
    assert lost.alert == "20 % below the baseline of 25 g"
    thin = colonies.weigh(
        db,
        code,
        WeightIn().load_or_fail({"weighed_on": "2026-01-16", "grams": 24, "condition_score": 2}),
    )
    assert thin.alert == "body condition score 2"
    assert [x.alert is not None for x in colonies.weights(db, code)] == [False, False, True, True]


def test_exits(db, w):
    with pytest.raises(ValidationFailed):
        ExitIn().load_or_fail({"exit": "euthanasia", "exit_on": "2026-02-01", "by": "Li"})
    gone = colonies.leave(
        db,
        w.dam.barcode,
        ExitIn().load_or_fail(
            {
                "exit": "euthanasia",
                "exit_on": "2026-02-01",
                "by": "Li",
                "method": "CO2",
                "reason": "humane endpoint",
            }
        ),
    )
    assert gone.status is ItemStatus.DESTROYED and gone.container_id is None
    assert gone.animal.exit_method == "CO2"
    shipped = colonies.leave(
        db,
        w.sire.barcode,
        ExitIn().load_or_fail({"exit": "shipped", "exit_on": "2026-02-01", "by": "Li"}),
    )
    assert shipped.status is ItemStatus.DISTRIBUTED
    with pytest.raises(InvalidState, match="left the colony"):
        mate(db, w, dams=[w.dam2])


def test_what_is_due(db, w):
    mating = mate(db, w)
    born = litter(db, mating)
    waiting = mate(db, w, dams=[w.dam2])  # no plug found yet, no litter
    colonies.weigh(
        db, w.dam.barcode, WeightIn().load_or_fail({"weighed_on": "2026-01-01", "grams": 25})
    )
    today = date(2027, 5, 10)
    lines = [
        line
        for line in colonies.due(db, today)
        if line.record_id in {born.id, mating.id, waiting.id, w.dam.id, w.protocol.id}
    ]
    kinds = {(line.kind, line.record_id) for line in lines}
    assert ("weaning", born.id) in kinds
    assert ("plug_check", waiting.id) in kinds and ("plug_check", mating.id) not in kinds
    assert ("weight", w.dam.id) in kinds
    assert ("protocol_expiry", w.protocol.id) in kinds
    assert all(
        line.collection_id == w.line.collection_id
        for line in lines
        if line.kind != "protocol_expiry"
    )


def test_what_is_due_is_said_in_english_and_chinese(db, w):
    mating = mate(db, w)
    born = litter(db, mating)
    colonies.record_losses(db, born.id, LossIn().load_or_fail({"died": 1}))
    waiting = mate(db, w, dams=[w.dam2])
    colonies.weigh(
        db, w.dam.barcode, WeightIn().load_or_fail({"weighed_on": "2026-01-01", "grams": 25})
    )
    lines = {line.code: line for line in colonies.due(db, date(2027, 5, 10))}
    assert set(lines) == {"weaning_due", "plug_check_due", "weighing_due", "protocol_expiring"}
    said = {code: (line.reason, line.said("zh")) for code, line in lines.items()}
    assert said["weaning_due"] == (
        f"Litter {born.label}, born on 2026-01-05, is due for weaning (5 pup(s) alive).",
        f"窝 {born.label}（2026-01-05 出生）应离乳（存活幼仔 5 只）。",
    )
    assert said["plug_check_due"] == (
        f"Mating {waiting.label} (set up on 2025-12-01) has no plug found yet; check its dams "
        "this morning.",
        f"交配组 {waiting.label}（2025-12-01 合笼）尚未见阴道栓；请于今晨检查其母本。",
    )
    assert said["weighing_due"] == (
        f"{w.dam.barcode} was last weighed on 2026-01-01; weigh it again.",
        f"{w.dam.barcode} 上次称重于 2026-01-01；请再次称重。",
    )
    assert said["protocol_expiring"] == (
        "Protocol P-1 (Breeding of B6-KO) expires on 2027-05-31; renew it before animals are "
        "made under it.",
        "动物实验方案 P-1（Breeding of B6-KO）将于 2027-05-31 到期；请在依此方案繁育动物前续期。",
    )
    assert dict(lines["weaning_due"].params) == {
        "litter": born.label,
        "born_on": "2026-01-05",
        "alive": "5",
    }


def test_every_change_has_sentences(db, w):
    mating = mate(db, w)
    colonies.check_plug(
        db, mating.id, PlugCheckIn().load_or_fail({"checked_on": "2025-12-02", "plug": True})
    )
    born = litter(db, mating, 3)
    colonies.record_losses(db, born.id, LossIn().load_or_fail({"died": 1}))
    pups = wean(db, w, born, ["male"])
    colonies.weigh(
        db, pups[0].barcode, WeightIn().load_or_fail({"weighed_on": "2026-02-01", "grams": 12})
    )
    colonies.leave(
        db,
        pups[0].barcode,
        ExitIn().load_or_fail({"exit": "death", "exit_on": "2026-02-02", "by": "Li"}),
    )
    colonies.retire_mating(db, mating.id, RetireIn().load_or_fail({"retired_on": "2026-03-01"}))
    events = db.query(Event).filter(Event.type == EventType.ANNOTATED).all()
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40})
    for lang in ("en", "zh"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            said = {event_sentence(e.type, e.data) for e in events}
            assert len(said) >= 9, said
            assert not any(s in ("Annotated.", "已备注。") for s in said), said


def test_the_colony_over_http(world):
    """Protocol, mating, plug check, litter, weaning, pedigree, weights and exit through the
    API paths, each answered with what it made."""
    app, tokens, ids = world
    tech, admin = tokens["technician"], tokens["admin"]
    line = call(
        app,
        "POST",
        "/api/v1/materials",
        tokens["curator"],
        {"collection": "API", "kind": "animal_line", "designation": "KO", "taxon_name": "Mus"},
    ).json["id"]
    lot = call(
        app,
        "POST",
        "/api/v1/lots",
        tech,
        {
            "material_id": line,
            "method": "live",
            "preserved_on": "2025-09-01",
            "items": 2,
            "quantity": "1",
            "unit": "animal",
            "form": "animal",
            "generation": "F4",
            "animals": [{"sex": "male"}, {"sex": "female"}],
        },
    ).json
    sire, dam = (item["barcode"] for item in lot["items"])
    protocol = {
        "number": f"HTTP-{line}",
        "title": "Over HTTP",
        "species": "Mus musculus",
        "approved_on": "2025-01-01",
        "expires_on": "2027-12-31",
        "animals_approved": 10,
    }
    assert call(app, "POST", "/api/v1/protocols", tech, protocol).status_code == 403
    assert call(app, "POST", "/api/v1/protocols", admin, protocol).status_code == 201
    assert protocol["number"] in {
        p["number"] for p in call(app, "GET", "/api/v1/protocols", tech).json
    }
    body = {"line_id": line, "sire": sire, "dams": [dam], "set_up_on": "2025-12-01"}
    mating = call(app, "POST", "/api/v1/matings", tech, body).json
    plug = {"checked_on": "2025-12-02", "plug": True}
    assert call(app, "POST", f"/api/v1/matings/{mating['id']}/plugs", tech, plug).json["dam"] == dam
    born = {"born_on": "2026-01-05", "born_alive": 2}
    litter = call(app, "POST", f"/api/v1/matings/{mating['id']}/litters", tech, born).json
    assert litter["wean_due_on"] == "2026-01-26"
    wean = {
        "weaned_on": "2026-01-26",
        "protocol": protocol["number"],
        "pups": [{"sex": "female", "cage": ids["box"], "transponder": "900000000000001"}],
    }
    pups = call(app, "POST", f"/api/v1/litters/{litter['id']}/wean", tech, wean)
    assert pups.status_code == 201, pups.data[:500]
    pup = pups.json[0]
    assert pup["generation"] == "F5" and pup["container"] == ids["box"]
    assert pup["transponder"] == "900000000000001" and pup["birth_date"] == "2026-01-05"
    tree = call(app, "GET", f"/api/v1/animals/{pup['barcode']}/pedigree?depth=2", tech).json
    assert {a["animal"]["barcode"] for a in tree["ancestors"]} == {sire, dam}
    weights = f"/api/v1/animals/{pup['barcode']}/weights"
    assert (
        call(app, "POST", weights, tech, {"weighed_on": "2026-01-27", "grams": 10}).json["alert"]
        is None
    )
    low = call(app, "POST", weights, tech, {"weighed_on": "2026-02-03", "grams": 7.5}).json
    assert low["alert"] == "25 % below the baseline of 10 g"
    assert [w["grams"] for w in call(app, "GET", weights, tech).json] == [10, 7.5]
    leave = {
        "exit": "euthanasia",
        "exit_on": "2026-02-03",
        "by": "Dr Li",
        "method": "CO2",
        "reason": "endpoint",
    }
    gone = call(app, "POST", f"/api/v1/animals/{pup['barcode']}/exit", tech, leave).json
    assert (
        gone["status"] == "destroyed" and gone["exit"] == "euthanasia" and gone["container"] is None
    )
    matings = call(app, "GET", f"/api/v1/lines/{line}/matings", tech).json
    assert matings[0]["litters"][0]["weaned"] == 1 and matings[0]["plug_checks"][0]["plug"]
    assert (
        call(
            app, "GET", f"/api/v1/animals/{pup['barcode']}/pedigree", tokens["requester"]
        ).status_code
        == 403
    )


def test_animals_of_a_live_lot_are_counted_under_their_protocol(db, w):
    made = animals_under(db, w, 2, "P-1")
    assert {item.animal.protocol_id for item in made} == {w.protocol.id}
    db.refresh(w.protocol)
    assert w.protocol.animals_used == 2
    with pytest.raises(InvalidState, match="approves 12 animals of"):
        animals_under(db, w, 11, "P-1")


def animals_under(db, w, count: int, protocol: str) -> list[Item]:
    fields = {
        "method": "live",
        "preserved_on": "2026-01-10",
        "items": count,
        "quantity": "1",
        "unit": "animal",
        "form": "animal",
        "animals": [{"sex": "female", "protocol": protocol}] * count,
    }
    return list(preserve(db, w.line, fields).items)
