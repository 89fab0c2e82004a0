"""Liveness and readiness, Prometheus metrics, and request ids in the logs and on the job rows a
request queues."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from api import create_app
from api.health import add_check
from api.logs import JsonFormatter
from repository import tracing
from repository.db import unit_of_work
from repository.models import Printer, PrintJob
from repository.models.base import utcnow
from repository.services import import_jobs
from repository.vocabulary import ImportJobStatus, PrintJobStatus
from tests.world import an_app


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """The samples of a scrape: (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@contextmanager
def json_log() -> Iterator[list[dict]]:
    """The JSON lines logged (at INFO and up) in the block, as the servers write them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_liveness_and_readiness(world, client):
    assert client.get("/api/v1/health/live").json == {"status": "alive"}
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}


def test_readiness_is_extendable_and_names_what_failed(world):
    app = an_app(world)

    def mail(_app) -> None:
        raise ConnectionError("the mail server does not answer")

    add_check(app, "mail", mail)
    answer = app.test_client().get("/api/v1/health/ready")
    assert answer.status_code == 503
    assert answer.json["status"] == "unready"
    assert answer.json["checks"] == {
        "database": "ok",
        "queue": "ok",
        "mail": "failed: the mail server does not answer",
    }
    app.extensions["biorepo.engine"].dispose()


def test_a_database_not_migrated_is_not_ready(tmp_path: Path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True})
    answer = app.test_client().get("/api/v1/health/ready")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"] == "failed: OperationalError"
    assert app.test_client().get("/api/v1/health/live").status_code == 200
    scrape = app.test_client().get("/metrics")  # the figures it can give, and that it is down
    assert scrape.status_code == 200
    found = samples(scrape.get_data(as_text=True))
    assert found[("biorepo_database_up", ())] == 0
    assert not any(name.startswith("biorepo_jobs") for name, _ in found)
    app.extensions["biorepo.engine"].dispose()


def test_request_ids_are_answered_logged_and_kept_on_the_jobs_queued(world, client):
    app, tokens, ids = world
    given = "3f2a9c1e-5b7d-4e0a-9f1b-2c3d4e5f6a7b"
    with json_log() as lines:
        made = client.post(
            "/api/v1/print-jobs",
            token=tokens["technician"],
            json={"printer": "Matrix", "barcodes": [ids["vials"][0]]},
            headers={"X-Request-Id": given},
        )
    assert made.status_code == 201, made.json
    assert made.headers["X-Request-Id"] == given
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.get(PrintJob, made.json["id"]).request_id == given
    [line] = [line for line in lines if line.get("status") == 201]
    assert line["request_id"] == given
    assert line["endpoint"].startswith("printing.")
    assert line["method"] == "POST" and line["path"] == "/api/v1/print-jobs"
    assert line["user_id"] is not None and line["duration_ms"] >= 0

    generated = client.get("/api/v1/health/live").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/api/v1/health/live").headers["X-Request-Id"] != generated


def test_an_import_job_keeps_the_request_id_and_its_runner_logs_under_it(world):
    factory = world.app.extensions["biorepo"]
    with tracing.traced("import-request-1"), unit_of_work(factory) as db:
        job = import_jobs.create_job(
            db, collection_id=None, fmt="csv", files=[], dry_run=True, created_by=None
        )
    with unit_of_work(factory) as db:
        stored = import_jobs.get_job(db, job.id)
        assert stored.request_id == "import-request-1"
        db.delete(stored)
    # a job run later, under the id on its row: its log lines carry the request's id
    with json_log() as lines, tracing.traced(stored.request_id):
        logging.getLogger("biorepo.test").info("importing", extra={"job": job.id})
    [line] = [line for line in lines if line["logger"] == "biorepo.test"]
    assert line["request_id"] == "import-request-1" and line["job"] == job.id
    assert tracing.request_id() is None  # outside, no id


def test_metrics_latency_by_endpoint_and_queues_from_the_database(world, client):
    app, tokens, ids = world
    barcode = ids["vials"][1]
    for _ in range(3):
        assert client.get(f"/api/v1/items/{barcode}", token=tokens["technician"]).status_code == 200
    client.get("/api/v1/items/NOSUCHBC", token=tokens["technician"])
    client.get("/no/such/page/at/all")
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.mimetype == "text/plain"
    found = samples(scrape.get_data(as_text=True))
    scan = [
        value
        for (name, labels), value in found.items()
        if name == "biorepo_http_request_duration_seconds_count"
        and dict(labels)["endpoint"].startswith("items.")
        and dict(labels)["status"] == "200"
    ]
    assert scan and max(scan) >= 3
    assert barcode not in scrape.get_data(as_text=True)  # endpoints, never raw paths
    assert "NOSUCHBC" not in scrape.get_data(as_text=True)
    assert (
        "biorepo_http_request_duration_seconds_count",
        (("endpoint", "(unmatched)"), ("method", "GET"), ("status", "404")),
    ) in found
    with unit_of_work(app.extensions["biorepo"]) as db:
        waiting = db.scalar(
            select(func.count())
            .select_from(PrintJob)
            .join(Printer)
            .where(Printer.name == "Matrix", PrintJob.status == PrintJobStatus.QUEUED)
        )
    assert waiting >= 2
    assert found[("biorepo_print_jobs_waiting", (("printer", "Matrix"),))] == waiting
    assert found[("biorepo_jobs_queued", (("kind", "print"),))] >= waiting
    assert ("biorepo_jobs_failed_total", (("kind", "import"),)) in found
    assert found[("biorepo_database_up", ())] == 1


def test_import_rows_are_counted_per_format(world, client):
    factory = world.app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        job = import_jobs.create_job(
            db, collection_id=None, fmt="mcpd", files=[], dry_run=False, created_by=None
        )
        ended = utcnow()
        job.status, job.counts = ImportJobStatus.SUCCEEDED, {"rows": 1200}
        job.started_at, job.finished_at = ended - timedelta(seconds=2), ended
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert found[("biorepo_import_rows_total", (("format", "mcpd"),))] == 1200
    rate = found[("biorepo_import_rows_per_second", (("format", "mcpd"),))]
    assert rate == 600  # 1200 rows in 2 s
