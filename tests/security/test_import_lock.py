"""An import holds SQLite's write lock only for its final write (issue 13, item 7): while it
reads and checks its file, ordinary writes go through at once (a background job and the command
line alike); what another writer changed between its check and its write (a position or a
barcode taken, an accession number used) refuses the whole import with a Conflict that says to
re-run it, and nothing of it is written."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from repository import barcodes
from repository.db import unit_of_work
from repository.errors import Conflict
from repository.exchange import bulk, jobs
from repository.exchange.imports import run_upload
from repository.models import Barcode, Item, Material, StorageUnit
from tests.clients import CliRunner
from tests.conftest import SECRET_KEY
from tests.factories import LOT, make_box, make_strain, preserve
from tests.world import an_app

ROWS = 20_000  # a realistic import: a day's freezing of a large biobank
EVERY = 2_000  # rows read between two ordinary writes
BUSY_S = 1  # how long the ordinary writer waits for a lock before it answers 503
HEADER = "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form"


def vials_csv(path: Path, rows: int, prefix: str) -> None:
    """`rows` vials of new strains (a hundred per strain, one lot each), no places."""
    lines = [HEADER] + [
        f"{prefix} {i // 100:05d},Strain {i // 100},Bacillus subtilis,L1,glycerol_minus80,"
        "2025-01-02,1,ml,cryovial"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")


def writing_while_reading(
    monkeypatch: pytest.MonkeyPatch, write: Callable[[], tuple[int, float]]
) -> list[tuple[int, float]]:
    """Make an ordinary write (status, seconds) every EVERY rows the import reads from its
    file, with the real reader: the answers, in order."""
    answers: list[tuple[int, float]] = []
    real = bulk.read_tables

    def rows_and_writes(rows: Iterator) -> Iterator:
        for count, row in enumerate(rows, start=1):
            if count % EVERY == 0:
                answers.append(write())
            yield row

    def reading(*args, **kwargs) -> Iterator[bulk.Table]:
        for table in real(*args, **kwargs):
            yield replace(table, rows=rows_and_writes(table.rows))

    monkeypatch.setattr(bulk, "read_tables", reading)
    return answers


def impatient_app(world) -> Flask:
    """Another app on the world's database whose writers give up a lock wait after BUSY_S
    with a 503: SQLite's busy timeout, PostgreSQL's lock_timeout."""
    app = an_app(world, SQLITE_BUSY_TIMEOUT=BUSY_S)
    engine = app.extensions["biorepo.engine"]
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _impatient(dbapi_connection, _record) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{BUSY_S}s'")
            dbapi_connection.commit()

    return app


def ordinary_write(app, token: str, material_id: int) -> Callable[[], tuple[int, float]]:
    """A new lot of a material by the API, as a curator at the bench makes it."""
    client = app.test_client()

    def write() -> tuple[int, float]:
        started = time.monotonic()
        answer = client.post(
            "/api/v1/lots",
            json={"material_id": material_id, **LOT},
            headers={"Authorization": f"Bearer {token}"},
        )
        return answer.status_code, time.monotonic() - started

    assert write()[0] == 201  # the app's first request, its start-up, before the clock matters
    return write


def assert_at_once(answers: list[tuple[int, float]]) -> None:
    """Every write answered 201: none waited longer than BUSY_S for a lock (that is a 503).
    How long each took is in the message, not asserted: a busy machine's fsync is no lock."""
    assert len(answers) == ROWS // EVERY, answers
    assert [status for status, _ in answers] == [201] * len(answers), answers


def items_of(app, prefix: str) -> int:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        return db.scalar(
            select(func.count())
            .select_from(Item)
            .join(Item.lot)
            .join(Material)
            .where(Material.accession_number.like(f"{prefix}%"))
        )


