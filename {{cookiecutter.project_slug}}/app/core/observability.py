"""Traces and metrics.

Traces: every request is a server span (FastAPI), with a child span per SQL statement
(SQLAlchemy) and per Redis command where Redis is used; they are exported over OTLP/HTTP
when OTEL_EXPORTER_OTLP_ENDPOINT is set. Every log line of a traced request carries its
`trace_id` and `span_id`, beside the request id.

Metrics (Prometheus, on METRICS_PORT, a port of its own that no Service or Ingress of the API
publishes): requests by method, route template (never the raw path) and status, their
latency, and the database connections in use.
"""

import logging
import time
from collections.abc import Iterator
from functools import cached_property
from http.server import ThreadingHTTPServer
from threading import Thread

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.database import DatabaseResources
from app.core.logging import CONTEXT_FIELDS

logger = logging.getLogger(__name__)

# Requests that matched no route share one label: raw paths would make a series per URL.
UNMATCHED = "unmatched"


class TraceContextFilter(logging.Filter):
    """Stamp each record with the ids of the span it was logged in ("-" outside a trace)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else "-"
        record.span_id = format(context.span_id, "016x") if context.is_valid else "-"
        return True


class PoolCollector(Collector):
    """The database connections checked out of the pool, read at each scrape."""

    def __init__(self, resources: DatabaseResources) -> None:
        self.resources = resources

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.resources.engine.sync_engine.pool
        in_use = pool.checkedout() if hasattr(pool, "checkedout") else 0
        yield GaugeMetricFamily(
            "db_pool_connections_in_use", "Database connections checked out", value=in_use
        )


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("method", "route", "status")
        self.requests = Counter(
            "http_requests", "HTTP requests answered", labels, registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "Time to answer", labels, registry=registry
        )


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.templates: dict[object, str] = {}

    def route_template(self, scope: Scope) -> str:
        """The matched route's full path template (an included router's route knows only
        its own part), found by its endpoint."""
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        if not self.templates:
            self.templates = {
                context.endpoint: context.path
                for context in iter_route_contexts(scope["app"].routes)
                if context.endpoint is not None and context.path is not None
            }
        return self.templates.get(endpoint, UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_see(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_see)
        finally:
            labels = (scope["method"], self.route_template(scope), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)


class ObservabilityResources(DatabaseResources):
    @cached_property
    def tracer_provider(self) -> TracerProvider:
        provider = TracerProvider(
            resource=Resource.create(
                {
                    SERVICE_NAME: self.settings.OTEL_SERVICE_NAME,
                    SERVICE_VERSION: self.settings.VERSION,
                }
            )
        )
        if self.settings.OTEL_EXPORTER_OTLP_ENDPOINT:
            # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* itself.
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        return provider

    @cached_property
    def metrics_registry(self) -> CollectorRegistry:
        registry = CollectorRegistry()
        registry.register(PoolCollector(self))
        return registry

    def install(self, app: FastAPI) -> None:
        super().install(app)
        app.add_middleware(MetricsMiddleware, metrics=RequestMetrics(self.metrics_registry))
        FastAPIInstrumentor.instrument_app(app, tracer_provider=self.tracer_provider)
        # This engine only (SQLAlchemyInstrumentor would patch every engine of the process).
        EngineTracer(  # type: ignore[no-untyped-call]  # the instrumentation has no annotations
            self.tracer_provider.get_tracer(__name__),
            self.engine.sync_engine,
            NoOpMeterProvider().get_meter(__name__).create_up_down_counter("db.connections"),
        )
        for field in ("trace_id", "span_id"):
            if field not in CONTEXT_FIELDS:
                CONTEXT_FIELDS.append(field)
        for handler in logging.getLogger().handlers:
            handler.addFilter(TraceContextFilter())

    async def open(self) -> None:
        await super().open()
        if not self.settings.METRICS_PORT:
            return
        try:
            served = start_http_server(
                self.settings.METRICS_PORT,
                addr=self.settings.METRICS_HOST,
                registry=self.metrics_registry,
            )
        except OSError:
            # Under gunicorn, the first worker of the pod to start serves its own figures.
            logger.warning("Metrics port %s is taken: not serving it", self.settings.METRICS_PORT)
            return
        self.__dict__["metrics_server"] = served
        logger.info("Prometheus metrics on port %s", self.settings.METRICS_PORT)

    async def aclose(self) -> None:
        served: tuple[ThreadingHTTPServer, Thread] | None = self.__dict__.pop(
            "metrics_server", None
        )
        if served is not None:
            served[0].shutdown()
            served[0].server_close()
        if "tracer_provider" in self.__dict__:
            self.tracer_provider.shutdown()
        await super().aclose()
