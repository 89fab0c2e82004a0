"""A small world for the sharing tests and bench: collections with their agreements, labs,
curators and requesters, and materials of each kind with stock."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.models import Collection, Item, Lot, MaterialRequest, User
from repository.schemas.sharing import AcceptanceSchema, AgreementIn, RequestSchema
from repository.services import (
    accounts,
    agreements,
    collections,
    sharing,
)
from repository.vocabulary import Role
from tests.factories import add_collection, add_donor, add_material, add_organisation, preserve

# Where a request ships: every request needs both before it is sent.
DESTINATION = {
    "shipping_address": "1 Tennis Court Road, Cambridge CB2 1QW",
    "destination_country": "GBR",
}
LOT = {
    "method": "glycerol_minus80",
    "preserved_on": "2025-01-02",
    "quantity": "1",
    "unit": "ml",
    "form": "cryovial",
}


def build(db: Session, *, vials: int = 6, prefix: str = "") -> SimpleNamespace:
    """Collections SHR (strains), SEED (seeds), BIO (a biobank) of the home institute, each
    with its agreement; labs at BSL-2 (abroad) and BSL-1; a curator per collection and a
    requester per lab; materials of every access level with stock."""
    w = SimpleNamespace()
    home = add_organisation(
        db, {"name": f"{prefix}Home Institute", "country": "CHN", "biosafety_level": 3}
    )
    w.lab = add_organisation(
        db, {"name": f"{prefix}Far Lab", "country": "GBR", "biosafety_level": 2}
    )
    w.small_lab = add_organisation(
        db, {"name": f"{prefix}Small Lab", "country": "FRA", "biosafety_level": 1}
    )
    for code, kind, agreement in (
        ("SHR", "culture_collection", "mta"),
        ("SEED", "seed_bank", "smta"),
        ("BIO", "biobank", "mta"),
    ):
        collection = add_collection(
            db, {"code": prefix + code, "name": code, "kind": kind, "organisation": home.name}
        )
        terms = {"name": f"{code} {agreement}", "kind": agreement, "text": "Terms."}
        agreements.create_template(
            db, AgreementIn().load_or_fail({**terms, "collection": collection.code})
        )
        accounts.register_user(
            db,
            f"{prefix}curator.{code.lower()}@example.org",
            code,
            roles=[(Role.CURATOR, prefix + code)],
        )
    w.requester = accounts.register_user(
        db,
        f"{prefix}req@far.example",
        "Ada Far",
        organisation=w.lab.name,
        roles=[(Role.REQUESTER, None)],
    )
    w.small_requester = accounts.register_user(
        db,
        f"{prefix}req@small.example",
        "Bo Small",
        organisation=w.small_lab.name,
        roles=[(Role.REQUESTER, None)],
    )
    shr = prefix + "SHR"
    w.strain = add_material(
        db,
        shr,
        {
            "kind": "strain",
            "designation": "open strain",
            "taxon_name": "Bacillus subtilis",
            "risk_group": 2,
            "minimum_stock": 1,
            "regeneration_threshold": 3,
            "abs_status": "in_scope",
            "abs_permits": "IRCC ABSCH-IRCC-XX-1",
            "ipr": "No IP claimed.",
        },
    )
    w.restricted = add_material(
        db,
        shr,
        {
            "kind": "strain",
            "designation": "restricted strain",
            "taxon_name": "Bacillus cereus",
            "access_level": "restricted",
        },
    )
    w.internal = add_material(
        db,
        shr,
        {
            "kind": "strain",
            "designation": "internal",
            "taxon_name": "X y",
            "access_level": "internal",
        },
    )
    w.seed = add_material(
        db,
        prefix + "SEED",
        {"kind": "seed", "designation": "landrace", "taxon_name": "Oryza sativa", "mls_status": 1},
    )
    add_donor(
        db,
        prefix + "BIO",
        {"code": "D1", "consents": [{"scope": ["research"], "signed_on": "2024-01-01"}]},
    )
    w.specimen = add_material(
        db,
        prefix + "BIO",
        {
            "kind": "specimen",
            "designation": "plasma",
            "taxon_name": "Homo sapiens",
            "specimen_type": "plasma",
            "donor": "D1",
        },
    )
    w.lot = preserve(db, w.strain, {**LOT, "items": vials})
    preserve(db, w.restricted, {**LOT, "items": 2})
    preserve(db, w.internal, {**LOT, "items": 2})
    preserve(
        db,
        w.seed,
        {
            "method": "dried_seed_minus18",
            "preserved_on": "2024-05-05",
            "items": 4,
            "quantity": "50",
            "unit": "seeds",
            "form": "seed_packet",
        },
    )
    preserve(db, w.specimen, {**LOT, "items": 2, "form": "tube", "quantity": "0.5"})
    w.vials = list(
        db.scalars(select(Item.barcode).where(Item.lot_id == w.lot.id).order_by(Item.id))
    )
    return w


def under_review(db: Session, *, vials: int, count: int) -> tuple[SimpleNamespace, list[int]]:
    """The world of `build` with `vials` vials of its strain (no minimum stock, no alert) and
    `count` requests of one vial each, taken under review: what approvals then compete for."""
    w = build(db, vials=vials)
    w.strain.minimum_stock = 0
    w.strain.regeneration_threshold = None
    ids = []
    line = {"material_id": w.strain.id, "form": "cryovial", "quantity": 1}
    for _ in range(count):
        body = {"lines": [line], "submit": True, **DESTINATION}
        made, _ = sharing.create_request(db, w.requester, RequestSchema().load_or_fail(body))
        sharing.start_review(db, made)
        ids.append(made.id)
    return w, ids


def curator(db: Session, code: str) -> User:
    return db.scalar(
        select(User).where(User.email.like(f"%curator.{code.lower().split('_')[-1]}@example.org"))
    )


def available(db: Session, material_id: int) -> int:
    return len(
        db.scalars(
            select(Item.id)
            .join(Lot)
            .where(Lot.material_id == material_id, Item.status == "available")
        ).all()
    )


def collection(db: Session, code: str) -> Collection:
    return collections.get_collection(db, code)


def accept(db: Session, w: SimpleNamespace, request: MaterialRequest):
    """The requester of `build` signs the agreement that applies to the request."""
    template = agreements.applicable(
        db, request.collection_id, [line.material for line in request.lines]
    )
    signed = {"agreement_version_id": template.versions[-1].id, "signer_name": "Ada Far"}
    return sharing.accept_agreement(
        db, w.requester, request, AcceptanceSchema().load_or_fail(signed), address="192.0.2.1"
    )
