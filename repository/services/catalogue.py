"""What the catalogue offers of each material: forms of supply with the count that can be
had (never where they are), the terms of use, the agreement a request accepts and, for a cell
line, its last STR authentication (the day and the verdict, never the profile)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AgreementTemplate, Item, Lot, Material
from ..vocabulary import ItemStatus, MaterialKind
from . import agreements, authentication


def attach_offers(session: Session, materials: Sequence[Material], locale: str = "en") -> None:
    """Set `offer` on each material (three queries for the whole page), its terms in
    `locale`."""
    if not materials:
        return
    ids = [m.id for m in materials]
    stock: dict[int, list[tuple[str, str, int]]] = {}
    for material_id, form, unit, count in session.execute(
        select(Lot.material_id, Item.form, Item.unit, func.count())
        .join(Lot, Lot.id == Item.lot_id)
        .where(Lot.material_id.in_(ids), Item.status == ItemStatus.AVAILABLE)
        .group_by(Lot.material_id, Item.form, Item.unit)
        .order_by(Lot.material_id, Item.form, Item.unit)
    ):
        stock.setdefault(material_id, []).append((form.value, unit.value, count))
    names = {
        (t.collection_id, t.kind): t.name
        for t in session.scalars(
            select(AgreementTemplate)
            .where(AgreementTemplate.collection_id.in_({m.collection_id for m in materials}))
            .order_by(AgreementTemplate.id)
        )
    }
    tested = authentication.latest(
        session, [m.id for m in materials if m.kind is MaterialKind.CELL_LINE]
    )
    for material in materials:
        kept = material.minimum_stock
        last = tested.get(material.id)
        material.offer = {
            "supply": [
                {
                    "form": form,
                    "unit": unit,
                    "available": count,
                    "distributable": max(count - kept, 0),
                }
                for form, unit, count in stock.get(material.id, [])
            ],
            "minimum_stock": kept,
            "terms": agreements.terms(material, locale),
            "agreement": names.get((material.collection_id, agreements.required_kind([material]))),
            "authentication": {"tested_on": last.tested_on, "verdict": last.verdict}
            if last
            else None,
        }
