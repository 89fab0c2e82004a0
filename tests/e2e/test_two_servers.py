"""Two app servers, each with an instance folder of its own, on one PostgreSQL database, with the
queue and the rate-limit counters on Redis and one `biorepo worker`: a walk that alternates
servers at each step finds nothing kept in one server's memory or folder. Logged in on A, the
cookie works on B; an import's dry run on A is committed on B; a background import queued on B
is run by the worker and followed on A; a print job queued on A reaches a real TCP printer
through the worker and is seen sent on B; failed logins on A count on B."""

from __future__ import annotations

import io
import os
import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
from sqlalchemy import func, select

from api import background
from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Material, Upload
from tests.clients import token_in
from tests.conftest import POSTGRES_URL, SECRET_KEY
from tests.databases import drop_schema, migrated
from tests.factories import add_printer
from tests.integration.test_printing import LoopbackPrinter
from tests.queues import REDIS, redis_runs, wait_until, worker_process
from tests.queues import stop as stop_worker
from tests.servers import BIN, free_port, wait_for_port
from tests.servers import stop as stop_server
from tests.world import PASSWORD, build_world

LIMIT = 3  # failed logins per address in the walk
HEADER = "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form,"
HEADER += "barcode,box,position\n"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set BIOREPO_TEST_POSTGRES_URL"),
]


def vials(accession: str, box: str, position: str) -> bytes:
    row = f"{accession},Two servers,Bacillus subtilis,L1,glycerol_minus80,2025-02-01,1,ml,"
    return (HEADER + row + f"cryovial,{accession.replace('-', '')}V,{box},{position}\n").encode()


class Installation(NamedTuple):
    a: str  # the base URLs of the two servers
    b: str
    url: str  # the database's
    box: str  # a box of the world, with free positions
    barcode: str  # a vial to print a label of
    printer: LoopbackPrinter
    folders: tuple[Path, ...]  # the instance folders of the servers and the worker
    logs: tuple[Path, ...]  # the servers' logs


