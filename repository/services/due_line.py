"""One line of the due list: a record someone must act on, why (in English, and as a reason
code with its values, said in either language), and by when. The modules that know what is
due (cell culture, seed bank, colony, sharing, stock alerts) make these with `line`, a rule
kept in SQL as a `Rule` (its select of the rows due, and the line each row makes);
repository.services.due gathers them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, cast, literal_column, null, select
from sqlalchemy.orm import Session

from ..vocabulary import SeedStore
from ..words import Words, words

W = Words

# Why a line is due, by reason code: its sentence in English and Chinese, with its values.
REASONS: dict[str, Words] = {
    "request_overdue": W(
        "Request {number} has been {status} since {since}; it waits for the collection.",
        "申请 {number} 自 {since} 起处于“{status}”状态，等待保藏机构处理。",
    ),
    "low_stock": W(
        "{available} available, below the threshold of {threshold}: {alert}.",
        "可用 {available} 份，低于阈值 {threshold}：{alert}。",
    ),
    "test_missing": W(
        "{lot} has no passing {test} test under the testing schedule of {collection} "
        "(every {schedule}).",
        "{lot} 没有符合 {collection} 检测计划（每 {schedule}）的{test}检测合格记录。",
    ),
    "test_due": W(
        "The {test} test of {lot} is due: the last passing one was on {tested_on} "
        "(every {schedule}, the testing schedule of {collection}).",
        "{lot} 的{test}检测到期：上次合格检测于 {tested_on}（{collection} 检测计划：每 "
        "{schedule}）。",
    ),
    # The seed bank's rules (vocabulary.SeedRule), each named at the start of its sentence.
    "seed_initial_test": W(
        "initial_test: {lot} has no germination test (its initial viability is not known).",
        "尚未检测：{lot} 没有发芽试验（初始生活力未知）。",
    ),
    "seed_monitoring_interval": W(
        "monitoring_interval: {lot} was last tested on {tested_on}; the {store} tests every "
        "{every} years.",
        "已到监测间隔：{lot} 上次检测于 {tested_on}；{store}每 {every} 年检测一次。",
    ),
    "seed_viability_drop": W(
        "viability_drop: {lot} tested {pct} % viable on {tested_on}, below {below} % of its "
        "initial {initial} % ({threshold} %).",
        "生活力低于阈值：{lot} 于 {tested_on} 检测生活力为 {pct} %，低于初始生活力 {initial} % "
        "的 {below} %（{threshold} %）。",
    ),
    "seed_seed_count": W(
        "seed_count: {lot} holds {seeds} seeds, fewer than the {needed} that {cycles} "
        "regenerations of {sown} seeds sow.",
        "种子不足三次繁殖更新：{lot} 存有 {seeds} 粒种子，少于 {cycles} 次繁殖更新（每次播种 "
        "{sown} 粒）所需的 {needed} 粒。",
    ),
    "seed_minimum_stock": W(
        "minimum_stock: {material} has {available} items available and keeps {kept}: "
        "{distributable} distributable, under its minimum stock of {kept}.",
        "可分发量低于最低库存：{material} 有 {available} 份可用，需保留 {kept} 份：可分发 "
        "{distributable} 份，低于最低库存 {kept} 份。",
    ),
    # The animal colony's.
    "weaning_due": W(
        "Litter {litter}, born on {born_on}, is due for weaning ({alive} pup(s) alive).",
        "窝 {litter}（{born_on} 出生）应离乳（存活幼仔 {alive} 只）。",
    ),
    "plug_check_due": W(
        "Mating {mating} (set up on {set_up_on}) has no plug found yet; check its dams this "
        "morning.",
        "交配组 {mating}（{set_up_on} 合笼）尚未见阴道栓；请于今晨检查其母本。",
    ),
    "weighing_due": W(
        "{animal} was last weighed on {weighed_on}; weigh it again.",
        "{animal} 上次称重于 {weighed_on}；请再次称重。",
    ),
    "protocol_expiring": W(
        "Protocol {protocol} ({title}) expires on {expires_on}; renew it before animals are "
        "made under it.",
        "动物实验方案 {protocol}（{title}）将于 {expires_on} 到期；请在依此方案繁育动物前续期。",
    ),
    # Sequence identification's.
    "taxon_conflict": W(
        "{sequence} ({marker}) places {material} in {genus}: {identity} % identity to {hit}; "
        "its declared taxon is {declared}. Correct the taxon, or review the sequence and say "
        "why the taxon stays.",
        "序列 {sequence}（{marker}）将 {material} 归入 {genus} 属：与 {hit} 的一致性为 "
        "{identity} %；其登记的分类为 {declared}。请更正分类，或复核该序列并说明保留分类的理由。",
    ),
}

# A testing schedule's parts, in the reader's language.
PASSAGES, MONTHS, AND = (
    W("{n} passage(s)", "{n} 代"),
    W("{n} month(s)", "{n} 个月"),
    W(" and ", "或"),
)
# Values that are vocabulary values (said through repository.words), with the vocabulary of
# those whose bare value another vocabulary has too (None: the first table that has it).
TERMS: dict[str, type[StrEnum] | None] = {
    "status": None,
    "test": None,
    "alert": None,
    "store": SeedStore,
}


@dataclass(frozen=True, slots=True)
class DueLine:
    """Something due: the kind of work, the record it is done on (its kind, id and label), why
    and by when, and the record's collection (None: no collection's). `code` and `params`
    give the reason, in English or another language (`said`), worded when it is read; a line
    without them says `text`."""

    kind: str
    record: str  # "lot", "request", "material"...
    record_id: int
    label: str
    text: str
    due_on: date
    collection_id: int | None
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    @property
    def reason(self) -> str:
        """Why it is due, in English."""
        return self.said("en")

    def said(self, locale: str) -> str:
        """The reason in the reader's language ("zh" or "en")."""
        template = REASONS.get(self.code)
        if template is None:
            return self.text
        return template.said(locale).format_map(_values(self.params, locale))


