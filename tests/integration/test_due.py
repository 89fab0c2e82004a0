"""What is due: each source (overdue requests, low stock, cell culture tests), who sees which
lines, their order, the API with its filters, the page in both languages, and the daily
digest with its idempotency."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Date, func, literal, select

from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Lot, OutboxMessage, StockAlert
from repository.models.base import utcnow
from repository.schemas.inventory import QcSchema
from repository.schemas.sharing import RequestSchema
from repository.services import accounts, cell_culture, due, inventory, sharing
from repository.services.accounts import Principal
from repository.sql import months_later
from repository.vocabulary import RequestStatus, Role
from tests.clients import call, logged_in
from tests.databases import migrated
from tests.factories import add_collection, add_material, preserve
from tests.sharing import DESTINATION, build

TODAY = date(2026, 6, 15)
VIALS = {
    "method": "ln2_vapour",
    "preserved_on": "2026-01-10",
    "items": 2,
    "quantity": "1000000",
    "unit": "cells",
    "form": "cryovial",
    "passage_number": 3,
}


@pytest.fixture
def w(db) -> SimpleNamespace:
    """The sharing world (SHR, SEED, BIO and their curators) plus cell bank CELL, tested every
    6 months, with a curator and a cell line; an overdue request to SHR and a stock alert."""
    w = build(db)
    home = w.lot.material.collection.organisation
    w.cell = add_collection(
        db, {"code": "CELL", "name": "Cells", "kind": "cell_bank", "organisation": home.name}
    )
    w.cell.qc_every_months = 6
    accounts.register_user(db, "curator.cell@example.org", "C", roles=[(Role.CURATOR, "CELL")])
    w.line = add_material(
        db, "CELL", {"kind": "cell_line", "designation": "HeLa", "taxon_name": "Homo sapiens"}
    )
    body = {"lines": [{"material_id": w.strain.id, "form": "cryovial", "quantity": 1}]}
    w.request, _ = sharing.create_request(
        db, w.requester, RequestSchema().load_or_fail({**body, **DESTINATION})
    )
    sharing.submit(db, w.request)
    w.request.changed_at = utcnow() - timedelta(days=20)
    w.alert = StockAlert(material_id=w.strain.id, kind="re_culture", available=1, threshold=3)
    db.add(w.alert)
    db.flush()
    return w


def qc(db, lot: Lot, test: str, tested_on: date, outcome: str = "pass") -> None:
    given = {"test": test, "outcome": outcome, "tested_on": tested_on.isoformat()}
    inventory.record_qc(db, lot.id, QcSchema().load_or_fail(given))


def principal(db, email: str) -> Principal:
    found = accounts.user_principal(db, accounts.get_user(db, email).id)
    assert found is not None
    return found


MINE = ("request", "low_stock", "cell_culture")  # the sources these tests make work for
ADMIN = Principal(user_id=-1, roles=frozenset({Role.ADMIN}))
TECHNICIAN = Principal(user_id=-2, roles=frozenset({Role.TECHNICIAN}))


def test_an_overdue_request_waiting_for_the_collection_is_due(db, w):
    today = utcnow().date()
    lines = due.gather(db, today, ["request"])
    assert [(line.record, line.record_id) for line in lines] == [("request", w.request.id)]
    line = lines[0]
    assert line.kind == "request" and line.collection_id == w.request.collection_id
    assert line.due_on == (w.request.changed_at + timedelta(days=14)).date()
    assert line.overdue(today) and "submitted" in line.reason
    assert "等待保藏机构处理" in line.said("zh") and "已提交" in line.said("zh")
    assert due.gather(db, today, ["request"], sources={"request": sharing.due}) == lines
    assert sharing.due(db, today, days=30) == []  # not overdue yet under a longer limit
    w.request.changed_at = utcnow()
    db.flush()
    assert due.gather(db, today, ["request"]) == []


def test_a_request_waiting_for_the_lab_is_not_the_staffs(db, w):
    sharing.start_review(db, w.request)
    w.request.status = RequestStatus.APPROVED  # the lab must accept the agreement
    w.request.changed_at = utcnow() - timedelta(days=40)
    db.flush()
    assert due.gather(db, utcnow().date(), ["request"]) == []


def test_an_open_stock_alert_is_due_since_it_was_raised(db, w):
    today = utcnow().date()
    [line] = due.gather(db, today, ["low_stock"])
    assert (line.record, line.record_id, line.kind) == ("material", w.strain.id, "low_stock")
    assert line.due_on == today and not line.overdue(today)
    assert line.reason == "1 available, below the threshold of 3: re-culture."
    assert line.said("zh") == "可用 1 份，低于阈值 3：需重新培养。"
    w.alert.resolved_at = utcnow()
    db.flush()
    assert due.gather(db, today, ["low_stock"]) == []


def test_cell_culture_tests_due_or_missing_under_the_schedule(db, w):
    untested = preserve(db, w.line, VIALS)
    stale = preserve(db, w.line, VIALS)
    qc(db, stale, "mycoplasma", date(2025, 12, 1))
    qc(db, stale, "sterility", TODAY)
    fresh = preserve(db, w.line, VIALS)
    qc(db, fresh, "mycoplasma", TODAY - timedelta(days=10))
    qc(db, fresh, "sterility", TODAY - timedelta(days=10))
    lines = cell_culture.due(db, TODAY)
    found = {(line.record_id, line.code, dict(line.params)["test"]): line for line in lines}
    assert set(found) == {
        (untested.id, "test_missing", "mycoplasma"),
        (untested.id, "test_missing", "sterility"),
        (stale.id, "test_due", "mycoplasma"),
    }
    missing = found[(untested.id, "test_missing", "mycoplasma")]
    assert missing.due_on == date(2026, 1, 10) and missing.record == "lot"
    assert "no passing mycoplasma test" in missing.reason and "6 month(s)" in missing.reason
    assert "支原体" in missing.said("zh") and "6 个月" in missing.said("zh")
    assert found[(stale.id, "test_due", "mycoplasma")].due_on == date(2026, 6, 1)
    # The holds agree: the lot with a test due is held back, the fresh one is not.
    held = cell_culture.holds(db, [w.line.id], TODAY)
    assert untested.id in held and stale.id in held and fresh.id not in held
    # Due ahead: the fresh lot's tests fall due six months after them.
    ahead = {line.record_id for line in cell_culture.due(db, date(2026, 12, 10))}
    assert fresh.id in ahead


@pytest.mark.parametrize(
    ("day", "months", "later"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 3, 15), 6, date(2026, 9, 15)),
        (date(2026, 10, 31), 14, date(2027, 12, 31)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
    ],
)
def test_a_schedule_s_months_end_on_the_same_day_or_the_month_s_last(db, day, months, later):
    assert db.scalar(select(months_later(literal(day, Date), months))) == later
    assert cell_culture.months_before(day, -months) == later  # as the holds count them


def test_quarantined_lots_and_unscheduled_collections_owe_no_tests(db, w):
    lot = preserve(db, w.line, VIALS)
    qc(db, lot, "mycoplasma", TODAY, outcome="fail")
    assert cell_culture.due(db, TODAY) == []
    w.cell.qc_every_months = None
    preserve(db, w.line, VIALS)
    db.flush()
    assert cell_culture.due(db, TODAY) == []


def test_each_principal_sees_the_lines_of_their_collections(db, w):
    preserve(db, w.line, VIALS)
    today = utcnow().date()
    everything = due.gather(db, today, MINE)
    assert {line.kind for line in everything} == set(MINE)
    shr, cell = w.strain.collection_id, w.cell.id
    assert due.due_list(db, ADMIN, today, MINE) == everything
    assert due.due_list(db, TECHNICIAN, today, MINE) == everything
    by_shr = due.due_list(db, principal(db, "curator.shr@example.org"), today, MINE)
    assert by_shr and {line.collection_id for line in by_shr} == {shr}
    by_cell = due.due_list(db, principal(db, "curator.cell@example.org"), today, MINE)
    assert by_cell and {line.collection_id for line in by_cell} == {cell}
    assert due.due_list(db, principal(db, "curator.seed@example.org"), today, MINE) == []
    assert due.due_list(db, principal(db, w.requester.email), today) == []
    assert due.due_list(db, ADMIN, today, ["low_stock"]) == [
        line for line in everything if line.kind == "low_stock"
    ]


def test_overdue_lines_come_first_then_by_date(db, w):
    preserve(db, w.line, VIALS)
    today = utcnow().date()
    lines = due.due_list(db, ADMIN, today, MINE)
    keys = [(not line.overdue(today), line.due_on) for line in lines]
    assert keys == sorted(keys) and lines[-1].kind == "low_stock"  # raised today: not overdue
    assert lines[0].overdue(today)


def test_a_source_is_one_entry_of_the_registry(db, w):
    extra = due.DueLine("extra", "lot", 1, "L1", "Because.", TODAY - timedelta(days=1), w.cell.id)
    sources = {**due.SOURCES, "extra": lambda _session, _today: [extra]}
    lines = due.due_list(db, ADMIN, TODAY, ["extra"], sources=sources)
    assert lines == [extra] and extra.said("zh") == "Because."
    assert set(due.SOURCES) >= {"request", "low_stock", "cell_culture"}


def test_a_page_is_the_lists_lines_with_its_counts_by_kind(db, w):
    """Seed lots never tested (a rule in SQL) beside the requests, alerts and cell culture
    tests: each page is the whole list's slice, the counts are the whole list's."""
    preserve(db, w.line, VIALS)
    seed = add_material(
        db, "SEED", {"kind": "seed", "designation": "IR64", "taxon_name": "Oryza sativa"}
    )
    packets = {"method": "dried_seed_minus18", "items": 2, "quantity": "500"}
    lots = {
        preserve(db, seed, {**packets, "preserved_on": day, "unit": "seeds", "form": "seed_packet"})
        for day in ("2026-01-10", "2025-03-01", "2026-01-10")
    }
    today = utcnow().date()
    curators = ("curator.shr@example.org", "curator.seed@example.org", w.requester.email)
    for who in (ADMIN, *[principal(db, email) for email in curators]):
        whole = due.due_list(db, who, today)
        for offset, limit in ((0, 2), (1, 3), (2, 50), (len(whole), 5)):
            found = due.page(db, who, today, offset=offset, limit=limit)
            assert found.lines == whole[offset : offset + limit]
            assert found.counts == Counter(line.kind for line in whole)
            assert found.total == len(whole)
    everything = due.due_list(db, ADMIN, today)
    untested = {line.record_id for line in everything if line.kind == "germination_test"}
    assert untested >= {lot.id for lot in lots}
    seeds = due.page(db, ADMIN, today, ["seed_bank"], within=[seed.collection_id])
    assert seeds.lines == [line for line in everything if line.kind == "germination_test"]
    assert due.page(db, ADMIN, today, within=[None]).lines == []  # no line of no collection
    # a rule's lines are counted up to `counted` beyond the page; a kind cut short is named
    cut = due.page(db, ADMIN, today, ["seed_bank"], limit=1, counted=1)
    assert cut.lines == seeds.lines[:1]
    assert cut.counts == {"germination_test": 2} and cut.more == {"germination_test"}
    whole_count = due.page(db, ADMIN, today, ["seed_bank"], limit=1, counted=len(untested))
    assert whole_count.counts == {"germination_test": len(untested)} and not whole_count.more


def test_the_digest_is_sent_once_a_day_to_each_staff_person_with_work(db, w):
    preserve(db, w.line, VIALS)
    today = utcnow().date()
    accounts.register_user(db, "tech@example.org", "T", roles=[(Role.TECHNICIAN, None)])
    mine = {kind: due.SOURCES[kind] for kind in MINE}
    assert due.digest(db, today, sources=mine) == 3  # the technician, SHR's and CELL's curators

    def digests(day: date) -> dict[str, str]:
        return dict(
            db.execute(
                select(OutboxMessage.recipient, OutboxMessage.body).where(
                    OutboxMessage.subject == f"{due.DIGEST}{day.isoformat()}"
                )
            ).all()
        )

    sent = digests(today)
    assert set(sent) == {"tech@example.org", "curator.shr@example.org", "curator.cell@example.org"}
    assert w.request.number in sent["curator.shr@example.org"]
    assert w.request.number not in sent["curator.cell@example.org"]
    assert "(overdue)" in sent["tech@example.org"] and "/due" in sent["tech@example.org"]
    assert due.digest(db, today, sources=mine) == 0  # idempotent within the day
    assert len(digests(today)) == 3
    assert due.digest(db, today + timedelta(days=1), sources=mine) == 3  # the next day's


def test_the_digest_command_queues_and_then_queues_nothing_new(tmp_path, monkeypatch, runner):
    url = migrated(f"sqlite:///{tmp_path / 'due.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        build(db)
        db.add(StockAlert(material_id=1, kind="re_culture", available=0, threshold=2))
    monkeypatch.setenv("DATABASE_URL", url)
    first = runner.invoke(["due", "digest"])
    assert first.exit_code == 0, first.output
    assert "Queued 0 " not in first.output and "Queued " in first.output  # SHR's curator...
    with engine.connect() as connection:
        queued = connection.scalar(select(func.count()).select_from(OutboxMessage))
        assert (
            connection.scalar(
                select(OutboxMessage.recipient).where(OutboxMessage.body.contains("re-culture"))
            )
            == "curator.shr@example.org"
        )
    second = runner.invoke(["due", "digest"])
    assert second.exit_code == 0 and "Queued 0 digest(s)." in second.output
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(OutboxMessage)) == queued
    engine.dispose()


# The API and the page, on the shared world: an open stock alert of collection API.


def listed(world, role: str, query: str = "") -> tuple[int, list, dict]:
    response = call(world.app, "GET", f"/api/v1/due{query}", world.tokens[role])
    data = response.get_json()
    pages = json.loads(response.headers.get("X-Pagination", "{}"))
    return response.status_code, data, pages


def test_the_api_lists_what_is_due_to_staff(world):
    status, data, pages = listed(world, "curator")
    assert status == 200 and pages["total"] == 1
    [line] = data
    assert line["kind"] == "low_stock" and line["record"] == "material"
    assert line["record_id"] == world.ids["open"] and line["code"] == "low_stock"
    assert line["params"]["threshold"] == "3" and line["overdue"] is False
    assert line["due_on"] == utcnow().date().isoformat()
    for role in ("admin", "technician"):
        assert listed(world, role)[1] == data
    assert listed(world, "other_curator")[1] == []


def test_the_api_filters_by_kind_collection_and_day(world):
    assert listed(world, "admin", "?kind=low_stock")[1] != []
    assert listed(world, "admin", "?kind=cell_culture")[1] == []
    assert listed(world, "admin", "?collection=API")[1] != []
    assert listed(world, "admin", "?collection=OTH")[1] == []
    assert listed(world, "admin", "?collection=NONE")[1] == []
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    assert listed(world, "admin", f"?until={yesterday}")[1] == []
    status, data, pages = listed(world, "admin", "?page=2&page_size=1")
    assert status == 200 and data == [] and pages["total"] == 1


def test_the_due_list_is_in_the_openapi_document(world):
    spec = call(world.app, "GET", "/api/v1/openapi.json").get_json()
    assert "/api/v1/due" in spec["paths"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["What is due", "Low stock", "below the threshold of 3: re-culture"]),
        ("zh", ["待办事项", "库存不足", "低于阈值 3：需重新培养"]),
    ],
)
def test_the_page_says_why_and_links_where_it_is_done(world, language, words):
    client = logged_in(world.app, "curator")
    client.set_cookie("lang", language)
    page = client.get("/due")
    assert page.status_code == 200
    html = page.data.decode()
    for word in words:
        assert word in html
    assert f'href="/materials/{world.ids["open"]}"' in html
    assert 'href="/due"' in client.get("/").data.decode()  # in the navigation


def test_staff_start_on_what_is_due_and_requesters_keep_their_home(world):
    for role, home in (("technician", "/due"), ("requester", "/")):
        client = logged_in(world.app, None)
        form = client.get("/login").data.decode()
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        sent = client.post(
            "/login",
            data={
                "email": f"{role}@example.org",
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        assert sent.status_code == 303 and sent.headers["Location"] == home
    requester = logged_in(world.app, "requester")
    assert requester.get("/due").status_code == 403
