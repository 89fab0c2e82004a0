"""`biorepo backup` of a running server under writes, then `biorepo restore` into a new database,
verified: on SQLite (the online backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click.testing
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from repository import backup
from repository.db import make_engine, session_factory, unit_of_work
from repository.schemas.admin import NewToken
from repository.services import accounts
from repository.vocabulary import Role
from tests.clients import CliRunner
from tests.conftest import BACKENDS, POSTGRES_URL, SECRET_KEY
from tests.databases import new_postgres_database
from tests.factories import make_collection, make_lot, make_strain
from tests.servers import served

SEEDED = 5  # strains in the source before the server starts writing


@contextmanager
def two_databases(backend: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(source, target): new databases of `backend`, the target empty."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'source.db'}", f"sqlite:///{folder / 'restored.db'}"
        return
    assert POSTGRES_URL
    with ExitStack() as stack:
        source = stack.enter_context(new_postgres_database(POSTGRES_URL, "backup_source"))
        target = stack.enter_context(new_postgres_database(POSTGRES_URL, "backup_target"))
        yield source, target


def seed(url: str) -> str:
    """A collection with a few strains and lots, and a curator's token (returned)."""
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db, "BKP")
        for number in range(SEEDED):
            make_lot(db, make_strain(db, "BKP", designation=f"seed {number}"), items=2)
        accounts.register_user(db, "curator@bkp.example", "C", roles=[(Role.CURATOR, "BKP")])
        secret = accounts.create_token(
            db, NewToken(name="t", days=1, email="curator@bkp.example")
        ).secret
    engine.dispose()
    return secret


def biorepo(url: str, *args: str) -> click.testing.Result:
    """The `biorepo` command on `url` (in this process: the server is another)."""
    return CliRunner().invoke(list(args), env={"DATABASE_URL": url})


class Writer(threading.Thread):
    """Registers strains over HTTP until stopped; counts those the server accepted."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.done = 0
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.some = threading.Event()

    def run(self) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {self.token}"
            while not self.stopping.is_set():
                body = {
                    "collection": "BKP",
                    "kind": "strain",
                    "designation": f"written {self.done}",
                    "taxon_name": "Escherichia coli",
                }
                answer = http.post(f"{self.base}/api/v1/materials", json=body, timeout=30)
                if answer.status_code != 201:
                    self.errors.append(f"{answer.status_code} {answer.text[:200]}")
                    return
                self.done += 1
                if self.done >= 5:
                    self.some.set()


def registered(scrape: str) -> float:
    """The materials registered over HTTP, as the metrics count them."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
        if sample.name == "biorepo_http_request_duration_seconds_count"
        and sample.labels["method"] == "POST"
        and sample.labels["status"] == "201"
        and sample.labels["endpoint"].startswith("materials.")
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_of_a_running_server_under_writes_restores_verified(backend, tmp_path):
    out = tmp_path / "biorepo.backup"
    log = tmp_path / "server.log"
    with (
        two_databases(backend, tmp_path) as (source, target),
        served(source, log=log, SECRET_KEY=SECRET_KEY) as base,
    ):
        writer = Writer(base, seed(source))
        writer.start()
        try:
            assert writer.some.wait(60), writer.errors
            before = writer.done
            made = biorepo(source, "backup", str(out))
            after = writer.done
            assert writer.some.is_set()
        finally:
            writer.stopping.set()
            writer.join(60)
        assert not writer.errors
        # the server's two worker processes count their requests together
        for _ in range(4):
            scrape = requests.get(f"{base}/metrics", timeout=30)  # a new connection each
            assert registered(scrape.text) == writer.done
        assert made.exit_code == 0, made.output
        assert f"written to {out}" in made.output
        assert after > before or writer.done > after  # the server kept writing meanwhile

        restored = biorepo(target, "restore", str(out))
        assert restored.exit_code == 0, restored.output
        assert "chain intact" in restored.output
        found = backup.verify(target)
        assert found.broken_at is None and found.revision == backup.head_revision()
        strains = found.materials["strain"]
        # a snapshot: every strain written before the backup began, none after it ended
        assert SEEDED + before <= strains <= SEEDED + after, (before, strains, after)
        assert f"materials by kind: strain {strains}" in restored.output
        assert found.items == {"available": 2 * SEEDED}
        assert found.audit_entries > strains

        # the server logged a JSON line with its id for each request
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        posted = [line for line in lines if line.get("status") == 201]
        assert len(posted) == writer.done
        assert len({line["request_id"] for line in posted}) == writer.done

        # restoring again over it is refused, and changes nothing
        again = biorepo(target, "restore", str(out))
        assert again.exit_code == 1 and "not empty" in again.output
        assert backup.verify(target).materials == found.materials
