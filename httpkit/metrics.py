"""Prometheus metrics: ``GET /metrics`` in the text exposition format (``prometheus_client``).

Counted by the process that served each request:

- ``parledger_http_requests_total{method, route, status}``: ``route`` is the route's template
  (``/plans/{plan}/tasks``), ``unmatched`` for a path no route knows, so a scanner's random
  paths make no new series;
- ``parledger_http_request_duration_seconds{method, route}``: a histogram, from the first byte
  received to the last sent (read-your-writes waits included).

Read from the database at each scrape, so every process answers the same:

- ``parledger_ledger_head_position``, ``parledger_events_appended_total`` (the chain's size);
- ``parledger_projection_position``, ``parledger_projection_lag_events``: how far the live
  view (kept by ``parledger projections run``, or by reads in the embedded mode) trails the log;
- ``parledger_chain_verify_age_seconds`` and ``…_last_success_timestamp_seconds``: since the
  last successful ``parledger verify`` or digest (``parledger_verifications``); absent until
  one has run;
- ``parledger_read_replica_up{target}``, ``parledger_read_replica_lag_events{target}``;
- ``parledger_database_up``: 0 when the primary did not answer (the rest is then left out).

**Several processes.** ``uvicorn --workers N`` puts N processes behind one port and a scrape
reaches any one of them, so per-process counters would jump between scrapes. With
``PROMETHEUS_MULTIPROC_DIR`` naming a directory (the same for every process of a host, emptied
before they start), the request counters and histograms are prometheus_client's multi-process
values: each process writes its own file there and a scrape sums them all. Without it (one
process, ``scripts/serve``) they are the process's own. The ledger's figures need neither:
they are facts of the database, computed when scraped.

**Who may read.** Only a scraper holding ``PARLEDGER_METRICS_TOKEN``: ``Authorization: Bearer
<token>`` (Prometheus ``authorization: {credentials_file: …}``), compared in constant time.
Unset, ``/metrics`` answers 404: metrics are off. Not a user's token: a scraper is no person,
must not read the ledger, and should not stop when a person's token is revoked; the figures
hold no ledger content or personal data, but they do tell traffic and routes.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import Scope

from httpkit.problems import ProblemError
from ledger.application import ParLedger

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_ENV = "PARLEDGER_METRICS_TOKEN"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "parledger_http_requests",
    "HTTP requests served, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "parledger_http_request_duration_seconds",
    "Time to serve an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def route_of(scope: Scope) -> str:
    """The template of the route that matched (set by the router on the request's scope)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


def observe(scope: Scope, status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "other"
    route = route_of(scope)
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class ReadTarget(Protocol):
    """A read replica as ``httpkit/routing.py`` holds it."""

    name: str

    def available(self) -> bool: ...

    def position(self) -> int: ...


class LedgerFigures(Collector):
    """The figures of the database, read when scraped."""

    def __init__(self, ledger: ParLedger, replicas: Sequence[ReadTarget]) -> None:
        self.ledger, self.replicas = ledger, replicas

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("parledger_database_up", "1 when the primary database answered")
        try:
            figures = list(self._primary())
        except PersistenceError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _primary(self) -> Iterator[Metric]:
        ledger = self.ledger
        head = int(ledger.recorder.max_notification_id() or 0)
        position, _ = ledger.view.standing(ledger.name)
        yield _gauge("parledger_ledger_head_position", "Position of the log's last event", head)
        yield CounterMetricFamily(
            "parledger_events_appended", "Events in the ledger", ledger.ledger_recorder.chain_size()
        )
        yield _gauge("parledger_projection_position", "Position the live view reached", position)
        yield _gauge(
            "parledger_projection_lag_events",
            "Events in the log not yet folded into the live view",
            max(0, head - position),
        )
        verified = ledger.ledger_recorder.last_verified()
        if verified is not None:
            yield _gauge(
                "parledger_chain_verify_age_seconds",
                "Seconds since the last successful chain verification",
                max(0.0, time.time() - verified),
            )
            yield _gauge(
                "parledger_chain_verify_last_success_timestamp_seconds",
                "When the last successful chain verification finished (Unix time)",
                verified,
            )
        yield from self._replicas(head)

    def _replicas(self, head: int) -> Iterator[Metric]:
        if not self.replicas:
            return
        up = GaugeMetricFamily(
            "parledger_read_replica_up", "1 when the replica answers", None, ["target"]
        )
        lag = GaugeMetricFamily(
            "parledger_read_replica_lag_events",
            "Events the replica's live view trails the primary's log by",
            None,
            ["target"],
        )
        for target in self.replicas:
            try:
                position = target.position() if target.available() else None
            except (OperationalError, InterfaceError):
                position = None
            up.add_metric([target.name], 0 if position is None else 1)
            if position is not None:
                lag.add_metric([target.name], max(0, head - position))
        yield up
        yield lag


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value)


def exposition(ledger: ParLedger, replicas: Sequence[ReadTarget]) -> bytes:
    """The text a scrape gets: the requests of every process, then the database's figures."""
    requests = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)  # type: ignore[no-untyped-call]
    figures = CollectorRegistry(auto_describe=False)
    figures.register(LedgerFigures(ledger, replicas))
    return generate_latest(requests) + generate_latest(figures)


def _authorise(request: Request) -> None:
    expected = os.environ.get(TOKEN_ENV, "")
    if not expected:
        detail = f"số đo (metrics) chưa bật: đặt {TOKEN_ENV} cho dịch vụ"
        raise ProblemError(404, "not_found", detail)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProblemError(
            401,
            "unauthenticated",
            f"cần Authorization: Bearer với mã {TOKEN_ENV} để đọc số đo",
            "Authorization",
            **{"WWW-Authenticate": "Bearer"},
        )


def install(app: FastAPI, ledger: ParLedger, replicas: Sequence[ReadTarget]) -> None:
    @app.get("/metrics", include_in_schema=False, name="get_metrics")
    def metrics(request: Request) -> Response:
        _authorise(request)
        return Response(exposition(ledger, replicas), media_type=CONTENT_TYPE_LATEST)
