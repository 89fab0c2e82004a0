"""The baseline of the API benchmark: a minimal Flask app whose endpoint makes one indexed
query (the item row by barcode, SQLAlchemy Core) and returns it as JSON: no authentication,
no joins, no history, no schema."""

from __future__ import annotations

import os

from flask import Flask, abort, jsonify
from sqlalchemy import bindparam, create_engine, select

from repository.models import Item

ITEMS = Item.__table__
QUERY = select(ITEMS).where(ITEMS.c.barcode == bindparam("barcode"))


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["DATABASE_URL"])

    @app.get("/scan/<barcode>")
    def scan(barcode: str):
        with engine.connect() as connection:
            row = connection.execute(QUERY, {"barcode": barcode}).first()
        if row is None:
            abort(404)
        return jsonify({k: str(v) if v is not None else None for k, v in row._mapping.items()})

    return app