def test_writes_while_a_background_import_reads_its_file_succeed_at_once(
    world, tmp_path, monkeypatch
):
    _, tokens, ids = world
    app = impatient_app(world)
    upload = tmp_path / "vials.csv"
    vials_csv(upload, ROWS, "JOB")
    answers = writing_while_reading(
        monkeypatch, ordinary_write(app, tokens["curator"], ids["open"])
    )
    ok, counts, report = jobs.run_import(
        app.extensions["biorepo"], ids["user"], "csv", upload, "API", False
    )
    assert ok, report
    assert counts["items"] == ROWS and items_of(app, "JOB ") == ROWS
    app.extensions["biorepo.engine"].dispose()
    assert_at_once(answers)


def test_writes_while_the_import_command_reads_its_file_succeed_at_once(
    world, tmp_path, monkeypatch, runner: CliRunner
):
    app, tokens, ids = world
    ours = impatient_app(world)
    upload = tmp_path / "vials.csv"
    vials_csv(upload, ROWS, "CLI")
    answers = writing_while_reading(
        monkeypatch, ordinary_write(ours, tokens["curator"], ids["open"])
    )
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    result = runner.invoke(["import", "csv", str(upload), "--collection", "API"])
    assert result.exit_code == 0, result.output
    assert f"{ROWS} items" in result.output and items_of(ours, "CLI ") == ROWS
    ours.extensions["biorepo.engine"].dispose()
    assert_at_once(answers)


# --- what changed between the check and the write -----------------------------------------------


def taken_position(db, box: StorageUnit, _case: str) -> None:
    strain = make_strain(db, "API", accession_number="CHANGED POSITION")
    preserve(db, strain, LOT, box, [(1, 1)])


def taken_barcode(_db, _box: StorageUnit, case: str) -> None:
    barcodes.claim(_db, f"LOCK{case.upper()}2", "item")


def used_accession(db, _box: StorageUnit, case: str) -> None:
    make_strain(db, "API", accession_number=f"LOCK {case} 2")


@pytest.mark.parametrize(
    ("case", "change", "field"),
    [
        ("position", taken_position, "position"),
        ("barcode", taken_barcode, "barcode"),
        ("accession", used_accession, "accession_number"),
    ],
)
def test_a_change_between_the_passes_refuses_the_whole_import(world, tmp_path, case, change, field):
    app, _, ids = world
    factory = app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        box = make_box(db, name=f"Box {case}")
        box_id, box_code = box.id, box.barcode
    upload = tmp_path / "three.csv"
    upload.write_text(
        f"{HEADER},barcode,box,position\n"
        + "".join(
            f"LOCK {case} {n},Strain {n},Bacillus subtilis,L1,glycerol_minus80,2025-01-02,"
            f"1,ml,cryovial,LOCK{case.upper()}{n},{box_code},A{n}\n"
            for n in (1, 2, 3)
        )
    )

    def changed_then(write: Callable[[], object]) -> object:
        """Another writer's change, committed after the check pass, before the write pass."""
        with unit_of_work(factory) as db:
            change(db, db.get(StorageUnit, box_id), case)
        return write()

    with pytest.raises(Conflict) as refused:
        run_upload(factory, ids["user"], "csv", upload, "API", False, when_free=changed_then)
    detail = refused.value.detail
    assert detail.startswith("The storage changed during the import (") and "re-run it" in detail
    assert refused.value.field == field
    with unit_of_work(factory, write=False) as db:  # nothing of the import written
        accessions = db.scalars(
            select(Material.accession_number).where(
                Material.accession_number.like(f"LOCK {case} %")
            )
        ).all()
        assert accessions == ([f"LOCK {case} 2"] if case == "accession" else [])
        codes = db.scalars(select(Barcode.value).where(Barcode.value.like(f"LOCK{case.upper()}%")))
        assert list(codes) == ([f"LOCK{case.upper()}2"] if case == "barcode" else [])
        assert db.get(StorageUnit, box_id).occupied == (1 if case == "position" else 0)
