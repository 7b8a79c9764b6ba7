"""Prometheus metrics (docs/operations.md, "Metrics"), with the ``prometheus-client`` library.

Counters and histograms are module-level, as the library intends; code that moves one calls it
directly (a few microseconds). Several processes of one ``remit serve --workers N`` share the
library's multiprocess mode: ``remit serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory before any worker starts (``prepare_multiprocess``), each process writes its values
there, and whichever process answers a scrape adds them up. The outbox figures are the
database's, so they are read at scrape time (``DatabaseCollector``), not counted.

Names (all prefixed ``remit_``):

- ``http_request_duration_seconds{method,route,status}`` — histogram per route template (its
  ``_count`` is the request count);
- ``transitions_total{object_type,action}`` — status changes applied (``core.lifecycle``);
- ``webhook_attempts_total{outcome}`` — ``success``, ``http_error``, ``network_error``;
- ``scheduler_runs_total{job,outcome}`` — ``ok``, ``failed``, ``skipped`` (another process held it);
- ``db_connections_in_use`` / ``db_pool_size`` — the connection pools, summed over live processes;
- ``outbox_depth`` / ``outbox_oldest_age_seconds`` — undelivered webhook deliveries and the age of
  the oldest one (read from the database at scrape time).
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select

if TYPE_CHECKING:
    from remit.core.db import Database

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_DURATION = Histogram(
    "remit_http_request_duration_seconds",
    "HTTP requests by route template and status: latency (its _count is the request count).",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TRANSITIONS = Counter(
    "remit_transitions", "Status transitions applied, by object type and action.", ["object_type", "action"]
)
WEBHOOK_ATTEMPTS = Counter("remit_webhook_attempts", "Webhook delivery attempts by outcome.", ["outcome"])
SCHEDULER_RUNS = Counter("remit_scheduler_runs", "Background job ticks by job and outcome.", ["job", "outcome"])
DB_IN_USE = Gauge(
    "remit_db_connections_in_use", "Database connections checked out of the pools.", multiprocess_mode="livesum"
)
DB_POOL_SIZE = Gauge(
    "remit_db_pool_size", "Database connections the pools keep (overflow aside).", multiprocess_mode="livesum"
)


def webhook_outcome(status_code: int | None) -> str:
    if status_code is None:
        return "network_error"
    return "success" if 200 <= status_code < 300 else "http_error"


def prepare_multiprocess() -> str:
    """Give the processes about to start a directory for their values: ``PROMETHEUS_MULTIPROC_DIR``
    if set (emptied: values of processes gone before are not today's), else a new temporary one.
    Must run before ``prometheus_client`` is imported in this process (it reads the variable then)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)
    else:
        directory = tempfile.mkdtemp(prefix="remit-metrics-")
        os.environ[MULTIPROC_ENV] = directory
    return directory


def remove_multiprocess_dir(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def process_exited(pid: int | None = None) -> None:
    """Drop a process's live gauges (it is gone: its connections are no longer in use)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]


def _forget_dead_processes() -> None:
    """Processes killed without a goodbye (a crashed worker) leave live gauges behind: drop them."""
    directory = os.environ[MULTIPROC_ENV]
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        try:
            pid = int(path.rsplit("_", 1)[1][:-3])
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
        except (ValueError, PermissionError):
            continue


def watch_pool(engine: Engine, pool_size: int) -> None:
    """Count this engine's checked-out connections in ``remit_db_connections_in_use``."""
    DB_POOL_SIZE.inc(pool_size)
    event.listen(engine, "checkout", lambda *args: DB_IN_USE.inc())
    event.listen(engine, "checkin", lambda *args: DB_IN_USE.dec())


class DatabaseCollector(Collector):
    """The outbox's depth and its oldest undelivered delivery's age, read when scraped."""

    def __init__(self, db: Database):
        self.db = db

    def collect(self) -> Iterator[Metric]:
        from remit.webhooks.models import WebhookDelivery as D
        from remit.webhooks.outbox import db_now

        depth = GaugeMetricFamily("remit_outbox_depth", "Webhook deliveries not yet delivered nor given up.")
        age = GaugeMetricFamily(
            "remit_outbox_oldest_age_seconds", "Age of the oldest webhook delivery not yet delivered (0: none)."
        )
        try:
            with self.db.transaction(write=False) as session:
                connection = session.connection()
                count, oldest = connection.execute(
                    select(func.count(), func.min(D.created_at)).where(D.was_successful.is_(None))
                ).one()
                now = db_now(connection)
        except Exception:
            return  # the database is unreachable: /readyz says so; the other metrics still answer
        depth.add_metric([], count)
        if oldest is not None:
            from datetime import UTC, datetime

            if isinstance(oldest, str):
                oldest = datetime.fromisoformat(oldest)
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
        age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
        yield depth
        yield age


def registry(db: Database | None) -> CollectorRegistry:
    """What a scrape reads: this process's metrics, or every live and past process's in
    multiprocess mode, and the database's figures when a database is given."""
    from prometheus_client import REGISTRY

    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_AllProcesses() if multiprocess_mode() else _Forward(REGISTRY))
    if db is not None:
        scrape.register(DatabaseCollector(db))
    return scrape


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self) -> Iterator[Metric]:
        return iter(self.source.collect())


class _AllProcesses(Collector):
    def __init__(self) -> None:
        self.collector = multiprocess.MultiProcessCollector(None)  # type: ignore[no-untyped-call]

    def collect(self) -> Iterator[Metric]:
        _forget_dead_processes()
        return iter(self.collector.collect())  # type: ignore[no-untyped-call]


def exposition(db: Database | None) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    return generate_latest(registry(db)), CONTENT_TYPE_LATEST


def serve_on_port(port: int, host: str, db: Database | None) -> Any:
    """Serve the metrics on a port of their own, in a daemon thread (``REMIT_METRICS_PORT``)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=registry(db))
    return server
