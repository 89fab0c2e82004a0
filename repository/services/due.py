"""What is due: one list of the work each person must do, today and overdue, gathered from
the modules that know it (SOURCES), kept to what the person sees (repository.visibility),
overdue first, then by date; a page of it with its counts by kind (`page`: the lines of the
rules kept in SQL are counted and ordered by the database, and only those shown are made);
and the daily digest of the whole list, one message per staff person."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from ..memory import collection_paused
from ..models import OutboxMessage, RoleGrant, User
from ..visibility import due_scope
from ..vocabulary import Role
from . import (
    cell_culture,
    colonies,
    notifications,
    reservations,
    seed_bank,
    sequence_checks,
    sharing,
)
from .accounts import Principal, user_principal
from .due_line import KEY, DueLine, Rule, Source, parts_of

__all__ = [
    "DIGEST",
    "SOURCES",
    "DueLine",
    "Page",
    "Source",
    "digest",
    "due_list",
    "gather",
    "page",
    "seen_by",
]

# The sources of the due list, by the kind of their lines: one line adds a source. Each gives
# the lines due by the day it is asked for (overdue ones included).
SOURCES: dict[str, Source] = {
    "request": sharing.overdue_requests(),
    "low_stock": reservations.due,
    "cell_culture": cell_culture.due,
    "seed_bank": seed_bank.SOURCE,
    "colony": colonies.due,
    "sequence_identity": sequence_checks.due,
}

DIGEST = "What is due on "  # the digest's subject, before the day
COUNTED = 1000  # a rule's lines counted beyond the page asked (Page.more names the kinds cut)


def gather(
    session: Session,
    today: date,
    kinds: Collection[str] | None = None,
    *,
    until: date | None = None,
    sources: Mapping[str, Source] = SOURCES,
) -> list[DueLine]:
    """Everything due by `until` (default `today`) from the sources of `kinds` (default all),
    overdue (before `today`) first, then by date."""
    with collection_paused():  # some 10^4 lines of a large facility, all kept
        lines = [
            line
            for kind, source in sources.items()
            if kinds is None or kind in kinds
            for line in source(session, until or today)
        ]
    return sorted(
        lines, key=lambda line: (not line.overdue(today), line.due_on, line.kind, line.record_id)
    )


def seen_by(who: Principal, lines: list[DueLine]) -> list[DueLine]:
    """The lines of the collections `who` sees (repository.visibility.due_scope)."""
    scope = due_scope(who)
    return [line for line in lines if scope is None or line.collection_id in scope]


def due_list(
    session: Session,
    who: Principal,
    today: date,
    kinds: Collection[str] | None = None,
    *,
    until: date | None = None,
    sources: Mapping[str, Source] = SOURCES,
) -> list[DueLine]:
    """What `who` must do by `until` (default `today`), from the sources of `kinds` (default
    all): the lines of the collections they see, overdue first, then by date."""
    if due_scope(who) == frozenset():
        return []
    return seen_by(who, gather(session, today, kinds, until=until, sources=sources))


@dataclass(frozen=True)
class Page:
    """A page of the due list: its lines, and how many lines the whole list has of each kind,
    counted up to COUNTED lines of a rule beyond the page: a kind in `more` has more lines
    than its count says (a backlog of a hundred thousand untested seed lots is not counted to
    its last line on every page)."""

    lines: list[DueLine]
    counts: dict[str, int]
    more: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def page(
    session: Session,
    who: Principal,
    today: date,
    kinds: Collection[str] | None = None,
    *,
    until: date | None = None,
    within: Collection[int | None] | None = None,
    offset: int = 0,
    limit: int = 50,
    sources: Mapping[str, Source] = SOURCES,
    counted: int = COUNTED,
) -> Page:
    """The lines `offset` to `offset + limit` of what `who` must do (due_list's, of the
    collections `within` when given: None for the lines of no collection), and the counts of
    the whole list by kind. The rules (due_line.Rule) are counted and ordered by the database
    in one select and make only the lines shown; other sources make all their lines."""
    scope = due_scope(who)
    admitted = frozenset(within) if within is not None else None
    if scope is not None:
        admitted = scope if admitted is None else admitted & scope
    if admitted == frozenset():
        return Page([], {})
    day = until or today
    chosen = [
        part
        for kind, source in sources.items()
        if kinds is None or kind in kinds
        for part in parts_of(source)
    ]
    rules = [part for part in chosen if isinstance(part, Rule)]
    with collection_paused():
        made = [
            line
            for part in chosen
            if not isinstance(part, Rule)
            for line in part(session, day)
            if admitted is None or line.collection_id in admitted
        ]
    counts = Counter(line.kind for line in made)
    # the first lines of the rules, each by its key and rule, beside those made
    first: list[tuple[tuple[Any, ...], int | DueLine]] = [
        ((line.due_on, line.kind, line.record_id, n), line) for n, line in enumerate(made)
    ]
    more: set[str] = set()
    if rules:
        ranked = _ranked(tuple(rules), day, admitted, offset + limit, counted)
        for row in session.connection().execute(ranked):
            if row.of_kind is None:
                first.append(((row.due_on, row.kind, row.record_id, row.tie), row.rule))
            elif row.of_kind > offset + limit + counted:  # one more than counted: cut
                counts[row.kind] += row.of_kind - 1
                more.add(row.kind)
            else:
                counts[row.kind] += row.of_kind
    first.sort(key=lambda found: found[0])
    shown = first[offset : offset + limit]
    return Page(_lines(session, rules, day, shown), dict(counts), frozenset(more))


@lru_cache(maxsize=64)
def _ranked(
    rules: tuple[Rule, ...],
    day: date,
    admitted: frozenset[int | None] | None,
    first: int,
    counted: int,
) -> Any:
    """The keys of the `first` lines of each rule due by `day` (in the collections admitted),
    then each rule's count of its lines by kind, up to `first + counted + 1` (a row with no
    key): by one select of them all, each part cut short by its limit, made once for the same
    question (a select is immutable; building it costs more than running it on a small
    facility)."""
    nothing = cast(null(), Integer)
    parts: list[Any] = []
    for n, rule in enumerate(rules):
        rows = rule.rows(day).subquery()
        chosen = select(rows).where(_among(rows.c.collection_id, admitted)).subquery()
        keys = [chosen.c[name] for name in KEY]
        leading = (
            select(*keys, literal_column(str(n)).label("rule"), nothing.label("of_kind"))
            .order_by(*keys)
            .limit(first)
            .subquery()
        )
        counting = select(chosen.c.kind).limit(first + counted + 1).subquery()
        parts.append(select(leading))
        parts.append(
            select(
                cast(null(), Date),
                counting.c.kind,
                nothing,
                nothing,
                literal_column(str(n)),
                func.count(),
            ).group_by(counting.c.kind)
        )
    return union_all(*parts)


def _among(column: Any, admitted: frozenset[int | None] | None) -> ColumnElement[bool]:
    """Whether a line's collection is among those admitted (None: any)."""
    if admitted is None:
        return true()
    ids = sorted(found for found in admitted if found is not None)
    return or_(
        column.in_(ids) if ids else false(),
        column.is_(None) if None in admitted else false(),
    )


