"""Barcodes: short, random, scanner-safe, with a check character, unique across the stores.

The alphabet has no easily misread characters (0/O/Q, 1/I/L, U/V, 5/S, 2/Z, 8/B) and nothing a
scanner or a printer language treats specially (no `_ ^ ~`). The last character is a Luhn
mod N check, so a mistyped or misread character is caught before any lookup."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, NotFound, ValidationFailed
from .models import Barcode, Item, TubeCode
from .sql import insert_many, one_of

ALPHABET = "34679ACDEFGHJKMNPRTWXY"  # even length, as Luhn mod N needs
BODY_LENGTH = 7  # 22**7 = 2.5e9 codes
LONGEST_SCAN = 64  # the longest code a scan names: an accession number (a barcode has 32 at most)
OWNERS = {"item": ("item", "an item"), "storage": ("storage unit", "a storage unit")}
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_choose: ContextVar[Callable[[str], str]] = ContextVar("barcode_choice", default=secrets.choice)


def check_character(body: str) -> str:
    """Luhn mod N: catches every single-character error and most adjacent transpositions."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * _INDEX[char]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def _shaped(code: str) -> bool:
    """Whether a normalised code has the length and the alphabet of the codes made here."""
    return len(code) == BODY_LENGTH + 1 and all(c in _INDEX for c in code)


def is_valid(code: str) -> bool:
    code = normalise(code)
    return _shaped(code) and check_character(code[:-1]) == code[-1]


def normalise(code: str) -> str:
    """What a scanner or a keyboard sends, as stored: trimmed, upper case, no separators."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def scanned(code: str, field: str = "barcode") -> str:
    """A scanned or typed code, normalised; refused (naming `field`) when no code can be like
    it: longer than LONGEST_SCAN, or holding a control character (a scanner's prefix, a stray
    NUL, which PostgreSQL text cannot even hold). A scanner's trailing Enter or Tab and
    surrounding spaces are not part of the code."""
    code = code.strip()
    if len(code) > LONGEST_SCAN:
        raise ValidationFailed(
            {field: [f"A code has at most {LONGEST_SCAN} characters; this one has {len(code)}."]}
        )
    bad = next((c for c in code if not c.isprintable()), None)
    if bad is not None:
        raise ValidationFailed(
            {field: [f"The code holds a control character (U+{ord(bad):04X}); scan it again."]}
        )
    return normalise(code)


def looks_misread(code: str) -> bool:
    """Whether a code has the shape of ours (the alphabet, the length) but a wrong check
    character: a misread or mistyped label, not an unknown one."""
    return _shaped(normalise(code)) and not is_valid(code)


def not_found(session: Session, code: str, owner: str, field: str = "barcode") -> NotFound:
    """Why nothing of `owner` ("item" or "storage") has the code: a misread (its check character
    is wrong: scan again), the code of another kind of thing, or simply unknown."""
    value = normalise(code)
    if looks_misread(value):
        return NotFound(
            f"{value!r} looks misread: its check character does not match. Scan it again.",
            field=field,
        )
    other = session.get(Barcode, value)
    if other is not None and other.owner != owner:
        return NotFound(
            f"{value!r} is the barcode of {OWNERS[other.owner][1]}, not of {OWNERS[owner][1]}.",
            field=field,
        )
    return NotFound(f"No {OWNERS[owner][0]} with barcode {code!r}.", field=field)


def _random_code() -> str:
    choose = _choose.get()
    body = "".join(choose(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


@contextmanager
def repeatable(seed: int) -> Iterator[None]:
    """New barcodes drawn from a generator seeded with `seed`, the same on every machine (the
    demo data's, so that the README's examples name real vials). Never for real records."""
    token = _choose.set(random.Random(seed).choice)
    try:
        yield
    finally:
        _choose.reset(token)


def allocate(session: Session, count: int, owner: str) -> list[str]:
    """Reserve `count` new barcodes for `owner` ("item" or "storage") in this transaction."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {_random_code() for _ in range(count - len(codes))} - codes
        taken = (
            set(
                session.scalars(
                    select(Barcode.value).where(
                        one_of(Barcode.value, fresh, session.get_bind().dialect)
                    )
                ).all()
            )
            if fresh
            else set()
        )
        codes |= fresh - taken
    ordered = sorted(codes)
    insert_many(session, Barcode.__table__, [{"value": c, "owner": owner} for c in ordered])
    return ordered


def claim(session: Session, code: str, owner: str, field: str = "barcode") -> str:
    """Register an existing barcode (a pre-printed label, a tube maker's code); a taken one is
    a conflict. The error names `field` (the input it came from)."""
    code = normalise(code)
    if not code or len(code) > 32 or any(c in "_^~" for c in code) or not code.isascii():
        raise ValidationFailed({field: ["Barcodes are 1-32 ASCII characters, no _ ^ ~."]})
    if session.get(Barcode, code) is not None:
        raise Conflict(f"Barcode {code} is already in use.", field=field)
    session.add(Barcode(value=code, owner=owner))
    return code


def of_tube(session: Session, code: str) -> str | None:
    """The barcode of the item whose tube code is `code` (as stored), or None."""
    return session.scalar(
        select(Item.barcode)
        .join(TubeCode, TubeCode.item_id == Item.id)
        .where(TubeCode.value == code)
    )
