"""Organisations, users and collections."""

from __future__ import annotations

import string
from datetime import date

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Collection, Organisation, User
from ..schemas.admin import NewCollection, NewOrganisation
from ..schemas.fields import given

PATTERN_FIELDS = {"code", "year", "seq"}
_COLLECTIONS = "collections"  # session.info key: the collections looked up, by code


def get_organisation(session: Session, name: str, *, create: bool = False) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        if not create:
            raise NotFound(f"No organisation named {name!r}.", field="organisation")
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
    return organisation


def create_organisation(session: Session, command: NewOrganisation) -> Organisation:
    if session.scalar(select(Organisation.id).where(Organisation.name == command.name)):
        raise Conflict(f"An organisation named {command.name!r} exists.", field="name")
    organisation = Organisation(**given(command))
    session.add(organisation)
    session.flush()
    return organisation


def create_user(session: Session, email: str, name: str, organisation: str | None = None) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationFailed({"email": ["Not an email address."]})
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} exists.", field="email")
    user = User(email=email, name=name)
    if organisation:
        user.organisation = get_organisation(session, organisation, create=True)
    session.add(user)
    session.flush()
    return user


def check_pattern(pattern: str) -> None:
    """An accession pattern uses only {code}, {year} and {seq} (with a format spec)."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
        if "seq" not in names or not names <= PATTERN_FIELDS:
            raise ValueError
        pattern.format(code="X", year=2000, seq=1)
    except (ValueError, KeyError, IndexError) as error:
        raise ValidationFailed(
            {
                "accession_pattern": [
                    "Use {seq} and optionally {code} and {year}, e.g. '{code} {seq:05d}'."
                ]
            }
        ) from error


def create_collection(session: Session, command: NewCollection) -> Collection:
    if session.scalar(select(Collection.id).where(Collection.code == command.code)):
        raise Conflict(f"A collection with code {command.code} exists.", field="code")
    if command.accession_pattern is not None:
        check_pattern(command.accession_pattern)
    collection = Collection(**given(command, "organisation"))
    if command.organisation:
        collection.organisation = get_organisation(session, command.organisation, create=True)
    session.add(collection)
    session.flush()
    return collection


def get_collection(session: Session, code: str) -> Collection:
    """The collection of `code` (NotFound if none). A session looks a code up once: asked
    again (a request checks who may register into it, then registers), it gives the record
    it holds, as long as that is loaded and unchanged."""
    known: dict[str, Collection] = session.info.setdefault(_COLLECTIONS, {})
    collection = known.get(code)
    if collection is not None:
        state = inspect(collection)
        if state.persistent and not state.expired and collection.code == code:
            return collection
    collection = session.scalar(select(Collection).where(Collection.code == code))
    if collection is None:
        raise NotFound(f"No collection with code {code!r}.", field="collection")
    known[code] = collection
    return collection


def next_accession_number(session: Session, collection: Collection) -> str:
    """The next number of the collection's pattern; the counter row is locked until commit."""
    return next_accession_numbers(session, collection, 1)[0]


def next_accession_numbers(session: Session, collection: Collection, count: int) -> list[str]:
    """The next `count` numbers of the collection's pattern (a bulk import's new materials
    without one); the counter row is locked until commit."""
    session.refresh(collection, with_for_update=True)
    first, year = collection.next_seq, date.today().year
    numbers = [
        collection.accession_pattern.format(code=collection.code, year=year, seq=seq)
        for seq in range(first, first + count)
    ]
    collection.next_seq = first + count
    return numbers
