"""The HTTP service: app factory, blueprints, errors and the command line."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from repository.db import make_engine, session_factory

from . import config, errors, health


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load(app.instance_path, overrides))
    os.makedirs(app.instance_path, exist_ok=True)
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["biorepo.engine"] = engine
    app.extensions["biorepo"] = session_factory(engine)
    errors.register(app)
    app.register_blueprint(health.blueprint)
    return app
