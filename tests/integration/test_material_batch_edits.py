"""Batch edits of materials: a preview with the fields before and after and the refusals, a
commit with the audit and events of single edits, the batch read back, its undo (refused for
materials changed since, or undoing only the others); a sheet keyed by accession number; a
material requesters hold refuses a less open access level, for a batch as for a single edit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from repository.audit import plain, verify
from repository.db import unit_of_work
from repository.errors import Conflict, ValidationFailed
from repository.models import AuditEntry, Event, ItemBatch, Material
from repository.schemas.batch_edits import Undo
from repository.schemas.material_batch_edits import MaterialBatchEditIn
from repository.schemas.sharing import RequestSchema
from repository.services import material_batch_edits, materials, sharing
from repository.services.accounts import Principal
from repository.vocabulary import AccessLevel, EventType, Role
from tests.clients import call, send
from tests.factories import add_material
from tests.sharing import DESTINATION, build, collection

BASE = "/api/v1/materials/batch-edits"
PREVIEW, COMMIT = f"{BASE}/preview", BASE
SHEET_PREVIEW, SHEET = f"{BASE}/sheet/preview", f"{BASE}/sheet"


def own_materials(world, name: str, count: int = 3, code: str = "API") -> list[str]:
    """`count` open strains of the test's own in collection `code` (their designations start
    with `name`), by accession number."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return [
            add_material(
                db,
                code,
                {"kind": "strain", "designation": f"{name} {n}", "taxon_name": "Bacillus cereus"},
            ).accession_number
            for n in range(count)
        ]


def fields_of(world, numbers: list[str], *names: str) -> list[tuple]:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        found = {
            m.accession_number: tuple(
                getattr(m, n).value if hasattr(getattr(m, n), "value") else getattr(m, n)
                for n in names
            )
            for m in db.scalars(select(Material).where(Material.accession_number.in_(numbers)))
        }
    return [found[n] for n in numbers]


def post(world, path: str, body: dict, role: str = "curator"):
    return call(world.app, "POST", path, world.tokens[role], body)


def sheet(world, path: str, data: bytes, role: str = "curator", **form):
    return send(world.app, "POST", path, world.tokens[role], {"file": (data, "c.csv"), **form})


def material_id(world, number: str) -> int:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return db.scalar(select(Material.id).where(Material.accession_number == number))


