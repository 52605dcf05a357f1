"""The HTTP surface that needs no database: docs, headers, errors, body cap."""

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from httpx import ASGITransport, AsyncClient, Response

from app.core.middleware import SECURITY_HEADERS
from app.main import create_app
from tests.conftest import make_settings


def make_app(**values: Any) -> FastAPI:
    return create_app(make_settings(**values))


async def request(app: FastAPI, method: str, path: str, **kwargs: Any) -> Response:
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


def assert_security_headers(response: Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        if name != "Content-Security-Policy":
            assert response.headers[name] == value
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.fixture
def development_app() -> FastAPI:
    return make_app(ENVIRONMENT="development")


async def test_docs_are_served_in_development(development_app: FastAPI) -> None:
    assert (await request(development_app, "GET", "/docs")).status_code == 200
    schema = await request(development_app, "GET", "/api/v1/openapi.json")
    assert "/api/v1/health/live" in schema.json()["paths"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_need_no_cdn(development_app: FastAPI, page: str) -> None:
    """Every script, style and image of the docs comes from the service itself, and the
    pages' CSP allows nothing else."""
    response = await request(development_app, "GET", page)
    assert response.status_code == 200
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", response.text)
    assert "https:" not in response.headers["Content-Security-Policy"]
    assets = re.findall(r"(?:src|href)=[\"']?(/docs/assets/[\w.-]+)", response.text)
    assert any(asset.endswith(".js") for asset in assets), response.text
    for asset in assets:
        served = await request(development_app, "GET", asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/api/v1/openapi.json"])
async def test_docs_are_off_in_production(path: str) -> None:
    response = await request(make_app(ENVIRONMENT="production"), "GET", path)
    assert response.status_code == 404


async def test_every_response_carries_security_headers(development_app: FastAPI) -> None:
    ok = await request(development_app, "GET", "/api/v1/health/live")
    missing = await request(development_app, "GET", "/nowhere")
    assert ok.status_code == 200
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    for response in (ok, missing):
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers


async def test_hsts_only_over_https(development_app: FastAPI) -> None:
    transport = ASGITransport(app=development_app)
    async with AsyncClient(transport=transport, base_url="https://test") as client:
        response = await client.get("/api/v1/health/live")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_hsts_always_in_production() -> None:
    """TLS usually ends at a proxy, so production sends HSTS whatever the scheme it sees
    (browsers ignore it on plain HTTP)."""
    response = await request(make_app(ENVIRONMENT="production"), "GET", "/api/v1/health/live")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_422_answers_never_echo_what_was_sent(development_app: FastAPI) -> None:
    @development_app.post("/secret")
    async def secret(payload: dict[str, int]) -> dict[str, int]:
        return payload

    response = await request(
        development_app, "POST", "/secret", json={"password": "hunter2-do-not-echo"}
    )
    assert response.status_code == 422
    assert "hunter2-do-not-echo" not in response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    assert "input" not in error


async def test_unhandled_error_is_a_generic_json_500(development_app: FastAPI) -> None:
    @development_app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    response = await request(development_app, "GET", "/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert "hunter2" not in response.text
    assert_security_headers(response)


async def test_an_unhandled_error_is_logged_once_and_not_raised_to_the_server(
    development_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """The server (uvicorn.error) logs whatever the app raises: the app answers and logs the
    error itself, once, so that no second traceback follows."""

    @development_app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = ASGITransport(app=development_app)  # raises what the app lets through
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-once"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-once"
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1
    assert "GET /boom" in tracebacks[0].getMessage()


async def test_a_500_passes_through_cors_like_every_answer() -> None:
    app = make_app(ENVIRONMENT="development", CORS_ORIGINS="https://app.test")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    response = await request(app, "GET", "/boom", headers={"Origin": "https://app.test"})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "https://app.test"
    assert_security_headers(response)


async def test_start_up_warns_of_an_unreachable_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The service starts (readiness says 503), and the log says what is missing, and where
    (the app sets up logging itself, so the log is read where it goes)."""
    app = make_app(
        ENVIRONMENT="development",
        DATABASE_URL="postgresql+asyncpg://app:s3cret-pw@127.0.0.1:9/orders",
        HEALTH_CHECK_TIMEOUT="1",
    )
    async with app.router.lifespan_context(app):
        pass
    log = capsys.readouterr().err
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert any("database" in w and "127.0.0.1:9" in w for w in warnings), log
    assert "s3cret-pw" not in log


async def test_oversized_body_is_refused_with_413() -> None:
    app = make_app(MAX_REQUEST_BODY_BYTES=1024)

    @app.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, str]:
        return payload

    small = await request(app, "POST", "/echo", json={"a": "b"})
    announced = await request(app, "POST", "/echo", json={"a": "b" * 2000})

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"a": "'
        for _ in range(10):
            yield b"b" * 200
        yield b'"}'

    streamed = await request(app, "POST", "/echo", content=chunks())
    assert small.status_code == 200
    assert announced.status_code == 413
    assert streamed.status_code == 413
    assert announced.json() == streamed.json() == {"detail": "Request body too large"}


async def test_cors_allows_only_the_configured_origins() -> None:
    app = make_app(CORS_ORIGINS="https://app.example")
    headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    allowed = await request(app, "OPTIONS", "/api/v1/health/live", headers=headers)
    headers["Origin"] = "https://evil.example"
    refused = await request(app, "OPTIONS", "/api/v1/health/live", headers=headers)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Access-Control-Allow-Origin" not in refused.headers


async def test_answers_vary_on_origin_whether_or_not_one_is_sent() -> None:
    """A request without Origin skips the CORS layer, yet a cache must still learn that the
    answer varies with Origin, once, as for a cross-origin request."""
    app = make_app(CORS_ORIGINS="https://app.example")
    plain = await request(app, "GET", "/api/v1/health/live")
    cross = await request(
        app, "GET", "/api/v1/health/live", headers={"Origin": "https://app.example"}
    )
    too_large = await request(
        app,
        "POST",
        "/api/v1/health/live",
        content=b"x" * 2_000_000,
        headers={"Origin": "https://app.example"},
    )
    assert plain.headers.get_list("Vary") == cross.headers.get_list("Vary") == ["Origin"]
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert cross.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert too_large.status_code == 413
    assert too_large.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert_security_headers(too_large)


async def test_headers_an_answer_sets_itself_are_kept() -> None:
    """The middleware adds only what is missing; Origin joins a Vary the answer set."""
    app = make_app(CORS_ORIGINS="https://app.example")

    @app.get("/framed")
    async def framed() -> PlainTextResponse:
        headers = {"Vary": "Accept-Encoding", "X-Frame-Options": "SAMEORIGIN"}
        return PlainTextResponse("framed", headers=headers)

    response = await request(app, "GET", "/framed")
    assert response.headers.get_list("Vary") == ["Accept-Encoding, Origin"]
    assert response.headers.get_list("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
