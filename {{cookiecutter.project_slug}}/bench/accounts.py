"""The signed-in phases of the bench: `GET /users/me`, a correct login, and a login storm
(clients sending logins for unknown e-mails without pause, each costing a bcrypt check)
while the liveness probe, then `/users/me`, are measured beside it."""

import asyncio
import json
import secrets
from typing import Any

from bench.load import API, Load, Request, call, load
from tests.signing_in import LOGIN, bearer

HEALTH = f"{API}/health/live"
PASSWORD = "bench-Password-1234"  # noqa: S105  # a throwaway account in a throwaway database
STORM_CLIENTS = 16
# The storm measures the cost of password checks, not the rate limits' refusals.
ENVIRONMENT = {
    "BCRYPT_ROUNDS": "12",
    "RATE_LIMIT_LOGIN_PER_ACCOUNT": str(10**9),
    "RATE_LIMIT_LOGIN_PER_IP": str(10**9),
    "RATE_LIMIT_REGISTER_PER_IP": str(10**9),
}


def goals(fast_check: float) -> dict[str, float]:
    """`fast_check`: the share of bare FastAPI's rate `/users/me` must reach here."""
    return {"me / bare": fast_check, "storm health p99 ms": 50.0, "storm me / me": 0.5}


def figures(loads: dict[str, Load]) -> dict[str, float]:
    return {
        "me / bare": loads["me"].rate / loads["bare FastAPI"].rate,
        "storm health p99 ms": loads["storm health"].percentile(0.99),
        "storm me / me": loads["storm me"].rate / loads["me"].rate,
    }


def json_post(path: str, payload: dict[str, str]) -> Request:
    body = json.dumps(payload).encode()
    return Request("POST", path, {"Content-Type": "application/json"}, body)


async def sign_up(port: int) -> dict[str, Any]:
    """Register the bench account and sign in: the credentials and the tokens."""
    credentials = {"email": f"bench-{secrets.token_hex(4)}@example.com", "password": PASSWORD}
    status, body = await call(port, json_post(f"{API}/auth/register", credentials))
    if status != 201:
        raise SystemExit(f"bench: registration answered {status}: {body}")
    status, body = await call(port, json_post(LOGIN, credentials))
    if status != 200:
        raise SystemExit(f"bench: login answered {status}: {body}")
    return {"credentials": credentials, "tokens": body}


async def measure(port: int, seconds: float, connections: int) -> list[Load]:
    account = await sign_up(port)
    me = Request("GET", f"{API}/users/me", bearer(account["tokens"]))
    login = json_post(LOGIN, account["credentials"])
    storm = [
        json_post(LOGIN, {"email": f"nobody-{n}@example.com", "password": "wrong-Password-1"})
        for n in range(64)
    ]
    results = []
    for label, requests, clients in (("me", [me], connections), ("login", [login], 16)):
        await load(port, requests, 1, clients, "warm-up")
        results.append(await load(port, requests, seconds, clients, label))
    for label, requests, clients in (
        ("storm health", [Request("GET", HEALTH)], 4),
        ("storm me", [me], connections),
    ):
        stop = asyncio.Event()
        storming = asyncio.create_task(
            load(port, storm, seconds + 60, STORM_CLIENTS, f"storm load ({label})", stop=stop)
        )
        await asyncio.sleep(1)
        results.append(await load(port, requests, seconds, clients, label))
        stop.set()
        results.append(await storming)
    return results
