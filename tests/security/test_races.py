"""Races and a busy database, over HTTP on a real port with real threads: parallel lots of one
material all get numbers, parallel moves into one position lose with a 409 that says why, and
a write that cannot get SQLite's write lock (held by another writer, or by an import) answers
503 with Retry-After. Never a 500."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy.engine import make_url

from repository.db import unit_of_work
from repository.exchange import jobs
from tests.factories import LOT, items_of, make_box, make_strain, preserve
from tests.queues import consuming
from tests.servers import threaded_server
from tests.world import an_app

PARALLEL = 10


def in_parallel(calls: list) -> list[requests.Response]:
    """Each call in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))
    responses: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=30)
        responses[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def post(url: str, token: str, body: dict, timeout: float = 60) -> requests.Response:
    return requests.post(
        url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
    )


def sqlite_file(app: Flask) -> Path:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock: the embedded default only")
    return Path(url.database)


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """SQLite's write lock taken by another connection, as a long writer holds it."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_parallel_lots_of_one_material_all_get_their_own_number(world):
    app, tokens, ids = world
    with threaded_server(app) as base:
        body = {"material_id": ids["restricted"], **LOT}
        responses = in_parallel(
            [lambda: post(f"{base}/api/v1/lots", tokens["curator"], body)] * PARALLEL
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: PARALLEL}, [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["number"] for r in responses)
    assert len(set(numbers)) == PARALLEL
    assert numbers == list(range(numbers[0], numbers[0] + PARALLEL))


def test_parallel_moves_into_one_position_lose_with_a_conflict_not_a_500(world):
    """Vials of a box of its own, as it moves them."""
    app, tokens, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        made = make_box(db)
        lot = preserve(db, make_strain(db, "API"), {**LOT, "items": 5}, made)
        box, vials = made.barcode, [item.barcode for item in items_of(db, lot)]
    with threaded_server(app) as base:
        calls = [
            lambda code=code: post(
                f"{base}/api/v1/moves",
                tokens["curator"],
                {"items": [code], "container": box, "positions": [{"row": 9, "col": 9}]},
            )
            for code in vials
        ]
        responses = in_parallel(calls)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 4}, [r.text for r in responses]
    for lost in (r for r in responses if r.status_code == 409):
        problem = lost.json()
        assert lost.headers["Content-Type"] == "application/problem+json"
        assert problem["field"] == "position"
        assert "occupied" in problem["detail"]


def test_parallel_saves_of_one_search_name_keep_one_and_say_why(world):
    """The unique (owner, name) holds when both saves pass the service's check at once."""
    app, tokens, _ = world
    body = {"name": "Racing search", "query": {"status": ["available"]}}
    with threaded_server(app) as base:
        responses = in_parallel(
            [lambda: post(f"{base}/api/v1/saved-searches", tokens["technician"], body)] * PARALLEL
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: PARALLEL - 1}, [r.text for r in responses]
    assert all(r.json()["code"] == "conflict" for r in responses if r.status_code == 409)


def test_a_write_behind_a_held_sqlite_write_lock_answers_503_with_retry_after(world):
    _, tokens, ids = world
    app = an_app(world, SQLITE_BUSY_TIMEOUT=1)
    path = sqlite_file(app)
    body = {"material_id": ids["open"], **LOT}
    with threaded_server(app) as base:
        with write_lock_held(path):
            started = time.monotonic()
            busy = post(f"{base}/api/v1/lots", tokens["curator"], body)
            waited = time.monotonic() - started
        after = post(f"{base}/api/v1/lots", tokens["curator"], body)
    app.extensions["biorepo.engine"].dispose()
    assert busy.status_code == 503, busy.text
    assert int(busy.headers["Retry-After"]) >= 1
    assert busy.json()["code"] == "busy" and "busy" in busy.json()["detail"]
    assert 1 <= waited < 10  # the configured wait, not the old 30 s
    assert after.status_code == 201, after.text


def test_an_import_with_problems_is_checked_without_taking_the_write_lock(world, tmp_path):
    _, _, ids = world
    app = an_app(world, SQLITE_BUSY_TIMEOUT=1)
    path = sqlite_file(app)
    upload = tmp_path / "bad.csv"
    upload.write_text(
        "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form\n"
        "RACE-BAD-1,Strain,Bacillus subtilis,L1,glycerol_minus80,2025-01-02,1,ml,cryovial\n"
        "RACE-BAD-2,Strain,Bacillus subtilis,L1,glycerol_minus80,not a date,1,ml,cryovial\n"
    )
    with write_lock_held(path):  # a writer that would outlast the import's wait for the lock
        ok, _, report = jobs.run_import(
            app.extensions["biorepo"], ids["user"], "csv", upload, "API", False
        )
    app.extensions["biorepo.engine"].dispose()
    assert not ok
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "preserved_on")]


def large_csv(path: Path, rows: int) -> None:
    """`rows` vials of new strains (a hundred per strain, one lot each), no places."""
    lines = ["accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form"]
    lines += [
        f"RACE {i // 100:05d},Strain {i // 100},Bacillus subtilis,L1,glycerol_minus80,"
        "2025-01-02,1,ml,cryovial"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_ordinary_writes_during_a_background_import_never_answer_500(world, tmp_path):
    _, tokens, ids = world
    app = an_app(world, SQLITE_BUSY_TIMEOUT=1, QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    upload = tmp_path / "vials.csv"
    large_csv(upload, 20_000)
    seen: Counter[int] = Counter()
    during = 0
    with threaded_server(app) as base, consuming(app):
        with upload.open("rb") as handle:
            queued = requests.post(
                f"{base}/api/v1/exchange/imports",
                headers={"Authorization": f"Bearer {tokens['curator']}"},
                data={"format": "csv", "collection": "API", "background": "true"},
                files={"file": ("vials.csv", handle, "text/csv")},
                timeout=60,
            )
        assert queued.status_code == 202, queued.text
        job = f"{base}/api/v1/exchange/imports/{queued.json()['id']}"
        deadline = time.monotonic() + 300
        status = "queued"
        while status in ("queued", "running") and time.monotonic() < deadline:
            write = post(
                f"{base}/api/v1/lots", tokens["curator"], {"material_id": ids["open"], **LOT}, 30
            )
            seen[write.status_code] += 1
            if write.status_code == 503:
                assert int(write.headers["Retry-After"]) >= 1
            watched = requests.get(
                job, headers={"Authorization": f"Bearer {tokens['curator']}"}, timeout=30
            )
            assert watched.status_code == 200, watched.text
            status = watched.json()["status"]
            during += status == "running"
        final = requests.get(
            job, headers={"Authorization": f"Bearer {tokens['curator']}"}, timeout=30
        ).json()
    app.extensions["biorepo.engine"].dispose()
    assert final["status"] == "succeeded", final["report"]
    assert final["counts"]["items"] == 20_000
    assert set(seen) <= {201, 503}, seen
    assert seen[201] >= 1 and during >= 1, seen