def line(
    kind: str,
    record: str,
    record_id: int,
    label: str,
    due_on: date,
    collection_id: int | None,
    code: str,
    /,
    **params: object,
) -> DueLine:
    """The line of work `kind` on a record (its kind, id and label), due since `due_on`, of a
    collection (None: no collection's), whose reason is the sentence of `code` (REASONS) with
    its values `params` (a code that is not there is refused at once)."""
    if code not in REASONS:
        raise KeyError(code)
    values = tuple([(name, str(value)) for name, value in params.items()])
    return DueLine(kind, record, record_id, label, "", due_on, collection_id, code, values)


def schedule(every_passages: int | None, every_months: int | None) -> str:
    """A testing schedule as a value of a reason: "p:3 m:6" (said in either language)."""
    return " ".join(
        part
        for part in (
            f"p:{every_passages}" if every_passages is not None else "",
            f"m:{every_months}" if every_months is not None else "",
        )
        if part
    )


def _said_schedule(value: str, locale: str) -> str:
    parts = []
    for part in value.split():
        unit, _, n = part.partition(":")
        parts.append((PASSAGES if unit == "p" else MONTHS).said(locale).format(n=n))
    return AND.said(locale).join(parts)


def _values(params: tuple[tuple[str, str], ...], locale: str) -> dict[str, str]:
    values = {}
    for name, value in params:
        if name in TERMS:
            vocabulary = TERMS[name]
            found = words(vocabulary(value) if vocabulary is not None else value)
            values[name] = found.said(locale) if found else value.replace("_", " ")
        elif name == "schedule":
            values[name] = _said_schedule(value, locale)
        else:
            values[name] = value
    return values


Source = Callable[[Session, date], list[DueLine]]  # the lines due by a day (overdue included)

# The columns every rule's select starts with: the order of the due list (by date, then kind,
# record and `tie` among a record's lines of one kind), and the collection the line is of.
KEY = ("due_on", "kind", "record_id", "tie")


def key(
    due_on: Any,
    kind: str,
    record_id: Any,
    collection_id: Any,
    tie: Any = None,
) -> list[ColumnElement[Any]]:
    """A rule's leading columns (KEY, then collection_id): when its line is due, the kind of
    work, the record's id, the order among a record's lines of the kind, and the collection
    (None: no collection's)."""
    if not kind.replace("_", "").isalnum():
        raise ValueError(kind)
    return [
        due_on.label("due_on"),
        literal_column(f"'{kind}'", String).label("kind"),
        record_id.label("record_id"),
        (literal_column("0", Integer) if tie is None else tie).label("tie"),
        (cast(null(), Integer) if collection_id is None else collection_id).label("collection_id"),
    ]


@dataclass(frozen=True)
class Rule:
    """A rule of what is due, in SQL: `rows` selects the rows of the lines due by a day (its
    columns start with `key`), `line` makes a row's line. It is a source: called, it gives
    every line due by the day, in the due list's order; repository.services.due also counts
    its lines and makes only those of the page asked for."""

    rows: Callable[[date], Select[Any]]
    line: Callable[[Any], DueLine]

    def __call__(self, session: Session, day: date) -> list[DueLine]:
        return [self.line(row) for row in session.connection().execute(_ordered(self, day))]

    def lines(self, session: Session, rows: Select[Any]) -> list[DueLine]:
        """The lines of `rows` (a select of this rule's), in the due list's order."""
        return [self.line(row) for row in session.connection().execute(_in_order(rows))]


def _in_order(rows: Select[Any]) -> Select[Any]:
    found = rows.subquery()
    return select(found).order_by(*[found.c[name] for name in KEY])


@lru_cache(maxsize=64)
def _ordered(rule: Rule, day: date) -> Select[Any]:
    """A rule's select of the day, in order: made once (a select is immutable; building it
    costs more than running it when little is due)."""
    return _in_order(rule.rows(day))


class Parts:
    """A source made of parts (rules, or sources that make their lines in Python): their lines
    one after another."""

    def __init__(self, *parts: Source) -> None:
        self.parts = parts

    def __call__(self, session: Session, day: date) -> list[DueLine]:
        return [line for part in self.parts for line in part(session, day)]


def parts_of(source: Source) -> list[Source]:
    """The rules and other sources a source is made of (itself, when it is one)."""
    if isinstance(source, Parts):
        return [part for inner in source.parts for part in parts_of(inner)]
    return [source]
