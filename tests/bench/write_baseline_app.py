"""The baseline of the write-path benchmark: a minimal Flask app whose endpoints write the rows
that registering a material and preserving a lot write, with SQLAlchemy Core in one transaction
(BEGIN IMMEDIATE on SQLite): the collection's counter, the material and its kind's row, its
identifiers, the lot, its items and their barcodes, the events, and the audit entries chained
onto the head of the log under the same lock. No authentication, no validation, no ORM, no
schemas: the body is trusted and the answer is a few fields built by hand."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask, Response, request
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.orm import sessionmaker

from repository import barcodes
from repository.audit import GENESIS, as_json, plain
from repository.db import make_engine, unit_of_work
from repository.models import (
    AuditEntry,
    Barcode,
    Collection,
    Event,
    Identifier,
    Item,
    Lot,
    Material,
    Strain,
)
from repository.models.base import utcnow

CHAIN_LOCK = 7_302_025  # the audit log's advisory lock (PostgreSQL)


def _audit(connection: Connection, entries: list[tuple[str, Any, str, dict | None, dict]]) -> None:
    """Chain (table, row id, action, before, after) entries onto the head of the log."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    prev = connection.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    prev, at, rows = prev or GENESIS, utcnow(), []
    for table, row_id, action, written_before, written_after in entries:
        before = {k: plain(v) for k, v in written_before.items()} if written_before else None
        after = {k: plain(v) for k, v in written_after.items()}
        hash_ = hashlib.sha256(f"{prev}{as_json([table, row_id, before, after])}".encode())
        rows.append(
            {
                "at": at,
                "table_name": table,
                "row_id": str(row_id),
                "action": action,
                "before": before,
                "after": after,
                "prev_hash": prev,
                "hash": hash_.hexdigest(),
            }
        )
        prev = rows[-1]["hash"]
    connection.execute(insert(AuditEntry), rows)


def _json(value: dict, status: int = 201) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url or os.environ["DATABASE_URL"])
    plain = sessionmaker(engine)  # no audit hooks: the endpoints write the log themselves

    @app.post("/materials")
    def register() -> Response:
        body = request.get_json()
        with unit_of_work(plain) as session:
            connection = session.connection()
            collection = connection.execute(
                select(Collection.id, Collection.code, Collection.accession_pattern)
                .add_columns(Collection.next_seq)
                .where(Collection.code == body["collection"])
                .with_for_update()
            ).one()
            number = collection.accession_pattern.format(
                code=collection.code, year=date.today().year, seq=collection.next_seq
            )
            connection.execute(
                update(Collection)
                .where(Collection.id == collection.id)
                .values(next_seq=collection.next_seq + 1)
            )
            values = {
                "collection_id": collection.id,
                "accession_number": number,
                "kind": body["kind"],
                "designation": body["designation"],
                "taxon_name": body["taxon_name"],
            }
            material_id = connection.scalar(
                insert(Material.__table__).values(values).returning(Material.__table__.c.id)
            )
            connection.execute(insert(Strain.__table__).values(id=material_id))
            identifiers = [{"material_id": material_id, **i} for i in body.get("identifiers", [])]
            ids = (
                connection.scalars(
                    insert(Identifier).returning(Identifier.id, sort_by_parameter_order=True),
                    identifiers,
                ).all()
                if identifiers
                else []
            )
            connection.execute(
                insert(Event).values(
                    type="accessioned",
                    material_id=material_id,
                    data={"accession_number": number, "collection": collection.code},
                )
            )
            _audit(
                connection,
                [
                    ("collections", collection.id, "update", {"next_seq": collection.next_seq},
                     {"next_seq": collection.next_seq + 1}),
                    ("materials", material_id, "insert", None, {"id": material_id, **values}),
                    *(("identifiers", i, "insert", None, {"id": i, **row})
                      for i, row in zip(ids, identifiers, strict=True)),
                ],
            )  # fmt: skip
        return _json({"id": material_id, "accession_number": number})

    @app.post("/lots")
    def preserve() -> Response:
        body = request.get_json()
        count, quantity = body["items"], Decimal(body["quantity"])
        with unit_of_work(plain) as session:
            connection = session.connection()
            material_id = connection.scalar(
                select(Material.id)
                .where(Material.id == body["material_id"])
                .with_for_update(key_share=True)
            )
            number = 1 + (
                connection.scalar(
                    select(func.max(Lot.number)).where(Lot.material_id == material_id)
                )
                or 0
            )
            lot = {
                "material_id": material_id,
                "number": number,
                "method": body["method"],
                "preserved_on": date.fromisoformat(body["preserved_on"]),
                "initial_quantity": quantity * count,
                "unit": body["unit"],
            }
            lot_id = connection.scalar(insert(Lot).values(lot).returning(Lot.id))
            codes = set()
            while len(codes) < count:
                stems = (
                    "".join(secrets.choice(barcodes.ALPHABET) for _ in range(barcodes.BODY_LENGTH))
                    for _ in range(count - len(codes))
                )
                fresh = {stem + barcodes.check_character(stem) for stem in stems} - codes
                taken = connection.scalars(select(Barcode.value).where(Barcode.value.in_(fresh)))
                codes |= fresh - set(taken)
            connection.execute(insert(Barcode), [{"value": c, "owner": "item"} for c in codes])
            items = [
                {"barcode": code, "lot_id": lot_id, "form": body["form"], "quantity": quantity,
                 "unit": body["unit"], "status": "available"}
                for code in sorted(codes)
            ]  # fmt: skip
            item_ids = connection.scalars(
                insert(Item).returning(Item.id, sort_by_parameter_order=True), items
            ).all()
            data = {"lot": number, "method": body["method"], "quantity": body["quantity"]}
            connection.execute(
                insert(Event),
                [
                    {"type": "preserved", "item_id": i, "lot_id": lot_id,
                     "material_id": material_id, "data": {**data, "unit": body["unit"]}}
                    for i in item_ids
                ],
            )  # fmt: skip
            _audit(
                connection,
                [
                    ("lots", lot_id, "insert", None, {"id": lot_id, **lot}),
                    *(("items", i, "insert", None, {"id": i, **row})
                      for i, row in zip(item_ids, items, strict=True)),
                ],
            )  # fmt: skip
        answer = {
            "id": lot_id,
            "number": number,
            "items": [
                {"id": i, "barcode": row["barcode"]} for i, row in zip(item_ids, items, strict=True)
            ],
        }
        return _json(answer)

    return app
