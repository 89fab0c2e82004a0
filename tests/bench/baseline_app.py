"""The baseline of the API benchmark: a minimal Flask app whose endpoint runs the scan's one
indexed statement (`queries.SCAN`, SQLAlchemy Core on a plain engine) and returns the same
JSON as the scan endpoint, built by hand: no authentication, no unit of work, no schemas."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from flask import Flask, Response, abort
from sqlalchemy import create_engine

from repository.models.storage import position_label
from repository.services.queries import SCAN
from repository.services.storage import MAX_DEPTH


def _moment(text: str) -> str:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def body(row) -> dict:
    m = row._mapping
    location = [
        {"barcode": m[f"up{n}_barcode"], "name": m[f"up{n}_name"], "kind": m[f"up{n}_kind"]}
        for n in reversed(range(MAX_DEPTH))
        if m[f"up{n}_barcode"] is not None
    ]
    events = sorted(row.history or (), key=lambda e: e["id"], reverse=True)
    return {
        "item": {
            "barcode": row.barcode,
            "status": row.status,
            "quantity": str(row.quantity),
            "unit": row.unit,
            "form": row.form,
            "parent_id": row.parent_id,
            "tube_code": row.tube_code,
        },
        "material": {
            "id": row.material_id,
            "collection": row.collection,
            "accession_number": row.accession_number,
            "kind": row.kind,
            "designation": row.designation,
            "designation_zh": row.designation_zh,
            "taxon_name": row.taxon_name,
            "taxon_name_zh": row.taxon_name_zh,
            "risk_group": row.risk_group,
            "access_level": row.access_level,
        },
        "lot": {
            "id": row.lot_id,
            "number": row.lot_number,
            "method": row.method,
            "preserved_on": row.preserved_on.isoformat(),
            "passage_number": row.passage_number,
            "generation": row.generation,
            "regeneration_cycle": row.regeneration_cycle,
        },
        "location": location,
        "position": position_label(row.row, row.col) or None,
        "temperature_c": row.temperature,
        "history": [
            {
                "at": _moment(e["at"]),
                "type": e["type"],
                "actor_id": e["actor_id"],
                "data": e["data"],
                "note": e["note"],
            }
            for e in events
        ],
    }


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = create_engine(url or os.environ["DATABASE_URL"])

    @app.get("/scan/<barcode>")
    def scan(barcode: str) -> Response:
        with engine.begin() as connection:  # COMMIT: psycopg keeps its prepared statements
            row = connection.execute(SCAN, {"barcode": barcode}).first()
        if row is None:
            abort(404)
        return Response(json.dumps(body(row), ensure_ascii=False), mimetype="application/json")

    return app
