"""Traces and metrics of real requests: spans caught by an in-memory exporter, and a scrape of
the metrics server over HTTP."""

import json
import logging
import socket

import httpx
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.core.config import Settings
from app.core.logging import JsonFormatter
from app.core.observability import TraceContextFilter
from app.main import create_app
from tests.integration.conftest import resources_of

TRACED = "{{ '/api/v1/users/me' if cookiecutter.auth_mode != 'none' else '/api/v1/health/ready' }}"


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    by_id = {other.context.span_id: other for other in spans if other.context}
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


async def test_one_request_gives_a_server_span_with_a_database_child_span(
{%- if cookiecutter.auth_mode != "none" %}
    app: FastAPI, client: AsyncClient, user_headers: dict[str, str]
{%- else %}
    app: FastAPI, client: AsyncClient
{%- endif %}
) -> None:
    exporter = InMemorySpanExporter()
    resources_of(app).tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))

{%- if cookiecutter.auth_mode != "none" %}
    response = await client.get(TRACED, headers=user_headers)
{%- else %}
    response = await client.get(TRACED)
{%- endif %}

    assert response.status_code == 200
    spans = list(exporter.get_finished_spans())
    [server] = [span for span in spans if span.kind is SpanKind.SERVER]
    assert server.name == f"GET {TRACED}"
    queries = [
        span
        for span in spans
        if (span.attributes or {}).get("db.system") == "postgresql"
        and server in ancestors(span, spans)
    ]
    assert queries, [(span.name, span.parent) for span in spans]
    assert all(span.kind is SpanKind.CLIENT for span in queries)
    assert all(span.context.trace_id == server.context.trace_id for span in queries)


async def test_a_metrics_scrape_shows_the_request_by_its_route_template(
    settings: Settings,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(
        Settings.model_validate(
            settings.model_dump() | {"METRICS_PORT": port, "METRICS_HOST": "127.0.0.1"}
        )
    )
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        assert (await client.get("/api/v1/health/live")).status_code == 200
        assert (await client.get("/api/v1/no/such/path/12345")).status_code == 404
        async with httpx.AsyncClient() as scraper:
            scrape = await scraper.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert scrape.status_code == 200
    lines = scrape.text.splitlines()
    assert 'http_requests_total{method="GET",route="/api/v1/health/live",status="200"} 1.0' in lines
    assert 'http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in lines
    assert "12345" not in scrape.text  # never a raw path
    assert any(line.startswith("http_request_duration_seconds_bucket{") for line in lines)
    assert any(line.startswith("db_pool_connections_in_use ") for line in lines)


def test_json_log_lines_carry_the_trace_and_span_ids(app: FastAPI) -> None:
    tracer = resources_of(app).tracer_provider.get_tracer(__name__)
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "inside a span", None, None)
    with tracer.start_as_current_span("work") as span:
        TraceContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")
