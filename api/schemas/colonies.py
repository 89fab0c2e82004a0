"""HTTP output of the animal colony: protocols, matings, plug checks, litters, animals,
pedigrees and body weights."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Date, Integer


class ProtocolLineOut(Schema):
    line_id = Integer()
    animals_approved = Integer()
    animals_used = Integer()


class ProtocolOut(Schema):
    id = Integer()
    number = fields.String()
    title = fields.String()
    species = fields.String()
    approved_on = Date()
    expires_on = Date()
    animals_approved = Integer(allow_none=True)
    animals_used = Integer()
    lines = fields.List(fields.Nested(ProtocolLineOut))
    created_at = UtcDateTime()


class PlugCheckOut(Schema):
    id = Integer()
    mating_id = Integer()
    dam = fields.Function(lambda c: c.dam.barcode)
    checked_on = Date()
    plug = fields.Boolean()
    note = fields.String(allow_none=True)


class LitterOut(Schema):
    id = Integer()
    label = fields.String()
    mating_id = Integer()
    dam = fields.Function(lambda litter: litter.dam.barcode)
    born_on = Date()
    born_alive = Integer()
    born_dead = Integer()
    died = Integer()
    weaned = Integer()
    wean_due_on = Date()
    weaned_on = Date(allow_none=True)


class MatingOut(Schema):
    id = Integer()
    label = fields.String()
    line_id = Integer()
    sire = fields.Function(lambda m: m.sire.barcode)
    dams = fields.Function(lambda m: [dam.barcode for dam in m.dams])
    type = fields.String()
    purpose = fields.String(allow_none=True)
    set_up_on = Date()
    status = fields.String()
    retired_on = Date(allow_none=True)
    plug_checks = fields.List(fields.Nested(PlugCheckOut))
    litters = fields.List(fields.Nested(LitterOut))


class AnimalOut(Schema):
    """An animal: its item and what the colony knows of it."""

    barcode = fields.String()
    status = fields.String()
    line_id = fields.Function(lambda i: i.lot.material_id)
    container = fields.Function(lambda i: i.container.barcode if i.container else None)
    sex = fields.Function(lambda i: i.animal.sex.value)
    birth_date = fields.Function(lambda i: _iso(i.animal.birth_date))
    generation = fields.Function(lambda i: i.animal.generation)
    ear_tag = fields.Function(lambda i: i.animal.ear_tag)
    transponder = fields.Function(lambda i: i.animal.transponder)
    sire_id = fields.Function(lambda i: i.animal.sire_id)
    dam_id = fields.Function(lambda i: i.animal.dam_id)
    protocol_id = fields.Function(lambda i: i.animal.protocol_id)
    litter_id = fields.Function(lambda i: i.animal.litter_id)
    exit = fields.Function(lambda i: i.animal.exit.value if i.animal.exit else None)
    exit_on = fields.Function(lambda i: _iso(i.animal.exit_on))
    exit_by = fields.Function(lambda i: i.animal.exit_by)
    exit_method = fields.Function(lambda i: i.animal.exit_method)
    exit_reason = fields.Function(lambda i: i.animal.exit_reason)


def _iso(day: object) -> str | None:
    return day.isoformat() if day is not None else None  # type: ignore[attr-defined]


class RelativeOut(Schema):
    distance = Integer()
    animal = fields.Nested(AnimalOut, attribute="item")


class PedigreeOut(Schema):
    animal = fields.Nested(AnimalOut)
    ancestors = fields.List(fields.Nested(RelativeOut))
    descendants = fields.List(fields.Nested(RelativeOut))


class WeightOut(Schema):
    id = Integer(attribute="weight.id")
    weighed_on = Date(attribute="weight.weighed_on")
    grams = fields.Float(attribute="weight.grams")
    condition_score = Integer(attribute="weight.condition_score", allow_none=True)
    alert = fields.String(allow_none=True)
