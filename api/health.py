"""Service health: GET /api/v1/health (the database and how much it holds), and the probes of an
orchestrator or load balancer: /health/live (the process answers) and /health/ready (it can
serve: every readiness check passes)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from repository import backup

from .context import database

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health.")

# A readiness check: raises (any exception) when the server cannot serve; its name is reported.
# Others add theirs to app.extensions[READINESS] (e.g. the background queue's).
Check = Callable[[Flask], None]
READINESS = "biorepo.readiness"


class HealthOut(Schema):
    status = fields.String()
    database = fields.String()
    materials = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.Dict(keys=fields.String(), values=fields.Integer())
    detail = fields.String()


class LiveOut(Schema):
    status = fields.String(metadata={"example": "alive"})


class ReadyOut(Schema):
    status = fields.String(metadata={"description": "ready, or unready"})
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Each check: ok, or why it failed."},
    )


@blp.get("/health")
@blp.response(200, HealthOut)
@blp.alt_response(503, schema=HealthOut, description="The database is unreachable.")
def health() -> tuple[dict, int] | dict:
    """Whether the database answers, and the counts of materials by kind and items by
    status."""
    db = database()
    try:
        db.execute(text("SELECT 1"))
        materials, items = backup.counts(db)
    except SQLAlchemyError as error:
        unavailable = {"status": "unavailable", "database": "unreachable", "materials": {}}
        return {**unavailable, "items": {}, "detail": type(error).__name__}, 503
    return {"status": "ok", "database": "reachable", "materials": materials, "items": items}


@blp.get("/health/live")
@blp.response(200, LiveOut)
def live() -> dict:
    """Liveness: the process answers requests (it reads nothing; restart it when this fails)."""
    return {"status": "alive"}


@blp.get("/health/ready")
@blp.response(200, ReadyOut)
@blp.alt_response(503, schema=ReadyOut, description="A check failed: send no traffic here.")
def ready() -> tuple[dict, int]:
    """Readiness: every check passes (the database answers at this code's schema revision,
    and the other checks installed); 503 names the ones that failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results: dict[str, str] = {}
    for name, check in app.extensions[READINESS]:
        try:
            check(app)
            results[name] = "ok"
        except Exception as error:  # a failed check is reported, never a 500
            results[name] = f"failed: {_why(error)}"
    ok = all(result == "ok" for result in results.values())
    return {"status": "ready" if ok else "unready", "checks": results}, 200 if ok else 503


def _why(error: Exception) -> str:
    if isinstance(error, SQLAlchemyError):
        return type(error).__name__  # never the statement or its parameters
    return str(error)[:200] or type(error).__name__


class NotMigrated(RuntimeError):
    """The database is not at this code's schema revision."""


def database_ready(app: Flask) -> None:
    """The database answers, at the schema revision this code expects (`biorepo db upgrade`
    has run)."""
    with app.extensions["biorepo"]() as session:
        found = session.connection().exec_driver_sql("SELECT version_num FROM alembic_version")
        revision = found.scalar()
    expected = app.extensions.setdefault("biorepo.head", backup.head_revision())
    if revision != expected:
        raise NotMigrated(f"schema at {revision}, this code needs {expected}: run db upgrade")


def add_check(app: Flask, name: str, check: Check) -> None:
    """Add a readiness check (the database's is there from the start)."""
    app.extensions.setdefault(READINESS, []).append((name, check))


def install(app: Flask) -> None:
    add_check(app, "database", database_ready)