def test_preview_commit_read_and_undo(world):
    app, tokens, _ = world
    numbers = own_materials(world, "Mbatch one")
    first = material_id(world, numbers[0])
    patched = call(app, "GET", f"/api/v1/materials/{first}", tokens["curator"])
    done = call(
        app,
        "PATCH",
        f"/api/v1/materials/{first}",
        tokens["curator"],
        {"access_level": "restricted", "remarks": "Checked 2026."},
        {"If-Match": patched.headers["ETag"]},
    )
    assert done.status_code == 200, done.json
    before = fields_of(world, numbers, "access_level", "remarks")
    body = {
        "search": {"q": "Mbatch one"},
        "changes": {"access_level": "restricted", "remarks": "Checked 2026."},
    }

    shown = post(world, PREVIEW, {**body, "page_size": 2})
    assert shown.status_code == 200, shown.json
    counts = {k: shown.json[k] for k in ("matched", "updated", "unchanged", "refused")}
    assert counts == {"matched": 3, "updated": 2, "unchanged": 1, "refused": 0}
    line = shown.json["lines"][0]
    assert (line["outcome"], line["collection"]) == ("updated", "API")
    assert line["old"] == {"access_level": "open", "remarks": None}
    assert line["new"] == {"access_level": "restricted", "remarks": "Checked 2026."}
    assert fields_of(world, numbers, "access_level", "remarks") == before  # nothing written

    made = post(world, COMMIT, body)
    assert made.status_code == 201, made.json
    batch = made.json
    assert (batch["kind"], batch["matched"], batch["updated"], batch["unchanged"]) == (
        "material",
        3,
        2,
        1,
    )
    assert batch["source"] == "search" and batch["query"] == {"q": "Mbatch one"}
    assert fields_of(world, numbers, "access_level") == [("restricted",)] * 3
    with unit_of_work(app.extensions["biorepo"]) as db:
        ids = [
            i for i in db.scalars(select(Material.id).where(Material.accession_number.in_(numbers)))
        ]
        events = db.scalars(
            select(Event.data).where(
                Event.material_id.in_(ids),
                Event.type == EventType.ANNOTATED,
                Event.data["batch"].as_integer() == batch["id"],
            )
        ).all()
        assert len(events) == 2
        assert all(e["changed"] == ["access_level", "remarks"] for e in events)
        audited = db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.table_name == "materials", AuditEntry.row_id.in_(map(str, ids)))
        )
        assert audited >= 3  # the single edit's, and the batch's two
        assert verify(db) is None

    items = call(app, "GET", "/api/v1/items/batch-edits", tokens["technician"]).json
    assert batch["id"] not in [b["id"] for b in items]  # the items' list keeps to items
    listed = call(app, "GET", BASE, tokens["curator"]).json
    assert listed[0]["id"] == batch["id"]
    read = call(app, "GET", f"{BASE}/{batch['id']}", tokens["curator"]).json
    assert (read["total"], read["changed_since"]) == (2, 0)
    gone = call(app, "GET", f"/api/v1/items/batch-edits/{batch['id']}", tokens["technician"])
    assert gone.status_code == 404  # not an item batch

    later = material_id(world, numbers[1])
    etag = call(app, "GET", f"/api/v1/materials/{later}", tokens["curator"]).headers["ETag"]
    again = call(
        app,
        "PATCH",
        f"/api/v1/materials/{later}",
        tokens["curator"],
        {"remarks": "Changed again."},
        {"If-Match": etag},
    )
    assert again.status_code == 200, again.json
    refused = post(world, f"{BASE}/{batch['id']}/undo", {})
    assert refused.status_code == 409, refused.json
    assert numbers[1] in refused.json["detail"] and "Nothing was undone" in refused.json["detail"]
    assert fields_of(world, numbers, "access_level")[2] == ("restricted",)

    undone = post(world, f"{BASE}/{batch['id']}/undo", {"only_unchanged": True})
    assert undone.status_code == 200, undone.json
    assert undone.json["undone"] == 1
    after = fields_of(world, numbers, "access_level", "remarks")
    assert after == [before[0], ("restricted", "Changed again."), before[2]]
    read = call(app, "GET", f"{BASE}/{batch['id']}", tokens["curator"]).json
    assert [line["undone"] for line in read["lines"]] == [False, True]
    twice = post(world, f"{BASE}/{batch['id']}/undo", {"only_unchanged": True})
    assert twice.status_code == 409 and "undone already" in twice.json["detail"]


def test_a_sheet_keyed_by_accession_number(world):
    numbers = own_materials(world, "Msheet", 2)
    data = (
        "accession_number,risk_group,ipr\n"
        f"{numbers[0]},2,Patent pending\n"
        f"{numbers[1]},1,\n"
        "NO-SUCH-1,2,\n"
    ).encode()
    shown = sheet(world, SHEET_PREVIEW, data)
    assert shown.status_code == 200, shown.json
    assert (shown.json["updated"], shown.json["unchanged"], shown.json["refused"]) == (1, 1, 1)
    assert (
        shown.json["lines"][0]["reason"] == "No material NO-SUCH-1 in the collections you curate."
    )
    assert shown.json["lines"][0]["line"] == 4

    refused = sheet(world, SHEET, data)
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"]["materials"] == [
        "NO-SUCH-1: No material NO-SUCH-1 in the collections you curate."
    ]
    assert fields_of(world, numbers, "risk_group", "ipr") == [(1, None), (1, None)]

    made = sheet(world, SHEET, data, skip_refused="true")
    assert made.status_code == 201, made.json
    assert (made.json["source"], made.json["updated"], made.json["refused"]) == ("sheet", 1, 1)
    assert fields_of(world, numbers, "risk_group", "ipr") == [(2, "Patent pending"), (1, None)]
    back = post(world, f"{BASE}/{made.json['id']}/undo", {})
    assert back.status_code == 200, back.json
    assert fields_of(world, numbers, "risk_group", "ipr") == [(1, None), (1, None)]


def test_the_search_keeps_to_the_collections_one_curates(world):
    own_materials(world, "Mtheirs", 2, code="OTH")
    numbers = own_materials(world, "Mtheirs", 1)
    shown = post(world, PREVIEW, {"search": {"q": "Mtheirs"}, "changes": {"risk_group": 2}})
    assert shown.status_code == 200 and shown.json["matched"] == 1
    assert shown.json["lines"][0]["accession_number"] == numbers[0]
    every = post(
        world, PREVIEW, {"search": {"q": "Mtheirs"}, "changes": {"risk_group": 2}}, "admin"
    )
    assert every.json["matched"] == 3


