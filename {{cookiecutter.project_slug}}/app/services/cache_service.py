"""What the services need from a cache, whatever backs it (see cache_backend.py).

- Counters for the rate limits: short-lived, counted atomically.
- A shared cache of short-lived validity records, with tombstones: it may answer for a live
  sign-in for a while, and a tombstone makes every worker refuse an ended one at once.

Correctness never depends on the cache: the database decides, the cache only saves queries.
"""

from collections.abc import Sequence
from typing import Literal, NamedTuple, Protocol

REVOKED: Literal["revoked"] = "revoked"


class Counter(NamedTuple):
    hits: int
    # Seconds until the counter expires (0 when it does not exist).
    expires_in: int


class CounterStore(Protocol):
    async def increment(self, key: str, window_seconds: int) -> Counter:
        """Add one; the first increment starts a window of `window_seconds`."""
        ...

    async def decrement(self, key: str, window_seconds: int) -> None:
        """Take one back (a counted attempt that turned out fine). A counter that expired
        meanwhile starts a window below zero: one attempt more in it, never a lasting key."""
        ...

    async def peek(self, key: str) -> Counter: ...

    async def delete(self, key: str) -> None: ...


class SharedCache(Protocol):
    """Values shared by every worker process, and tombstones that outlive them."""

    ttl_seconds: int

    async def get(self, key: str) -> str | Literal["revoked"] | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[str | Literal["revoked"] | None]:
        """The values of several keys, in one round trip."""
        ...

    async def add(self, key: str, value: str) -> None:
        """Store the value unless the key exists (a live value or a tombstone)."""
        ...

    async def revoke(self, keys: Sequence[str]) -> None:
        """Tombstones that outlive any value that could still be added for these keys."""
        ...
