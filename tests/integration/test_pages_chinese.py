"""The pages in Chinese and in English: every vocabulary value has its words in both, history
rows and a request's timeline read as sentences (no "None", no raw codes), and the words that
tables and forms show are the vocabulary's."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from importlib import import_module
from pkgutil import iter_modules

import pytest
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api import create_app
from api.web.history import EVENT_SENTENCES, FEEDBACK, STEP_SENTENCES
from repository import schemas, vocabulary
from repository.db import unit_of_work
from repository.models import User
from repository.schemas.inventory import Consume, NewItems
from repository.schemas.sharing import (
    AcceptanceSchema,
    FeedbackSchema,
    RequestSchema,
    ShipmentSchema,
)
from repository.services import accounts, agreements, inventory, sharing, storage
from repository.vocabulary import EventType, RequestStatus
from repository.words import ENUMS, FIELDS, Words
from tests.conftest import SECRET_KEY, make_box
from tests.sharing import DESTINATION, build

CJK = re.compile(r"[\u4e00-\u9fff]")


def _vocabularies() -> list[type[StrEnum]]:
    return [
        value
        for value in vars(vocabulary).values()
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
    ]


def _field_choices() -> dict[str, set[str]]:
    """Every schema field that offers a list of choices without an enum, by field name."""
    found: dict[str, set[str]] = {}
    areas = [import_module(f"{schemas.__name__}.{m.name}") for m in iter_modules(schemas.__path__)]
    defined = [vars(module).values() for module in areas]
    for schema in (value for values in defined for value in values):
        if not (isinstance(schema, type) and issubclass(schema, Schema)):
            continue
        for name, field in schema._declared_fields.items():
            inner = field.inner if isinstance(field, fields.List) else field
            for rule in inner.validators:
                if isinstance(rule, validate.OneOf) and name not in ("dpi",):
                    found.setdefault(name, set()).update(str(c) for c in rule.choices)
    return found


def _complete(words: Words, where: str) -> None:
    english = re.sub(r"\{\w+\}", "", words.en)  # placeholders are named as in the data
    assert english.strip() and "_" not in english, f"{where}: no English words"
    assert words.zh.strip(), f"{where}: no Chinese words"


def test_every_vocabulary_value_has_english_and_chinese_words():
    enums = _vocabularies()
    assert set(ENUMS) == set(enums), "a vocabulary without its table in repository/words.py"
    for enum in enums:
        assert set(ENUMS[enum]) == {m.value for m in enum}, f"{enum.__name__}: values differ"
        for value, words in ENUMS[enum].items():
            _complete(words, f"{enum.__name__}.{value}")
    for name, choices in _field_choices().items():
        assert name in FIELDS, f"the choices of {name} have no words"
        assert set(FIELDS[name]) == choices, f"{name}: choices and words differ"
    for name, table in FIELDS.items():
        for value, words in table.items():
            _complete(words, f"{name}.{value}")
    for code, meaning in vocabulary.SAMPLE_STATUS.items():
        assert FIELDS["sample_status"][str(code)].en == f"{code} {meaning}"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_event_and_step_reads_as_a_sentence_in_both_languages():
    assert set(EVENT_SENTENCES) == set(EventType)
    for kind, sentences in EVENT_SENTENCES.items():
        assert sentences[-1][0] == frozenset(), f"{kind}: no sentence without data"
        for needs, words in sentences:
            _complete(words, f"event {kind}")
            assert CJK.search(words.zh), f"event {kind}: {words.zh!r} is not Chinese"
            assert _placeholders(words.en) == _placeholders(words.zh), kind
            assert needs <= _placeholders(words.en), kind
    assert set(STEP_SENTENCES) == set(RequestStatus)
    for status, words in [*STEP_SENTENCES.items(), ("feedback", FEEDBACK)]:
        _complete(words, f"step {status}")
        assert CJK.search(words.zh) and _placeholders(words.en) == _placeholders(words.zh)


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    """A strain with a lot (one vial aliquoted, one used, one moved out) and a request taken
    from submission to feedback."""
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    backend = request.param
    schema = "pages_chinese"
    url = fresh_database(backend, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    with unit_of_work(app.extensions["biorepo"]) as db:
        w = build(db, vials=6)
        w.strain.biological_status = vocabulary.BiologicalStatus.NATURAL_ISOLATE
        storage.place_items(db, w.lot.items, make_box(db))
        data = {"lines": [{"material_id": w.strain.id, "form": "cryovial", "quantity": 1}]}
        made, _ = sharing.create_request(
            db, w.requester, RequestSchema().load_or_fail({**data, "submit": True, **DESTINATION})
        )
        sharing.start_review(db, made)
        sharing.decide(db, made)
        template = agreements.applicable(db, made.collection_id, [w.strain])
        body = {"agreement_version_id": template.versions[-1].id, "signer_name": "Ada Far"}
        sharing.accept_agreement(
            db, w.requester, made, AcceptanceSchema().load_or_fail(body), address="192.0.2.1"
        )
        sharing.prepare(db, made)
        shipment = {"packaging": "UN3373", "condition": "dry_ice", "courier": "SF"}
        sharing.ship(
            db, made, ShipmentSchema().load_or_fail({**shipment, "tracking_number": "SF1"})
        )
        sharing.confirm_delivery(db, made)
        sharing.give_feedback(db, w.requester, made, FeedbackSchema().load_or_fail({"rating": 4}))
        shipped = made.allocations[0].item if made.allocations else None
        kept = next(i for i in w.lot.items if i.status.value == "available")
        inventory.split(db, kept.barcode, NewItems(count=2, quantity=Decimal("0.25")))
        inventory.consume(db, kept.barcode, Consume())
        ids = {
            "request": made.id,
            "material": w.strain.id,
            "kept": kept.barcode,
            "shipped": shipped.barcode if shipped else None,
            "curator": db.scalar(select(User.id).where(User.email == "curator.shr@example.org")),
            "requester": w.requester.id,
        }
    yield app, ids
    app.extensions["biorepo.engine"].dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def page(app, user_id: int, path: str, language: str) -> str:
    with unit_of_work(app.extensions["biorepo"]) as db:
        secret = accounts.start_session(db, user_id, timedelta(hours=1))
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"], session["csrf"] = secret, "token"
    client.set_cookie("lang", language)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.data.decode()


def history(html: str) -> list[str]:
    """The sentences of the history table."""
    return re.findall(r'<td class="small">([^<]*)</td>', html)


def test_an_item_in_chinese(world):
    app, ids = world
    html = page(app, ids["curator"], f"/items/{ids['kept']}", "zh")
    assert "甘油保存，−80 °C" in html and "glycerol_minus80" not in html
    assert "毫升" in html and "冻存管" in html
    rows = history(html)
    assert rows and all(CJK.search(r) and "None" not in r for r in rows), rows
    assert any(r.startswith("用去 0.5 毫升") for r in rows), rows  # what was left, all used
    assert any(r.startswith("放入 ") and "[A" in r for r in rows), rows
    assert any(r.startswith("保藏于批次 1（甘油保存，−80 °C），1 毫升") for r in rows), rows


def test_an_item_in_english_has_no_codes_or_none(world):
    app, ids = world
    for barcode in (ids["kept"], ids["shipped"]):
        html = page(app, ids["curator"], f"/items/{barcode}", "en")
        rows = history(html)
        assert rows and all("None" not in r and "_" not in r for r in rows), rows
        assert "glycerol stock, −80 °C" in html and "glycerol_minus80" not in html
    assert "Taken out of " in html and "Shipped for request R" in html


def test_a_material_shows_its_statuses_in_both_languages(world):
    app, ids = world
    html = page(app, ids["curator"], f"/materials/{ids['material']}", "zh")
    assert "自然分离株" in html and "属于名古屋议定书范围" in html and "毫升" in html
    html = page(app, ids["curator"], f"/materials/{ids['material']}", "en")
    assert "natural isolate" in html and "within the Nagoya Protocol" in html
    assert "in_scope" not in html and "natural_isolate" not in html


def test_the_terms_of_use_read_in_the_page_language(world):
    for key, words in agreements.TERM_LINES.items():
        _complete(words, f"terms: {key}")
    app, ids = world
    html = page(app, ids["requester"], f"/catalogue/{ids['material']}", "zh")
    assert "名古屋议定书/ABS 状态：属于名古屋议定书范围" in html and "ABS 许可：" in html
    assert "Nagoya/ABS" not in html and "permits" not in html
    html = page(app, ids["requester"], f"/catalogue/{ids['material']}", "en")
    assert "Nagoya/ABS status: within the Nagoya Protocol" in html


def test_the_register_form_offers_vocabulary_words_in_chinese(world):
    app, ids = world
    html = page(app, ids["curator"], "/bench/register", "zh")
    for words in ("需氧", "细菌", "自然分离株", "属于名古屋议定书范围", "100 野生", "贴壁"):
        assert words in html, words


def test_a_request_timeline_in_both_languages(world):
    app, ids = world
    html = page(app, ids["requester"], f"/requests/{ids['request']}", "zh")
    timeline = html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "已提交" in timeline and "申请实验室提交了申请。" in timeline
    assert "Ada Far 代表 Far Lab 接受了 SHR mta 第 1 版。" in timeline
    assert "已交 SF 寄出，运单号 SF1。" in timeline and "申请实验室评分：4/5。" in timeline
    text = re.sub(r"<[^>]+>|R\d{4}-\w+|\d{4}-\d\d-\d\d \d\d:\d\d|Ada Far|Far Lab|SHR", "", timeline)
    assert not re.search(r"[A-Za-z]{3,}", text.replace("mta", "")), text
    html = page(app, ids["requester"], f"/requests/{ids['request']}", "en")
    timeline = html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "Ada Far accepted SHR mta v1 for Far Lab." in timeline
    assert "Sent with SF, tracking number SF1." in timeline
    assert "None" not in timeline and "_" not in timeline
