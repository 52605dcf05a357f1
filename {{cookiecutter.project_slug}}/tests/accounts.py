"""Signing up and in over HTTP, for the tests that drive a real server (tests/signing_in.py
says how this auth mode signs in)."""

from typing import Any

import httpx

from tests.signing_in import LOGIN

PASSWORD = "a sturdy journey passphrase"


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def sign_up_and_in(client: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert registered.status_code == 201, registered.text
    return sign_in(client, email, password)
