"""Probe a running server over real HTTP, as a load balancer and a client would."""

import httpx


def test_liveness_and_readiness_over_http(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        live = client.get("/api/v1/health/live")
        ready = client.get("/api/v1/health/ready")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"{% if cookiecutter.use_redis %}, "redis": "ok"{% endif %}}


def test_errors_are_json_with_security_headers(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_openapi_schema_is_served_in_development(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/health/live", "/api/v1/health/ready"} <= set(schema["paths"])
