"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.e2e.fuzz_auth): sign in as the fuzzing
account, and again whenever a request gets 401 (the fuzzer itself logs out everywhere and
ends sessions on the way)."""

import os
from typing import Any

import httpx
import schemathesis

from tests.signing_in import LOGIN, bearer


@schemathesis.auth()
class FreshSignIn:
    def get(self, case: schemathesis.Case[Any], context: Any) -> str:
        response = httpx.post(
            os.environ["FUZZ_BASE_URL"] + LOGIN,
            json={"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]},
            timeout=10,
        )
        response.raise_for_status()
        return bearer(response.json())["Authorization"]

    def set(self, case: schemathesis.Case[Any], data: str, context: Any) -> None:
        case.headers["Authorization"] = data
