"""The servers the bench needs besides PostgreSQL: none."""

from typing import Any

# The share of bare FastAPI's rate a signed-in request must reach: its check is one query.
FAST_CHECK = 0.10


def environment(settings: Any) -> dict[str, str]:
    return {}
