"""The HTTP service: app factory, blueprints, errors and the command line."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from repository.db import make_engine, session_factory

from . import (
    background,
    config,
    context,
    errors,
    health,
    jsonout,
    logs,
    metrics,
    openapi,
    security,
    web,
)
from .resources import (
    admin,
    agreements,
    alerts,
    auth,
    authentication,
    batch_edits,
    census,
    colonies,
    donors,
    due,
    exchange,
    genotypes,
    health_reports,
    items,
    labels,
    material_batch_edits,
    materials,
    nomenclature,
    people,
    printing,
    search,
    seed_bank,
    sequences,
    sharing,
    statistics,
    storage,
    str_search,
    tokens,
)

BLUEPRINTS = (
    health.blp,
    auth.blp,
    material_batch_edits.blp,
    materials.blp,
    items.blp,
    batch_edits.blp,
    search.blp,
    colonies.blp,
    genotypes.blp,
    census.blp,
    health_reports.blp,
    nomenclature.blp,
    seed_bank.blp,
    storage.blp,
    admin.blp,
    people.blp,
    tokens.blp,
    donors.blp,
    labels.blp,
    printing.blp,
    sharing.blp,
    agreements.blp,
    statistics.blp,
    alerts.blp,
    due.blp,
    exchange.blp,
    sequences.blp,
    str_search.blp,
    authentication.blp,
)


class IdConverter(IntegerConverter):
    """A record id in a path: 1 to 2**31 - 1 (anything else is simply not found)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)

    @staticmethod
    def schema(_converter: IntegerConverter) -> dict:
        return {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


SPEC_FILE = Path(__file__).parent / "openapi.json"  # committed; a test keeps it current


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=config.instance_folder(), instance_relative_config=True)
    app.config.update(config.load(app.instance_path, overrides))
    logs.install(app)  # first: every later hook and log line sees the request id
    for warning in config.unshared(app.config):
        app.logger.warning(warning)
    jsonout.install(app)
    security.install(app)
    os.makedirs(app.instance_path, exist_ok=True)
    engine = make_engine(app.config["DATABASE_URL"], busy_timeout=app.config["SQLITE_BUSY_TIMEOUT"])
    app.extensions["biorepo.engine"] = engine
    app.extensions["biorepo"] = session_factory(engine)
    app.extensions["biorepo.labels"] = config.label_settings(app.config)
    # Background work: on the queue QUEUE_URL names (tests: each task at once, in the request).
    background.install(app)
    health.install(app)  # readiness checks: the database's (others add theirs)
    metrics.install(app)
    app.url_map.converters["id"] = IdConverter
    api = app.extensions["biorepo.api"] = Api(app)
    api.register_converter(IdConverter, IdConverter.schema)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    openapi.refine(api)
    openapi.serve_assets(app)
    context.install(app)
    errors.register(app)  # after the Api, so that one error shape wins everywhere
    web.install(app)  # the pages, outside the OpenAPI document
    return app


def command_app() -> Flask:
    """The app of a command-line command, which serves no cookies: without a configured
    SECRET_KEY it signs nothing with a random key of its own (only servers need one)."""
    if os.environ.get("SECRET_KEY"):
        return create_app()
    return create_app({"SECRET_KEY": secrets.token_urlsafe(48)})


def spec_text(app: Flask) -> str:
    """The OpenAPI document of `app`, as committed."""
    spec = app.extensions["biorepo.api"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
