"""Refresh under concurrency, against a real server: one refresh wins, and the others, being
re-uses of a rotated token, revoke the whole family, the winner's new tokens included."""

import asyncio
from collections import Counter

import httpx

from tests.accounts import sign_up_and_in
from tests.signing_in import bearer

ME = "/api/v1/users/me"
REFRESH = "/api/v1/auth/refresh"


async def test_parallel_refreshes_of_one_token_have_one_winner_and_end_the_family(
    server_url: str,
) -> None:
    with httpx.Client(base_url=server_url) as client:
        tokens = sign_up_and_in(client, "racer@example.com")
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client, asyncio.timeout(60):
        answers = await asyncio.gather(
            *(
                client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
                for _ in range(10)
            )
        )
        assert Counter(answer.status_code for answer in answers) == {200: 1, 401: 9}
        [winner] = [answer.json() for answer in answers if answer.status_code == 200]
        assert (await client.get(ME, headers=bearer(winner))).status_code == 401
        again = await client.post(REFRESH, json={"refresh_token": winner["refresh_token"]})
        assert again.status_code == 401
