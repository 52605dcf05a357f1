"""Live sessions cached in Redis, shared by every worker (see session_service for the rules)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, cast

from redis.asyncio import Redis

from app.services.session_service import REVOKED, CachedSession


class RedisSessionCache:
    def __init__(self, redis: Redis, ttl_seconds: int, prefix: str = "session:") -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        # Any entry is added within one lifetime of its read (see session_service): a
        # tombstone that lives two lifetimes outlasts every entry that could still arrive.
        self.tombstone_seconds = 2 * ttl_seconds
        self.prefix = prefix

    async def get(self, token_hash: str) -> CachedSession | Literal["revoked"] | None:
        # The shared client decodes responses (app/core/redis.py): values are str.
        value = cast("str | None", await self.redis.get(self.prefix + token_hash))
        if value is None:
            return None
        if value == REVOKED:
            return REVOKED
        fields = json.loads(value)
        return CachedSession(
            user_id=fields["user_id"],
            last_seen_at=datetime.fromisoformat(fields["last_seen_at"]),
            expires_at=datetime.fromisoformat(fields["expires_at"]),
        )

    async def add(self, token_hash: str, entry: CachedSession) -> None:
        value = json.dumps(
            {
                "user_id": entry.user_id,
                "last_seen_at": entry.last_seen_at.isoformat(),
                "expires_at": entry.expires_at.isoformat(),
            }
        )
        await self.redis.set(self.prefix + token_hash, value, ex=self.ttl_seconds, nx=True)

    async def revoke(self, token_hashes: Sequence[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for token_hash in token_hashes:
                pipe.set(self.prefix + token_hash, REVOKED, ex=self.tombstone_seconds)
            await pipe.execute()
