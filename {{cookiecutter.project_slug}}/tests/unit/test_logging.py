"""Request ids and the access log: one JSON line per request, no secrets in it."""

import asyncio
import json
import logging
import re
import time
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from app.main import create_app
from tests.conftest import make_settings

# How long /talk takes, at least: the access log's duration must include it.
TALK_SECONDS = 0.02


def json_app() -> FastAPI:
    """Outside development the logs are JSON lines on stderr."""
    app = create_app(make_settings(ENVIRONMENT="staging"))

    @app.get("/talk")
    async def talk() -> dict[str, str]:
        logging.getLogger("app.talk").info("inside the request")
        await asyncio.sleep(TALK_SECONDS)
        return {"said": "yes"}

    return app


async def get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> Response:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path, headers=headers)


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


async def test_a_request_id_is_made_when_none_is_sent() -> None:
    app = json_app()
    ids = [(await get(app, "/api/v1/health/live")).headers["X-Request-ID"] for _ in range(2)]
    for request_id in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # 128 random bits, as hex
    assert ids[0] != ids[1]


async def test_a_valid_request_id_is_kept() -> None:
    response = await get(json_app(), "/api/v1/health/live", {"X-Request-ID": "abc-123.x:y_z"})
    assert response.headers["X-Request-ID"] == "abc-123.x:y_z"


@pytest.mark.parametrize("sent", ["a" * 129, "has space", "back\\slash", 'quote"d', "semi;colon"])
async def test_an_unsafe_request_id_is_replaced(sent: str) -> None:
    response = await get(json_app(), "/api/v1/health/live", {"X-Request-ID": sent})
    assert response.headers["X-Request-ID"] != sent
    assert len(response.headers["X-Request-ID"]) == 32


async def test_every_line_of_a_request_carries_its_id(capsys: pytest.CaptureFixture[str]) -> None:
    app = json_app()
    capsys.readouterr()
    started = time.perf_counter()
    response = await get(app, "/talk?token=hunter2", {"Authorization": "Bearer sekrit"})
    elapsed_ms = (time.perf_counter() - started) * 1000
    lines = log_lines(capsys)
    request_id = response.headers["X-Request-ID"]
    talk = next(line for line in lines if line["logger"] == "app.talk")
    access = next(line for line in lines if line["logger"] == "app.access")
    assert talk["request_id"] == access["request_id"] == request_id
    assert access["method"] == "GET"
    assert access["path"] == "/talk"
    assert access["status"] == 200
    # The request's own time: at least the handler's pause, at most what the client waited.
    assert TALK_SECONDS * 1000 <= access["duration_ms"] <= elapsed_ms
    output = json.dumps(lines)
    assert "hunter2" not in output
    assert "sekrit" not in output


async def test_errors_are_logged_with_their_status(capsys: pytest.CaptureFixture[str]) -> None:
    app = json_app()
    capsys.readouterr()
    await get(app, "/nowhere%0Aforged")
    access = [line for line in log_lines(capsys) if line["logger"] == "app.access"]
    assert len(access) == 1
    assert access[0]["status"] == 404
    assert "\n" not in access[0]["path"]


async def test_an_unhandled_error_keeps_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    app = json_app()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    capsys.readouterr()
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    lines = log_lines(capsys)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-500"
    access = next(line for line in lines if line["logger"] == "app.access")
    error = next(line for line in lines if "exception" in line)
    assert access["status"] == 500
    assert access["request_id"] == error["request_id"] == "req-500"
