"""The managers' dashboard: materials by kind and collection, storage use per freezer, the
latest viability results, open stock alerts and the service statistics."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint
from sqlalchemy import func, select

from repository.models import Collection, Lot, Material, QcResult, StockAlert, StorageUnit
from repository.services import storage
from repository.visibility import statistics_scope
from repository.vocabulary import QcTest, StorageKind

from ...context import database
from ...policy import Permission, require
from ...resources.alerts import alerts
from ...resources.statistics import figures_for
from ..pages import show

COLD = (StorageKind.FREEZER, StorageKind.LN2_TANK, StorageKind.REFRIGERATOR, StorageKind.COLD_ROOM)
VIABILITY = (QcTest.POST_THAW_VIABILITY, QcTest.GERMINATION)


def _scope() -> frozenset[int] | None:
    """The collections the figures cover: all for admins, their own for curators."""
    who = require(Permission.STATISTICS)
    return statistics_scope(who)


def _materials(scope: frozenset[int] | None) -> dict[str, dict[str, int]]:
    """Materials per collection and kind."""
    statement = (
        select(Collection.code, Material.kind, func.count(Material.id))
        .join(Collection, Collection.id == Material.collection_id)
        .group_by(Collection.code, Material.kind)
        .order_by(Collection.code)
    )
    if scope is not None:
        statement = statement.where(Material.collection_id.in_(scope))
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for code, kind, count in database().execute(statement):
        table[code][kind.value] = count
    return dict(table)


def _storage_use() -> list[dict[str, Any]]:
    """Occupied and total box positions under each freezer, tank, refrigerator or cold room."""
    db = database()
    boxes = db.execute(
        select(StorageUnit.id, StorageUnit.rows, StorageUnit.cols, StorageUnit.occupied).where(
            StorageUnit.kind == StorageKind.BOX
        )
    ).all()
    paths = storage.path_rows(db, [b.id for b in boxes])
    use: dict[str, dict[str, Any]] = {}
    for box in boxes:
        cold = next((p for p in paths[box.id] if p.kind in COLD), None)
        if cold is None:
            continue
        entry = use.setdefault(cold.barcode, {"unit": cold, "occupied": 0, "total": 0, "boxes": 0})
        entry["occupied"] += box.occupied
        entry["total"] += box.rows * box.cols
        entry["boxes"] += 1
    return sorted(use.values(), key=lambda e: e["unit"].name)


def _viability(scope: frozenset[int] | None, limit: int = 15) -> list[tuple]:
    """The latest viability or germination result of each material, newest first."""
    statement = (
        select(QcResult, Material)
        .join(Lot, Lot.id == QcResult.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .where(QcResult.test.in_(VIABILITY))
        .order_by(QcResult.tested_on.desc(), QcResult.id.desc())
        .limit(500)
    )
    if scope is not None:
        statement = statement.where(Material.collection_id.in_(scope))
    latest: dict[int, tuple] = {}
    for result, material in database().execute(statement):
        latest.setdefault(material.id, (result, material))
    return list(latest.values())[:limit]


def dashboard() -> tuple[str, int]:
    scope = _scope()
    figures = figures_for({"period": "month"})
    busiest = max((p["requests"] for p in figures["per_period"]), default=0)
    open_alerts: list[StockAlert] = list(database().scalars(alerts(True).limit(20)))
    return show(
        "dashboard.html",
        materials=_materials(scope),
        use=_storage_use(),
        viability=_viability(scope),
        alerts=open_alerts,
        figures=figures,
        busiest=busiest or 1,
    )


def routes(web: Blueprint) -> None:
    web.add_url_rule("/dashboard", "dashboard", dashboard)
