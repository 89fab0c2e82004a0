"""What every batch edit shares, whatever it edits (items, materials): the outcome of each
record against the changes, a preview's counts and page, the refusal of a batch that records
refuse, the recorded batch (who, when, its search or sheet and their SHA-256, the counts), and
the steps of an undo (one at a time, refused naming the records changed since). Each kind of
batch brings its own reading, rules and writing of a record."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..actor import actor_id
from ..audit import as_json
from ..errors import Conflict, DomainError, InvalidState, NotFound, ValidationFailed
from ..models import ItemBatch
from ..models.base import utcnow

MOST = 20_000  # records one batch edits
SHOWN = 50  # records named in a refusal


class Outcome(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


_ORDER = {Outcome.REFUSED: 0, Outcome.UPDATED: 1, Outcome.UNCHANGED: 2}


class Judged(Protocol):
    """A record's line in a batch: its code (a barcode, an accession number), what the changes
    do to it, and why it is refused."""

    @property
    def code(self) -> str: ...

    @property
    def outcome(self) -> Outcome: ...

    @property
    def reason(self) -> str | None: ...


L = TypeVar("L", bound=Judged)


@dataclass(frozen=True)
class Preview(Generic[L]):
    """What a batch would do: the counts for every record, and one page of the records (refused
    first, then updated, then unchanged; by code within each)."""

    matched: int
    updated: int
    unchanged: int
    refused: int
    lines: list[L]
    page: int
    page_size: int


def reason(error: DomainError) -> str:
    """A refusal's words: a validation's first message, or the error's own."""
    if isinstance(error, ValidationFailed):
        for messages in error.errors.values():
            if isinstance(messages, list) and messages:
                return str(messages[0])
    return error.detail


def digest(*parts: Any) -> str:
    """The SHA-256 of what chose a batch's records and of its changes."""
    return hashlib.sha256(as_json(list(parts)).encode()).hexdigest()


def counted(lines: Sequence[Judged]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for line in lines:
        counts[line.outcome] += 1
    return counts


def paged(lines: Sequence[L], page: int, page_size: int) -> Preview[L]:
    """The counts of every line and one page of them, refused first."""
    counts = counted(lines)
    ordered = sorted(lines, key=lambda line: (_ORDER[line.outcome], line.code))
    start = (page - 1) * page_size
    return Preview(
        matched=len(lines),
        updated=counts[Outcome.UPDATED],
        unchanged=counts[Outcome.UNCHANGED],
        refused=counts[Outcome.REFUSED],
        lines=ordered[start : start + page_size],
        page=page,
        page_size=page_size,
    )


def at_most(count: int, field: str, noun: str, hint: str = "") -> None:
    """Refuse a batch of more than MOST records (`hint`: what to do about it)."""
    if count > MOST:
        said = f"A batch edits at most {MOST} {noun}."
        raise ValidationFailed(
            {field: [f"{said[:-1]}; {hint}" if hint else said]},
            f"The {'search matches' if hint else 'batch names'} more than {MOST} {noun}.",
        )


def refusal(refused: Sequence[Judged], total: int, noun: str = "items") -> ValidationFailed:
    """The error of a batch that records refuse: each named (the first SHOWN), nothing
    written."""
    named = [f"{line.code}: {line.reason}" for line in refused[:SHOWN]]
    if len(refused) > SHOWN:
        named.append(f"... and {len(refused) - SHOWN} more.")
    return ValidationFailed(
        {noun: named},
        f"{len(refused)} of {total} {noun} cannot take the changes; nothing was written.",
    )


def record(
    session: Session,
    kind: str,
    lines: Sequence[L],
    *,
    skip_refused: bool,
    source: str,
    query: dict[str, Any] | None,
    changes: dict[str, Any] | None,
    digest: str,
    noun: str = "items",
) -> tuple[ItemBatch, list[L]]:
    """Record a batch of these lines (refused, nothing written, if any line is refused and
    those are not left out, or if none would change) and the lines it updates."""
    counts = counted(lines)
    refused = sorted(
        (line for line in lines if line.outcome is Outcome.REFUSED), key=lambda x: x.code
    )
    if refused and not skip_refused:
        raise refusal(refused, len(lines), noun)
    updating = [line for line in lines if line.outcome is Outcome.UPDATED]
    if not updating:
        single = noun.removesuffix("s")
        raise InvalidState(
            f"Nothing to change: no {single} would take a new value.", field="changes"
        )
    batch = ItemBatch(
        kind=kind,
        actor_id=actor_id(session),
        at=utcnow(),
        source=source,
        query=query,
        changes=changes,
        digest=digest,
        matched=len(lines),
        updated=counts[Outcome.UPDATED],
        unchanged=counts[Outcome.UNCHANGED],
        refused=counts[Outcome.REFUSED],
    )
    session.add(batch)
    session.flush()
    return batch, updating


def get_batch(session: Session, batch_id: int, kind: str = "item") -> ItemBatch:
    batch = session.get(ItemBatch, batch_id)
    if batch is None or batch.kind != kind:
        raise NotFound(f"No batch edit {batch_id}.", field="id")
    return batch


def batches(kind: str) -> Select[ItemBatch]:
    """The batches of a kind, newest first (a statement to page)."""
    return select(ItemBatch).where(ItemBatch.kind == kind).order_by(ItemBatch.id.desc())


def undoing(session: Session, batch_id: int, kind: str = "item") -> ItemBatch:
    """A batch about to be undone, locked (one undo at a time); refused if undone already."""
    batch = get_batch(session, batch_id, kind)
    if batch.undone_at is not None:
        raise InvalidState(f"Batch edit {batch.id} was undone already.", field="id")
    session.execute(select(ItemBatch.id).where(ItemBatch.id == batch.id).with_for_update())
    return batch


def check_undo(
    batch: ItemBatch,
    changed: list[tuple[str, str]],
    back: int,
    only_unchanged: bool,
    noun: str = "items",
) -> None:
    """Refuse an undo (nothing undone) naming the records changed since (code, how), unless
    only the others are asked for; refuse it when nothing would go back."""
    changed.sort()
    if changed and not only_unchanged:
        named = "; ".join(f"{code} ({why})" for code, why in changed[:SHOWN])
        more = f"; and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
        raise Conflict(
            f"{len(changed)} {noun} changed since batch edit {batch.id}: {named}{more}. "
            "Nothing was undone; undo only the others, or change them back first.",
            field=noun,
        )
    if not back:
        raise InvalidState(
            f"Every {noun.removesuffix('s')} of batch edit {batch.id} changed since; "
            "nothing to undo.",
            field=noun,
        )


def undone(session: Session, batch: ItemBatch, back: int) -> ItemBatch:
    """Mark a batch undone (when, by whom, how many records went back)."""
    batch.undone_at, batch.undone_by, batch.undone = utcnow(), actor_id(session), back
    session.flush()
    return batch
