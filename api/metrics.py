"""Prometheus metrics at /metrics (prometheus-client): request latency by endpoint, measured in
each process; the queues (print jobs waiting per printer, jobs queued, running and failed per
kind, import rows), read from the database at each scrape, so every process answers alike.

Under `biorepo serve` the worker processes share their latency through prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, which `serve` sets to a new folder). Who may read
the metrics: with METRICS_TOKEN set, whoever sends `Authorization: Bearer <METRICS_TOKEN>`;
without it, only a caller on this machine (loopback) whose request no proxy forwarded."""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import Forbidden

from repository.models import ImportJob, OutboxMessage, Printer, PrintJob
from repository.vocabulary import ImportJobStatus, PrintJobStatus

if TYPE_CHECKING:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

# prometheus-client decides between one process and several when it is first imported (from
# PROMETHEUS_MULTIPROC_DIR): it is imported only once `serve` has set that, hence inside the
# functions here.

ENDPOINT = "metrics"
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS))


def install(app: Flask) -> None:
    """Measure every request, and serve /metrics."""
    from prometheus_client import CollectorRegistry, Histogram

    registry = CollectorRegistry()
    app.extensions["biorepo.metrics"] = registry
    # Labelled by the route's endpoint (never the raw path: a label value per barcode would
    # grow without bound), the method and the status code.
    latency = Histogram(
        "biorepo_http_request_duration_seconds",
        "Time to answer an HTTP request, by endpoint.",
        ["method", "endpoint", "status"],
        buckets=LATENCY_BUCKETS,
        registry=None if multiprocess() else registry,
    )
    registry.register(DatabaseCollector(app))

    def started() -> None:
        g.metrics_started = time.perf_counter()

    def observed(response: Response) -> Response:
        began = g.get("metrics_started")
        if began is not None:
            latency.labels(
                request.method, request.endpoint or "(unmatched)", str(response.status_code)
            ).observe(time.perf_counter() - began)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, started)
    app.after_request(observed)
    app.add_url_rule("/metrics", ENDPOINT, scrape)


def scrape() -> Response:
    """The metrics in Prometheus' text format, for the callers allowed to read them."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if not allowed():
        raise Forbidden(
            "Metrics are read with 'Authorization: Bearer <METRICS_TOKEN>', or without a token"
            " only from this machine and not through a proxy."
        )
    registry = current_app.extensions["biorepo.metrics"]
    if multiprocess():  # the latency of every worker process, and the database's figures
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(DatabaseCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), str(token).encode()
        )
    if any(name in request.headers for name in FORWARDED):
        return False
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get(
        "REMOTE_ADDR", request.environ.get("REMOTE_ADDR", "")
    )
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False


class DatabaseCollector:
    """The queues as the database holds them at the scrape (the same from any process)."""

    def __init__(self, app: Flask) -> None:
        self.factory = app.extensions["biorepo"]

    def describe(self) -> list:
        return []  # collected at each scrape only

    def collect(self) -> Iterator:
        """The figures, and `biorepo_database_up` (0, and no figures, when the database did not
        answer: the scrape itself still succeeds)."""
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("biorepo_database_up", "Whether the database answered the scrape.")
        try:
            figures = list(self._figures())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self) -> Iterator:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        with self.factory() as db:
            waiting = db.execute(
                select(Printer.name, func.count(PrintJob.id))
                .outerjoin(
                    PrintJob,
                    (PrintJob.printer_id == Printer.id)
                    & (PrintJob.status == PrintJobStatus.QUEUED),
                )
                .group_by(Printer.name)
            ).all()
            imports = dict(
                db.execute(select(ImportJob.status, func.count()).group_by(ImportJob.status)).all()
            )
            prints = db.execute(
                select(func.count(), func.count().filter(PrintJob.attempts > 0)).where(
                    PrintJob.status == PrintJobStatus.QUEUED
                )
            ).one()
            mails = db.execute(
                select(func.count(), func.count().filter(OutboxMessage.attempts > 0)).where(
                    OutboxMessage.sent_at.is_(None)
                )
            ).one()
            latest: dict[str, float] = {}
            written: dict[str, int] = {}
            for fmt, counts, began, ended in db.execute(
                select(
                    ImportJob.format, ImportJob.counts, ImportJob.started_at, ImportJob.finished_at
                )
                .where(ImportJob.status == ImportJobStatus.SUCCEEDED, ImportJob.dry_run.is_(False))
                .order_by(ImportJob.finished_at)
            ):
                count = _rows(counts)
                written[fmt] = written.get(fmt, 0) + count
                if began is not None and ended is not None and ended > began:
                    latest[fmt] = count / (ended - began).total_seconds()
        yield _family(
            GaugeMetricFamily,
            "biorepo_print_jobs_waiting",
            "Print jobs queued (or retrying) per printer.",
            "printer",
            waiting,
        )
        yield _family(
            GaugeMetricFamily,
            "biorepo_jobs_queued",
            "Background jobs waiting to run, per kind.",
            "kind",
            [
                ("import", imports.get(ImportJobStatus.QUEUED, 0)),
                ("print", prints[0]),
                ("mail", mails[0]),
            ],
        )
        yield _family(
            GaugeMetricFamily,
            "biorepo_jobs_running",
            "Background jobs running now, per kind.",
            "kind",
            [("import", imports.get(ImportJobStatus.RUNNING, 0))],
        )
        yield _family(
            GaugeMetricFamily,
            "biorepo_jobs_retrying",
            "Jobs waiting after a failed attempt (they are retried), per kind.",
            "kind",
            [("print", prints[1]), ("mail", mails[1])],
        )
        yield _family(
            CounterMetricFamily,
            "biorepo_jobs_failed",
            "Jobs that ended failed, per kind.",
            "kind",
            [("import", imports.get(ImportJobStatus.FAILED, 0))],
        )
        yield _family(
            CounterMetricFamily,
            "biorepo_import_rows",
            "Rows written by finished imports, per format.",
            "format",
            sorted(written.items()),
        )
        yield _family(
            GaugeMetricFamily,
            "biorepo_import_rows_per_second",
            "Rows per second of the latest finished import, per format.",
            "format",
            sorted(latest.items()),
        )


def _family(
    kind: type[GaugeMetricFamily | CounterMetricFamily],
    name: str,
    documentation: str,
    label: str,
    figures: Iterable[tuple[str, float]],
) -> GaugeMetricFamily | CounterMetricFamily:
    """A metric family of `kind` (a gauge's or a counter's) labelled by `label`, with a
    figure per value of it."""
    family = kind(name, documentation, labels=[label])
    for value, figure in figures:
        family.add_metric([value], figure)
    return family


def _rows(counts: dict | None) -> int:
    """The rows an import wrote, whichever format (tables: rows; Cellosaurus: entries)."""
    counts = counts or {}
    for key in ("rows", "entries", "sequences"):
        if isinstance(counts.get(key), int):
            return counts[key]
    return 0
