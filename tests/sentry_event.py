"""Run inside a generated project (cwd) with its production requirements installed, as
`python -c "$(cat this file)"`: builds the app with a Sentry DSN, lets the real SDK report an
unhandled error of a request full of personal data, and prints what the SDK would have sent
(every envelope item, as JSON) on stdout. The SDK's transport is replaced by one that keeps
the envelopes: nothing leaves the machine.

The request carries the values of PERSONAL_DATA (tests/test_generated_suite.py reads them
from here): in its headers, cookies, query string, JSON body and client address.
"""

import asyncio
import json
from typing import Any

PERSONAL_DATA = {
    "authorization": "Bearer sekrit-access-token-4711",
    "cookie": "sekrit-session-cookie-4711",
    "csrf": "sekrit-csrf-token-4711",
    "query": "sekrit-query-token-4711",
    "email": "ada.lovelace@example.org",
    "password": "sekrit passphrase 4711",
    "client_ip": "203.0.113.77",
    "forwarded_ip": "198.51.100.23",
}


async def main() -> None:
    import sentry_sdk
    from app.core.config import Settings
    from app.main import create_app
    from httpx import ASGITransport, AsyncClient
    from sentry_sdk.envelope import Envelope
    from sentry_sdk.transport import Transport

    sent: list[Envelope] = []

    class KeepingTransport(Transport):
        def capture_envelope(self, envelope: Envelope) -> None:
            sent.append(envelope)

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        ENVIRONMENT="development",
        SECRET_KEY="k" * 48,
        SENTRY_DSN="https://public@sentry.invalid/1",
    )
    app = create_app(settings)
    client = sentry_sdk.get_client()
    assert client.is_active(), "create_app did not start the Sentry SDK"
    client.transport = KeepingTransport(client.options)

    @app.post("/api/v1/boom")
    async def boom(payload: dict[str, Any]) -> None:
        raise RuntimeError("boom: an unhandled error")

    data = PERSONAL_DATA
    transport = ASGITransport(app=app, raise_app_exceptions=False, client=(data["client_ip"], 4711))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        # A first request leaves breadcrumbs (the access log) before the error.
        await http.get("/api/v1/health/live", headers={"X-Forwarded-For": data["forwarded_ip"]})
        response = await http.post(
            "/api/v1/boom",
            params={"token": data["query"], "email": data["email"]},
            json={"email": data["email"], "password": data["password"]},
            headers={
                "Authorization": data["authorization"],
                "Cookie": f"__Host-session={data['cookie']}; __Host-csrf={data['csrf']}",
                "X-CSRF-Token": data["csrf"],
                "X-Forwarded-For": data["forwarded_ip"],
            },
        )
    assert response.status_code == 500, response.text
    client.flush(timeout=5)
    items = []
    for envelope in sent:
        for item in envelope.items:
            payload = item.payload.json if item.payload.json is not None else None
            items.append({"type": item.type, "payload": payload})
    print(json.dumps(items))


if __name__ == "__main__":
    asyncio.run(main())
