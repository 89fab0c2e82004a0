"""Barcodes: short, random, scanner-safe, with a check character, unique across the stores.

The alphabet has no easily misread characters (0/O/Q, 1/I/L, U/V, 5/S, 2/Z, 8/B) and nothing a
scanner or a printer language treats specially (no `_ ^ ~`). The last character is a Luhn
mod N check, so a mistyped or misread character is caught before any lookup."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, ValidationFailed
from .models import Barcode
from .sql import insert_many, one_of

ALPHABET = "34679ACDEFGHJKMNPRTWXY"  # even length, as Luhn mod N needs
BODY_LENGTH = 7  # 22**7 = 2.5e9 codes
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


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


def is_valid(code: str) -> bool:
    code = normalise(code)
    return (
        len(code) == BODY_LENGTH + 1
        and all(c in _INDEX for c in code)
        and check_character(code[:-1]) == code[-1]
    )


def normalise(code: str) -> str:
    """What a scanner or a keyboard sends, as stored: trimmed, upper case, no separators."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def _random_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


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


def claim(session: Session, code: str, owner: str) -> str:
    """Register an existing barcode (a pre-printed label); a taken one is a conflict."""
    code = normalise(code)
    if not code or len(code) > 32 or any(c in "_^~" for c in code) or not code.isascii():
        raise ValidationFailed({"barcode": ["Barcodes are 1-32 ASCII characters, no _ ^ ~."]})
    if session.get(Barcode, code) is not None:
        raise Conflict(f"Barcode {code} is already in use.", field="barcode")
    session.add(Barcode(value=code, owner=owner))
    return code
