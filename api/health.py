"""GET /api/v1/health: is the database reachable, and how much does it hold."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from repository.db import unit_of_work
from repository.models import Item, Material

blueprint = Blueprint("health", __name__, url_prefix="/api/v1")


@blueprint.get("/health")
def health():
    try:
        with unit_of_work(current_app.extensions["biorepo"], write=False) as session:
            session.execute(text("SELECT 1"))
            kinds = dict(
                session.execute(select(Material.kind, func.count()).group_by(Material.kind)).all()
            )
            items = dict(
                session.execute(select(Item.status, func.count()).group_by(Item.status)).all()
            )
    except SQLAlchemyError as error:
        response = jsonify(
            {"status": "unavailable", "database": "unreachable", "detail": type(error).__name__}
        )
        response.status_code = 503
        return response
    return jsonify(
        {
            "status": "ok",
            "database": "reachable",
            "materials": {kind.value: count for kind, count in kinds.items()},
            "items": {status.value: count for status, count in items.items()},
        }
    )
