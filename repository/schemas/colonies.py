"""Input of the animal colony: protocols, matings, plug checks, litters, weaning, body
weights and exits, each schema next to the command (a frozen dataclass) its load builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..vocabulary import AnimalExit, MatingType, Sex
from .fields import Boolean, Date, Entries, Integer, StrictSchema, one_of, text


def _code(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=32), **kwargs)


def _said(length: int, **kwargs: Any) -> fields.String:
    """Text that must say something (not blank)."""
    return text(length, also=validate.Regexp(r"\s*\S", error="Must not be blank."), **kwargs)


class ProtocolLineIn(StrictSchema):
    line_id = Integer(required=True, validate=validate.Range(min=1))
    animals_approved = Integer(required=True, validate=validate.Range(min=0, max=1_000_000))

    @post_load
    def _command(self, data: dict, **_: Any) -> LineApproval:
        return LineApproval(**data)


@dataclass(frozen=True, kw_only=True)
class LineApproval:
    """How many animals of a line a protocol approves."""

    line_id: int
    animals_approved: int


class ProtocolIn(StrictSchema):
    number = _said(64, required=True)
    title = _said(500, required=True)
    species = _said(200, required=True)
    approved_on = Date(required=True)
    expires_on = Date(required=True)
    animals_approved = Integer(validate=validate.Range(min=0, max=1_000_000))
    lines = Entries(fields.Nested(ProtocolLineIn), most=100)

    @validates_schema
    def _dates(self, data: dict, **_: Any) -> None:
        approved, expires = data.get("approved_on"), data.get("expires_on")
        if approved is not None and expires is not None and expires < approved:
            raise ValidationError("A protocol expires after its approval.", "expires_on")

    @post_load
    def _command(self, data: dict, **_: Any) -> NewProtocol:
        return NewProtocol(**{**data, "lines": tuple(data.get("lines", ()))})


@dataclass(frozen=True, kw_only=True)
class NewProtocol:
    """An approved welfare protocol: animals approved in all (None: no total) and per line."""

    number: str
    title: str
    species: str
    approved_on: date
    expires_on: date
    animals_approved: int | None = None
    lines: tuple[LineApproval, ...] = ()


class MatingIn(StrictSchema):
    line_id = Integer(required=True, validate=validate.Range(min=1))
    sire = _code(required=True)
    dams = fields.List(_code(), required=True, validate=validate.Length(min=1, max=2))
    type = one_of(MatingType, load_default=MatingType.NATURAL)
    purpose = text(500)
    set_up_on = Date(required=True)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewMating:
        return NewMating(**{**data, "dams": tuple(data["dams"])})


@dataclass(frozen=True, kw_only=True)
class NewMating:
    """Set up a mating of a line: a sire and one or two dams (barcodes)."""

    line_id: int
    sire: str
    dams: tuple[str, ...]
    set_up_on: date
    type: MatingType = MatingType.NATURAL
    purpose: str | None = None


class RetireIn(StrictSchema):
    retired_on = Date(required=True)

    @post_load
    def _command(self, data: dict, **_: Any) -> Retire:
        return Retire(**data)


@dataclass(frozen=True, kw_only=True)
class Retire:
    """Retire a mating."""

    retired_on: date


class PlugCheckIn(StrictSchema):
    checked_on = Date(required=True)
    plug = Boolean(required=True, truthy={True}, falsy={False})
    dam = _code()  # default: the mating's only dam
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewPlugCheck:
        return NewPlugCheck(**data)


@dataclass(frozen=True, kw_only=True)
class NewPlugCheck:
    """A plug check of a dam of a mating (a barcode; none for a pair's only dam)."""

    checked_on: date
    plug: bool
    dam: str | None = None
    note: str | None = None


class LitterIn(StrictSchema):
    born_on = Date(required=True)
    born_alive = Integer(required=True, validate=validate.Range(min=0, max=40))
    born_dead = Integer(load_default=0, validate=validate.Range(min=0, max=40))
    dam = _code()  # default: the mating's only dam

    @post_load
    def _command(self, data: dict, **_: Any) -> NewLitter:
        return NewLitter(**data)


@dataclass(frozen=True, kw_only=True)
class NewLitter:
    """A litter born to a dam of a mating."""

    born_on: date
    born_alive: int
    born_dead: int = 0
    dam: str | None = None


class LossIn(StrictSchema):
    died = Integer(required=True, validate=validate.Range(min=1, max=40))
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> Losses:
        return Losses(**data)


@dataclass(frozen=True, kw_only=True)
class Losses:
    """Pups of a litter that died before weaning."""

    died: int
    note: str | None = None


class PupIn(StrictSchema):
    sex = one_of(Sex, required=True)
    cage = _code(required=True)
    ear_tag = text(32)
    transponder = text(32)

    @post_load
    def _command(self, data: dict, **_: Any) -> Pup:
        return Pup(**data)


@dataclass(frozen=True, kw_only=True)
class Pup:
    """A weaned pup: its sex, the cage it goes to (a barcode), its marks."""

    sex: Sex
    cage: str
    ear_tag: str | None = None
    transponder: str | None = None


class WeanIn(StrictSchema):
    weaned_on = Date(required=True)
    protocol = _said(64, required=True)
    pups = Entries(fields.Nested(PupIn), most=40, required=True, validate=validate.Length(min=1))

    @post_load
    def _command(self, data: dict, **_: Any) -> Wean:
        return Wean(**{**data, "pups": tuple(data["pups"])})


@dataclass(frozen=True, kw_only=True)
class Wean:
    """Wean a litter: each pup becomes an animal of the line under `protocol` (its number)."""

    weaned_on: date
    protocol: str
    pups: tuple[Pup, ...]


class WeightIn(StrictSchema):
    weighed_on = Date(required=True)
    grams = fields.Float(required=True, validate=validate.Range(min=0.01, max=100_000))
    condition_score = Integer(validate=validate.Range(min=1, max=5))

    @post_load
    def _command(self, data: dict, **_: Any) -> NewWeight:
        return NewWeight(**data)


@dataclass(frozen=True, kw_only=True)
class NewWeight:
    """A body weight of an animal, with its body condition score (1 to 5) if scored."""

    weighed_on: date
    grams: float
    condition_score: int | None = None


class ExitIn(StrictSchema):
    exit = one_of(AnimalExit, required=True)
    exit_on = Date(required=True)
    by = _said(200, required=True)
    method = text(200)
    reason = text(500)

    @validates_schema
    def _euthanasia(self, data: dict, **_: Any) -> None:
        if data.get("exit") is AnimalExit.EUTHANASIA:
            for field in ("method", "reason"):
                if not (data.get(field) or "").strip():
                    raise ValidationError(
                        "A euthanasia is recorded with its method and reason.", field
                    )

    @post_load
    def _command(self, data: dict, **_: Any) -> Exit:
        return Exit(**data)


@dataclass(frozen=True, kw_only=True)
class Exit:
    """An animal leaves the colony: found dead, euthanised (method and reason) or shipped,
    on a day, seen to by someone."""

    exit: AnimalExit
    exit_on: date
    by: str
    method: str | None = None
    reason: str | None = None