def _lines(
    session: Session,
    rules: list[Rule],
    day: date,
    shown: list[tuple[tuple[Any, ...], int | DueLine]],
) -> list[DueLine]:
    """The lines shown: those made already, and those of the rules' keys made now."""
    wanted: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    for found_key, found in shown:
        if isinstance(found, int):
            wanted[found].add(found_key)
    made: dict[tuple[Any, ...], DueLine] = {}
    for n, keys in wanted.items():
        rows = rules[n].rows(day).subquery()
        chosen = select(rows).where(rows.c.record_id.in_(sorted({k[2] for k in keys})))
        for row in session.connection().execute(chosen):
            row_key = (row.due_on, row.kind, row.record_id, row.tie)
            if row_key in keys:
                made[row_key] = rules[n].line(row)
    return [made[found_key] if isinstance(found, int) else found for found_key, found in shown]


def digest(session: Session, today: date, *, sources: Mapping[str, Source] = SOURCES) -> int:
    """Queue one message to each active staff person with anything due by `today`, listing it
    (overdue first); a person already sent the day's digest is not sent it again. Returns how
    many were queued."""
    subject = f"{DIGEST}{today.isoformat()}"
    sent = set(
        session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject == subject))
    )
    staff = session.execute(
        select(User.id, User.email)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            User.active.is_(True),
            RoleGrant.role.in_([Role.ADMIN, Role.CURATOR, Role.TECHNICIAN]),
        )
        .distinct()
        .order_by(User.id)
    ).all()
    lines = gather(session, today, sources=sources)
    queued = 0
    for user_id, email in staff:
        who = user_principal(session, user_id)
        mine = seen_by(who, lines) if who is not None and email not in sent else []
        if not mine:
            continue
        body = "\n".join(
            [f"{len(mine)} thing(s) to do, by {today.isoformat()}:", ""]
            + [
                f"- {line.due_on.isoformat()}{' (overdue)' if line.overdue(today) else ''} "
                f"{line.label}: {line.reason}"
                for line in mine
            ]
            + ["", "The whole list, with where each is done: /due"]
        )
        notifications.enqueue(session, [email], subject, body)
        queued += 1
    return queued
