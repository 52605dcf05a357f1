"""The base of every resources part: what one concern opens at start-up and closes at the end.

`app.core.resources.Resources` composes the parts of this project. A part builds its objects
lazily, once (`functools.cached_property`), and takes part in start-up, shutdown, readiness
and app set-up through the methods below: each part does its own share and calls `super()`,
so every part of the composition is reached, in the order of its class hierarchy.
"""

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from fastapi import FastAPI

from app.core.config import Settings


class Probe(NamedTuple):
    """A readiness check: it raises (or times out) when its dependency does not answer."""

    check: Callable[[], Awaitable[object]]
    # Where the dependency is, for logs: host and port, never credentials.
    address: str


class ResourcePart:
    settings: Settings

    def install(self, app: FastAPI) -> None:
        """Set up the app when it is created (before its first request)."""

    async def open(self) -> None:
        """Open what must be ready before the first request."""

    async def aclose(self) -> None:
        """Release what was opened; a part closes only what was actually built."""

    def probes(self) -> dict[str, Probe]:
        """Readiness checks by component name, for /health/ready."""
        return {}