def serving(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """`biorepo serve` (one gunicorn worker of four threads) on a free port, its log to `log`:
    the process and its base URL (not yet waited for)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    if not redis_runs():
        pytest.skip(f"needs Redis on {REDIS[0]}:{REDIS[1]}")
    schema = f"two_servers_{os.getpid()}"
    url = migrated(POSTGRES_URL or "", schema)
    try:
        yield from _installation(url, tmp_path, monkeypatch)
    finally:
        drop_schema(POSTGRES_URL or "", schema)


def _installation(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """The world on `url`, a TCP printer, the worker and the two servers, stopped afterwards."""
    world = build_world(url, SECRET_KEY)
    world.app.extensions["biorepo.engine"].dispose()
    printer = LoopbackPrinter()
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        fields = {"name": "Cold room", "protocol": "zpl", "transport": "tcp"}
        add_printer(db, {**fields, "address": "127.0.0.1", "port": printer.port, "dpi": 203})
    engine.dispose()
    run = secrets.token_hex(4)
    shared = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "QUEUE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        "QUEUE_NAME": f"biorepo-two-servers-{run}",
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        "RATELIMIT_KEY_PREFIX": f"biorepo-two-servers-{run}",
        "LOGIN_ADDRESS_LIMIT": f"{LIMIT} per 15 minutes",
    }
    folders = {name: tmp_path / f"instance-{name}" for name in ("a", "b", "worker")}
    servers = [
        serving({**os.environ, **shared, "INSTANCE_PATH": str(folders[name])}, tmp_path / name)
        for name in ("a", "b")
    ]
    monkeypatch.setenv("INSTANCE_PATH", str(folders["worker"]))
    worker = None
    try:
        worker = worker_process(shared, tmp_path / "worker.log")  # the servers start meanwhile
        for _, base in servers:
            assert wait_for_port(int(base.rsplit(":", 1)[1]), 60), "a server did not start"
        (_, a), (_, b) = servers
        ids = world.ids
        yield Installation(
            a,
            b,
            url,
            ids["box"],
            ids["vials"][0],
            printer,
            tuple(folders.values()),
            (tmp_path / "a", tmp_path / "b"),
        )
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGQUIT)  # gunicorn's quick stop: the walk is over
        for process, _ in servers:
            stop_server(process)
        if worker is not None:
            stop_worker(worker)
        printer.close()
        queue = background.make_huey(shared, folders["worker"], testing=False)
        queue.flush()  # a Redis queue outlives the test: leave nothing in it
        counters = queue.storage.conn  # the same Redis: the run's counters go too
        for key in counters.scan_iter(f"{shared['RATELIMIT_KEY_PREFIX']}*"):
            counters.delete(key)


def count(url: str, model: type, **where: object) -> int:
    engine = make_engine(url)
    try:
        with unit_of_work(session_factory(engine), write=False) as db:
            query = select(func.count()).select_from(model).filter_by(**where)
            return db.scalar(query) or 0
    finally:
        engine.dispose()


def test_a_walk_alternating_two_servers(installation: Installation) -> None:
    a, b, url = installation.a, installation.b, installation.url
    browser = requests.Session()

    # logged in on A, the same cookie works on B (one SECRET_KEY, sessions in the database)
    form = browser.get(f"{a}/login", timeout=30)
    answer = browser.post(
        f"{a}/login",
        data={
            "email": "curator@example.org",
            "password": PASSWORD,
            "csrf_token": token_in(form.content),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text
    page = browser.get(f"{b}/imports", allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.status_code  # not sent to log in
    csrf = token_in(page.content)
    api_csrf = browser.get(f"{b}/api/v1/auth/me", timeout=30).json()["csrf_token"]
    assert api_csrf

    # an import's dry run on A, its commit on B (the upload waits in the database)
    dry = browser.post(
        f"{a}/imports",
        data={"collection": "API", "format": "csv", "encoding": "", "csrf_token": csrf},
        files={"files": ("vials.csv", vials("TWO-1", installation.box, "I1"))},
        timeout=60,
    )
    assert dry.status_code == 200 and "Dry run: no problems" in dry.text, dry.text
    token = re.search(r'name="token" value="([^"]+)"', dry.text)[1]
    assert (
        count(url, Upload, token=token) == 1 and count(url, Material, accession_number="TWO-1") == 0
    )
    done = browser.post(
        f"{b}/imports/commit",
        data={"csrf_token": csrf, "token": token},
        allow_redirects=False,
        timeout=60,
    )
    assert done.status_code == 303, done.text
    assert count(url, Material, accession_number="TWO-1") == 1
    assert count(url, Upload, token=token) == 0  # gone with its import
    shown = browser.get(f"{a}{done.headers['Location']}", timeout=30).text  # the result, on A
    assert "Imported into API" in shown and "TWO-1" in shown

    # a background import queued on B, run by the worker, followed on A
    headers = {"X-CSRF-Token": api_csrf}
    queued = browser.post(
        f"{b}/api/v1/exchange/imports",
        data={"format": "csv", "collection": "API", "background": "true"},
        files={"file": ("more.csv", io.BytesIO(vials("TWO-2", installation.box, "I2")))},
        headers=headers,
        timeout=60,
    )
    assert queued.status_code == 202, queued.text
    job = queued.json()["id"]

    def job_status() -> str | None:
        status = browser.get(f"{a}/api/v1/exchange/imports/{job}", timeout=30).json()["status"]
        return status if status in ("succeeded", "failed") else None

    assert wait_until(job_status, 30, "the worker runs the import") == "succeeded"
    assert count(url, Material, accession_number="TWO-2") == 1
    assert count(url, Upload, job_id=job) == 0

    # a print job queued on A, delivered by the worker to the printer's socket, seen on B
    printed = browser.post(
        f"{a}/api/v1/print-jobs",
        json={"printer": "Cold room", "barcodes": [installation.barcode]},
        headers=headers,
        timeout=60,
    )
    assert printed.status_code == 201, printed.text
    received = installation.printer.wait_for(1, 30)
    assert len(received) == 1 and installation.barcode.encode() in received[0]

    def print_status() -> str | None:
        status = browser.get(f"{b}/api/v1/print-jobs/{printed.json()['id']}", timeout=30)
        return status.json()["status"] if status.json()["status"] != "queued" else None

    assert wait_until(print_status, 30, "the job is recorded sent") == "sent"

    # failed logins on A count on B: the address's limit is reached there
    stranger = requests.Session()
    for _ in range(LIMIT):
        wrong = {"email": "nobody@example.org", "password": "wrong"}
        assert stranger.post(f"{a}/api/v1/auth/login", json=wrong, timeout=30).status_code == 401
    right = {"email": "curator@example.org", "password": PASSWORD}
    refused = stranger.post(f"{b}/api/v1/auth/login", json=right, timeout=30)
    assert refused.status_code == 429, refused.text

    browser.close()
    stranger.close()  # no keep-alive connection holds a server's stop back

    # nothing the servers keep to themselves (config.unshared) was said at their start
    for log in installation.logs:
        assert "memory://" not in log.read_text() and "QUEUE_URL" not in log.read_text()

    # nothing of the uploads was kept in a server's or the worker's own folder
    for folder in installation.folders:
        kept = [path.name for path in folder.iterdir()]
        assert not {"imports", "import-jobs"} & set(kept), (folder, kept)
