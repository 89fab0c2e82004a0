"""One line of the due list: a record someone must act on, why (in English, and as a reason
code with its values, said in either language), and by when. The modules that know what is
due (cell culture, sharing, stock alerts...) return these; repository.services.due gathers
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
}

# A testing schedule's parts, in the reader's language.
PASSAGES, MONTHS, AND = (
    W("{n} passage(s)", "{n} 代"),
    W("{n} month(s)", "{n} 个月"),
    W(" and ", "或"),
)
# Values that are vocabulary values (said through repository.words).
TERMS = frozenset({"status", "test", "alert"})


@dataclass(frozen=True)
class DueLine:
    """Something due: the kind of work, the record it is done on (its kind, id and label), why
    and by when, and the record's collection (None: no collection's). `code` and `params`
    give the reason in other languages (`said`); a line without them says `reason`."""

    kind: str
    record: str  # "lot", "request", "material"...
    record_id: int
    label: str
    reason: str
    due_on: date
    collection_id: int | None
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    def said(self, locale: str) -> str:
        """The reason in the reader's language ("zh" or "en")."""
        template = REASONS.get(self.code)
        if template is None or locale != "zh":
            return self.reason
        return template.said(locale).format(**_values(self.params, locale))


def because(code: str, **params: object) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A reason by its code and values: (code, the English sentence, the values)."""
    values = tuple((name, str(value)) for name, value in params.items())
    return code, REASONS[code].en.format(**_values(values, "en")), values


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
            found = words(value)
            values[name] = found.said(locale) if found else value.replace("_", " ")
        elif name == "schedule":
            values[name] = _said_schedule(value, locale)
        else:
            values[name] = value
    return values
