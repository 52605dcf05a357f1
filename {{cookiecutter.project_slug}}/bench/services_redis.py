"""The servers the bench needs besides PostgreSQL: Redis, on a database of its own."""

import os
from typing import Any

# The share of bare FastAPI's rate a signed-in request must reach: its check is one Redis
# round trip.
FAST_CHECK = 0.15


def environment(settings: Any) -> dict[str, str]:
    """Database 14 of REDIS_URL's server, or BENCH_REDIS_URL: nothing else is touched."""
    default = str(settings.REDIS_URL).rsplit("/", 1)[0] + "/14"
    return {"REDIS_URL": os.environ.get("BENCH_REDIS_URL", default)}