@pytest.fixture
def held(world):
    """The sharing world (its own collections) with a request of its open strain submitted,
    in a transaction rolled back after the test; the curator of its strains."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        w = build(db, vials=2, prefix="MB")
        body = {
            "lines": [{"material_id": w.strain.id, "form": "cryovial", "quantity": 1}],
            "submit": True,
            "purpose": "Teaching.",
            **DESTINATION,
        }
        request, _ = sharing.create_request(db, w.requester, RequestSchema().load_or_fail(body))
        who = Principal(
            user_id=None,
            roles=frozenset({Role.CURATOR}),
            curated=frozenset({collection(db, "MBSHR").id}),
        )
        yield SimpleNamespace(db=db, w=w, request=request, who=who)
        db.rollback()


def test_a_seed_requested_under_the_smta_stays_in_the_multilateral_system(held):
    """A seed a request in progress holds cannot move out of the MLS (nor a seed out of it
    into it): the request's agreement was chosen by it. Other MLS codes that keep it in or out
    are no harm."""
    db, seed = held.db, held.w.seed
    body = {
        "lines": [{"material_id": seed.id, "form": "seed_packet", "quantity": 1}],
        "submit": True,
        "purpose": "Breeding.",
        "phytosanitary_certificate": "PC-2026-118",
        **DESTINATION,
    }
    request, _ = sharing.create_request(db, held.w.requester, RequestSchema().load_or_fail(body))
    with pytest.raises(Conflict, match="the SMTA") as caught:
        materials.edit_material(db, seed, {"mls_status": 0})
    assert request.number in str(caught.value) and caught.value.field == "mls_status"
    assert seed.mls_status == 1
    admin = Principal(user_id=None, roles=frozenset({Role.ADMIN}), curated=frozenset())
    command = MaterialBatchEditIn().load_or_fail(
        {"search": {"kind": "seed", "q": seed.accession_number}, "changes": {"mls_status": 99}}
    )
    refused = [
        line
        for line in material_batch_edits.preview(db, admin, command).lines
        if line.outcome == "refused"
    ]
    assert [line.accession_number for line in refused] == [seed.accession_number]
    assert "Multilateral System" in (refused[0].reason or "")
    materials.edit_material(db, seed, {"mls_status": 1, "remarks": "Checked."})  # still in


def test_an_access_level_requesters_hold_the_material_under_is_refused(held):
    db, strain = held.db, held.w.strain
    assert strain.access_level is AccessLevel.OPEN
    command = MaterialBatchEditIn().load_or_fail(
        {"search": {"collection": "MBSHR"}, "changes": {"access_level": "internal"}}
    )
    shown = material_batch_edits.preview(db, held.who, command)
    refused = [line for line in shown.lines if line.outcome == "refused"]
    assert [line.accession_number for line in refused] == [strain.accession_number]
    assert held.request.number in (refused[0].reason or "")
    assert "cannot become internal" in (refused[0].reason or "")
    with pytest.raises(ValidationFailed) as whole:
        material_batch_edits.commit(db, held.who, command)
    assert f"{strain.accession_number}: " in str(whole.value.errors["materials"])
    assert strain.access_level is AccessLevel.OPEN
    with pytest.raises(Conflict, match="cannot become internal"):  # a single edit: the same rule
        materials.edit_material(db, strain, {"access_level": AccessLevel.INTERNAL})
    # more open is no harm; the others go when refused ones are left out
    skip = MaterialBatchEditIn().load_or_fail(
        {
            "search": {"collection": "MBSHR"},
            "changes": {"access_level": "internal"},
            "skip_refused": True,
        }
    )
    batch = material_batch_edits.commit(db, held.who, skip)
    assert batch.refused == 1 and strain.access_level is AccessLevel.OPEN
    assert db.get(ItemBatch, batch.id) is not None
    back = material_batch_edits.undo(db, held.who, batch.id, Undo())
    assert back.undone == batch.updated


# --- a kind's own fields -----------------------------------------------------------------------


def kinds_of(world, name: str) -> dict[str, str]:
    """Two strains, a seed and a specimen of the test's own (designations starting with
    `name`), their accession numbers by what they are."""
    made = {
        "strain": {"kind": "strain", "taxon_name": "Bacillus cereus"},
        "strain 2": {"kind": "strain", "taxon_name": "Bacillus cereus"},
        "seed": {"kind": "seed", "taxon_name": "Oryza sativa"},
        "specimen": {"kind": "specimen", "taxon_name": "Homo sapiens", "specimen_type": "serum"},
    }
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return {
            what: add_material(
                db, "API", {**fields, "designation": f"{name} {what}"}
            ).accession_number
            for what, fields in made.items()
        }


def patch(world, number: str, body: dict):
    found = material_id(world, number)
    path = f"/api/v1/materials/{found}"
    etag = call(world.app, "GET", path, world.tokens["curator"]).headers["ETag"]
    return call(world.app, "PATCH", path, world.tokens["curator"], body, {"If-Match": etag})


def last_audit(world, number: str) -> tuple[int, dict | None, dict | None]:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        entry = db.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.table_name == "materials",
                AuditEntry.row_id == str(material_id(world, number)),
            )
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None
        return entry.id, entry.before, entry.after


def test_a_single_edit_sets_and_clears_a_kind_s_own_fields(world):
    numbers = kinds_of(world, "Mkind single")
    strain, specimen = numbers["strain"], numbers["specimen"]
    done = patch(
        world,
        strain,
        {"growth_temperature_c": 37, "growth_medium": "LB", "form_of_supply": ["agar", "frozen"]},
    )
    assert done.status_code == 200, done.json
    assert fields_of(
        world, [strain], "growth_temperature_c", "growth_medium", "form_of_supply"
    ) == [(37.0, "LB", ["agar", "frozen"])]
    _, before, after = last_audit(world, strain)
    assert before == {"growth_temperature_c": None, "growth_medium": None, "form_of_supply": []}
    assert after == {
        "growth_temperature_c": 37,
        "growth_medium": "LB",
        "form_of_supply": ["agar", "frozen"],
    }
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        said = db.scalars(
            select(Event.data)
            .where(
                Event.material_id == material_id(world, strain),
                Event.type == EventType.ANNOTATED,
            )
            .order_by(Event.id.desc())
        ).first()
        assert said == {"changed": ["form_of_supply", "growth_medium", "growth_temperature_c"]}
        assert verify(db) is None
    cleared = patch(world, strain, {"growth_medium": None})
    assert cleared.status_code == 200, cleared.json
    assert fields_of(world, [strain], "growth_medium") == [(None,)]
    assert last_audit(world, strain)[1:] == ({"growth_medium": "LB"}, {"growth_medium": None})

    frozen = patch(
        world,
        specimen,
        {"storage_temperature": "-80 °C", "collected_at": "2025-03-01T09:30:00+08:00"},
    )
    assert frozen.status_code == 200, frozen.json
    _, before, after = last_audit(world, specimen)
    assert before == {"storage_temperature": None, "collected_at": None}
    assert after == {"storage_temperature": "-80 °C", "collected_at": "2025-03-01T01:30:00.000000"}


def test_a_field_of_another_kind_is_a_422_and_nothing_is_written(world):
    numbers = kinds_of(world, "Mkind wrong")
    seed = numbers["seed"]
    entry = last_audit(world, seed)[0]
    refused = patch(world, seed, {"remarks": "Warm.", "growth_temperature_c": 30})
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"] == {
        "growth_temperature_c": ["growth_temperature_c is not a field of a seed."]
    }
    assert fields_of(world, [seed], "remarks") == [(None,)]
    assert last_audit(world, seed)[0] == entry  # nothing audited
    for keyed in ({"cellosaurus_id": "CVCL_0030"}, {"donor": "D001"}, {"str_profile": {}}):
        response = patch(world, numbers["specimen"], keyed)
        assert response.status_code == 422, response.json
        assert list(keyed) == list(response.json["errors"]), response.json


def test_a_batch_sets_a_kind_s_field_refusing_the_other_kinds_and_undoes_it(world):
    numbers = kinds_of(world, "Mkind batch")
    strains = [numbers["strain"], numbers["strain 2"]]
    body = {
        "search": {"q": "Mkind batch"},
        "changes": {"growth_temperature_c": 28.5, "remarks": "Grows cool."},
    }
    shown = post(world, PREVIEW, body)
    assert shown.status_code == 200, shown.json
    counts = [shown.json[k] for k in ("matched", "updated", "unchanged", "refused")]
    assert counts == [4, 2, 0, 2]
    refused = {line["accession_number"]: line["reason"] for line in shown.json["lines"][:2]}
    assert refused == {
        numbers["seed"]: "growth_temperature_c is not a field of a seed.",
        numbers["specimen"]: "growth_temperature_c is not a field of a specimen.",
    }
    updated = shown.json["lines"][2]
    assert updated["old"] == {"growth_temperature_c": None, "remarks": None}
    assert updated["new"] == {"growth_temperature_c": 28.5, "remarks": "Grows cool."}

    whole = post(world, COMMIT, body)
    assert whole.status_code == 422, whole.json
    assert (
        f"{numbers['seed']}: growth_temperature_c is not a field of a seed."
        in (whole.json["errors"]["materials"])
    )
    assert fields_of(world, strains, "growth_temperature_c") == [(None,), (None,)]

    made = post(world, COMMIT, {**body, "skip_refused": True})
    assert made.status_code == 201, made.json
    assert (made.json["updated"], made.json["refused"]) == (2, 2)
    assert (
        fields_of(world, strains, "growth_temperature_c", "remarks") == [(28.5, "Grows cool.")] * 2
    )
    assert last_audit(world, strains[0])[1:] == (
        {"growth_temperature_c": None, "remarks": None},
        {"growth_temperature_c": 28.5, "remarks": "Grows cool."},
    )
    read = call(world.app, "GET", f"{BASE}/{made.json['id']}", world.tokens["curator"]).json
    assert (read["total"], read["changed_since"]) == (2, 0)
    assert read["lines"][0]["new"] == {"growth_temperature_c": 28.5, "remarks": "Grows cool."}
    back = post(world, f"{BASE}/{made.json['id']}/undo", {})
    assert back.status_code == 200, back.json
    assert fields_of(world, strains, "growth_temperature_c", "remarks") == [(None, None)] * 2
    assert last_audit(world, strains[1])[1:] == (
        {"growth_temperature_c": 28.5, "remarks": "Grows cool."},
        {"growth_temperature_c": None, "remarks": None},
    )


def test_a_sheet_sets_each_kind_s_fields_and_clears_optional_ones(world):
    numbers = kinds_of(world, "Mkind sheet")
    strain, seed, specimen = numbers["strain"], numbers["seed"], numbers["specimen"]
    data = (
        "accession_number,growth_medium,form_of_supply,crop_name,storage_types,"
        "storage_temperature,collected_at,remarks\n"
        f"{strain},LB,agar;frozen,,,,,Kept.\n"
        f"{seed},,,Rice,11;13,,,Kept.\n"
        f"{specimen},,,,,-80 °C,2025-03-01T09:30:00+00:00,Kept.\n"
    ).encode()
    made = sheet(world, SHEET, data)
    assert made.status_code == 201, made.json
    assert made.json["updated"] == 3
    assert fields_of(world, [strain], "growth_medium", "form_of_supply") == [
        ("LB", ["agar", "frozen"])
    ]
    assert fields_of(world, [seed], "crop_name", "storage_types") == [("Rice", [11, 13])]
    assert fields_of(world, [specimen], "storage_temperature") == [("-80 °C",)]

    clearing = (
        "accession_number,growth_medium,form_of_supply,storage_types,collected_at,remarks\n"
        f"{strain},(clear),(clear),,,(clear)\n"
        f"{seed},,,(clear),,\n"
        f"{specimen},,,,(clear),(clear)\n"
    ).encode()
    shown = sheet(world, SHEET_PREVIEW, clearing)
    assert shown.status_code == 200, shown.json
    lines = {line["accession_number"]: line for line in shown.json["lines"]}
    assert lines[strain]["new"] == {"growth_medium": None, "form_of_supply": [], "remarks": None}
    assert lines[specimen]["old"] == {
        "collected_at": "2025-03-01T09:30:00.000000",
        "remarks": "Kept.",
    }
    cleared = sheet(world, SHEET, clearing)
    assert cleared.status_code == 201, cleared.json
    assert fields_of(world, [strain], "growth_medium", "form_of_supply", "remarks") == [
        (None, [], None)
    ]
    assert fields_of(world, [seed], "storage_types", "remarks") == [([], "Kept.")]
    assert fields_of(world, [specimen], "collected_at", "remarks") == [(None, None)]
    back = post(world, f"{BASE}/{cleared.json['id']}/undo", {})
    assert back.status_code == 200, back.json
    assert fields_of(world, [seed], "storage_types") == [([11, 13],)]
    assert fields_of(world, [strain], "form_of_supply", "remarks") == [
        (["agar", "frozen"], "Kept.")
    ]
    (collected,) = fields_of(world, [specimen], "collected_at")[0]
    assert plain(collected) == "2025-03-01T09:30:00.000000"

    other = sheet(world, SHEET, f"accession_number,crop_name\n{strain},Wheat\n".encode())
    assert other.status_code == 422, other.json
    assert other.json["errors"]["materials"] == [f"{strain}: crop_name is not a field of a strain."]
