"""What a shipment needs: where it goes (address and country, or it cannot leave), the
shipping condition its preservation methods call for, and the pick list of its reserved items
in storage order (box and position)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import MaterialRequest
from ..models.storage import position_label
from ..vocabulary import PreservationMethod, ShippingCondition
from .storage import path_rows

# The condition each preservation method travels in: frozen at -80 °C on dry ice, from LN2 in
# a dry shipper, dried, fixed or living material at room temperature.
CONDITION: dict[PreservationMethod, ShippingCondition] = {
    PreservationMethod.GLYCEROL_MINUS80: ShippingCondition.DRY_ICE,
    PreservationMethod.FROZEN_MINUS80: ShippingCondition.DRY_ICE,
    PreservationMethod.LN2_VAPOUR: ShippingCondition.LN2_DRY_SHIPPER,
    PreservationMethod.LN2_LIQUID: ShippingCondition.LN2_DRY_SHIPPER,
    PreservationMethod.LYOPHILISED: ShippingCondition.AMBIENT,
    PreservationMethod.DRIED_SEED_MINUS18: ShippingCondition.AMBIENT,
    PreservationMethod.DRIED_SEED_4: ShippingCondition.AMBIENT,
    PreservationMethod.FFPE: ShippingCondition.AMBIENT,
    PreservationMethod.AMBIENT: ShippingCondition.AMBIENT,
    PreservationMethod.LIVE: ShippingCondition.AMBIENT,
}
# From the warmest to the coldest: a parcel travels as cold as its coldest item needs.
COLDNESS = (
    ShippingCondition.AMBIENT,
    ShippingCondition.ICE_PACKS,
    ShippingCondition.DRY_ICE,
    ShippingCondition.LN2_DRY_SHIPPER,
)


def missing_destination(request: MaterialRequest) -> dict[str, list[str]]:
    """What the request lacks to be shipped (by field; empty when nothing)."""
    missing: dict[str, list[str]] = {}
    if not (request.shipping_address or "").strip():
        missing["shipping_address"] = ["Give the shipping address: the parcel cannot leave."]
    if not request.destination_country:
        missing["destination_country"] = [
            "Give the destination country (ISO 3166-1 alpha-3, e.g. GBR): customs and the "
            "courier need it."
        ]
    return missing


def require_destination(request: MaterialRequest) -> None:
    """Refuse to ship a request without an address and a destination country."""
    missing = missing_destination(request)
    if missing:
        raise ValidationFailed(
            missing,
            detail=f"Request {request.number} cannot ship: "
            + " ".join(m for messages in missing.values() for m in messages),
        )


def proposed_condition(request: MaterialRequest) -> ShippingCondition | None:
    """The condition the reserved items call for (the coldest of their lots' methods); None
    when nothing is reserved."""
    needed = {CONDITION[a.item.lot.method] for a in request.allocations}
    return max(needed, key=COLDNESS.index) if needed else None


@dataclass(frozen=True)
class PickEntry:
    """One reserved item where the picker finds it."""

    barcode: str
    accession_number: str
    lot: str
    quantity: str
    unit: str
    place: str  # the units from the site down to the box, cage or container
    position: str  # the box position (B3), or "" outside boxes
    status: str


def _natural(text: str) -> tuple:
    """A name's sort key with its numbers as numbers: Box 2 before Box 10."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))


def pick_list(session: Session, request: MaterialRequest) -> list[PickEntry]:
    """The request's reserved items in storage order: by site, room, freezer, rack and box
    (names in natural order), then row and column; items stored nowhere come last."""
    items = [a.item for a in request.allocations]
    paths = path_rows(session, [i.container_id for i in items if i.container_id is not None])
    rows = []
    for item in items:
        path = paths.get(item.container_id, []) if item.container_id is not None else []
        key = (
            not path,
            tuple(_natural(p.name) for p in path),
            item.row or 0,
            item.col or 0,
            item.barcode,
        )
        row = PickEntry(
            barcode=item.barcode,
            accession_number=item.lot.material.accession_number,
            lot=item.lot.label,
            quantity=format(item.quantity.normalize(), "f"),
            unit=item.unit.value,
            place=" › ".join(p.name for p in path),
            position=position_label(item.row, item.col) or "",
            status=item.status.value,
        )
        rows.append((key, row))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]
