"""The animal colony: welfare protocols, matings and plug checks, litters and weaning, the
matings of a line, an animal's pedigree, body weights and exit."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, validate

from api.schemas.colonies import (
    AnimalOut,
    LitterOut,
    MatingOut,
    PedigreeOut,
    PlugCheckOut,
    ProtocolOut,
    WeightOut,
)
from repository.models import Item, Litter, Mating, PlugCheck, Protocol
from repository.schemas.colonies import (
    Exit,
    ExitIn,
    LitterIn,
    Losses,
    LossIn,
    MatingIn,
    NewLitter,
    NewMating,
    NewPlugCheck,
    NewProtocol,
    NewWeight,
    PlugCheckIn,
    ProtocolIn,
    Retire,
    RetireIn,
    Wean,
    WeanIn,
    WeightIn,
)
from repository.schemas.fields import Integer
from repository.services import colonies, protocols
from repository.services.colonies import PEDIGREE_DEPTH, Weighed

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "colonies",
    __name__,
    url_prefix="/api/v1",
    description="Animal colonies: protocols, matings, litters, weaning, pedigrees, weights.",
)


class PedigreeQuery(Schema):
    depth = Integer(load_default=5, validate=validate.Range(min=1, max=PEDIGREE_DEPTH))


@blp.get("/protocols")
@blp.response(200, ProtocolOut(many=True))
def list_protocols() -> list[Protocol]:
    """The welfare protocols, the next to expire first, with the animals each has used."""
    require(Permission.INVENTORY_READ)
    return protocols.list_protocols(database())


@blp.post("/protocols")
@blp.arguments(ProtocolIn)
@blp.response(201, ProtocolOut)
def create_protocol(command: NewProtocol) -> Protocol:
    """Register an approved protocol: the animals it approves in all and per line, until it
    expires."""
    require(Permission.ADMIN)
    return protocols.create_protocol(database(), command)


@blp.post("/matings")
@blp.arguments(MatingIn)
@blp.response(201, MatingOut)
def set_up_mating(command: NewMating) -> Mating:
    """Set up a mating of a line: a male sire and one or two female dams (a pair or trio)."""
    require(Permission.INVENTORY_WRITE)
    return colonies.set_up_mating(database(), command)


@blp.get("/matings/<id:mating_id>")
@blp.response(200, MatingOut)
def get_mating(mating_id: int) -> Mating:
    """A mating with its plug checks and litters."""
    require(Permission.INVENTORY_READ)
    return colonies.get_mating(database(), mating_id)


@blp.post("/matings/<id:mating_id>/retire")
@blp.arguments(RetireIn)
@blp.response(200, MatingOut)
def retire_mating(command: Retire, mating_id: int) -> Mating:
    """Retire a mating."""
    require(Permission.INVENTORY_WRITE)
    return colonies.retire_mating(database(), mating_id, command)


@blp.post("/matings/<id:mating_id>/plugs")
@blp.arguments(PlugCheckIn)
@blp.response(201, PlugCheckOut)
def check_plug(command: NewPlugCheck, mating_id: int) -> PlugCheck:
    """Record a plug check of a dam of an active natural mating."""
    require(Permission.INVENTORY_WRITE)
    return colonies.check_plug(database(), mating_id, command)


@blp.post("/matings/<id:mating_id>/litters")
@blp.arguments(LitterIn)
@blp.response(201, LitterOut)
def record_litter(command: NewLitter, mating_id: int) -> Litter:
    """A litter born to a dam of the mating; its weaning is due at the line's weaning age
    (21 days unless the line says otherwise)."""
    require(Permission.INVENTORY_WRITE)
    return colonies.record_litter(database(), mating_id, command)


@blp.post("/litters/<id:litter_id>/losses")
@blp.arguments(LossIn)
@blp.response(200, LitterOut)
def record_losses(command: Losses, litter_id: int) -> Litter:
    """Pups of the litter that died before weaning."""
    require(Permission.INVENTORY_WRITE)
    return colonies.record_losses(database(), litter_id, command)


@blp.post("/litters/<id:litter_id>/wean")
@blp.arguments(WeanIn)
@blp.response(201, AnimalOut(many=True))
def wean(command: Wean, litter_id: int) -> list[Item]:
    """Wean the litter: each pup becomes an animal (its own barcode, sex, parents, birth
    date, marks and generation) under the protocol, placed in its cage. All are made, or
    none."""
    require(Permission.INVENTORY_WRITE)
    return colonies.wean(database(), litter_id, command)


@blp.get("/lines/<id:line_id>/matings")
@blp.response(200, MatingOut(many=True))
def line_matings(line_id: int) -> list[Mating]:
    """The matings of an animal line, with their plug checks and litters."""
    require(Permission.INVENTORY_READ)
    return colonies.line_matings(database(), line_id)


@blp.get("/animals/<string:barcode>/pedigree")
@blp.arguments(PedigreeQuery, location="query")
@blp.response(200, PedigreeOut)
def pedigree(query: dict, barcode: str) -> dict:
    """The animal, its ancestors and its descendants, `depth` generations each way."""
    require(Permission.INVENTORY_READ)
    return colonies.pedigree(database(), barcode, query["depth"])


@blp.get("/animals/<string:barcode>/weights")
@blp.response(200, WeightOut(many=True))
def weights(barcode: str) -> list[Weighed]:
    """The animal's body weights, oldest first (the first is the baseline), each with its
    humane-endpoint alert."""
    require(Permission.INVENTORY_READ)
    return colonies.weights(database(), barcode)


@blp.post("/animals/<string:barcode>/weights")
@blp.arguments(WeightIn)
@blp.response(201, WeightOut)
def weigh(command: NewWeight, barcode: str) -> Weighed:
    """Record a body weight; `alert` says why it reaches the humane endpoint (20 % below the
    baseline, or a body condition score of 2 or less)."""
    require(Permission.INVENTORY_WRITE)
    return colonies.weigh(database(), barcode, command)


@blp.post("/animals/<string:barcode>/exit")
@blp.arguments(ExitIn)
@blp.response(200, AnimalOut)
def leave(command: Exit, barcode: str) -> Item:
    """The animal leaves the colony: found dead, euthanised (with method and reason) or
    shipped, on a day, seen to by someone."""
    require(Permission.INVENTORY_WRITE)
    return colonies.leave(database(), barcode, command)
