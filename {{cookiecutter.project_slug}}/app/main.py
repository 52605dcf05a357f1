"""The application factory: `create_app(settings)` builds an app from its settings alone.

`main.py` at the project root serves `create_app(get_settings())`; tests build apps from
settings of their own.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.v1.router import include_routers, no_store_prefixes
from app.core.config import API_V1_PREFIX, Settings
from app.core.docs import DOCS_PAGES, install_docs
from app.core.exceptions import register_exception_handlers
from app.core.logging import configure_logging
from app.core.middleware import EdgeMiddleware
from app.core.resources import Resources
from app.services.health_service import warn_unreachable

DESCRIPTION = "{{ cookiecutter.description | py_str }}"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    resources: Resources = app.state.resources
    await resources.open()
    await warn_unreachable(resources.probes(), resources.settings.HEALTH_CHECK_TIMEOUT)
    try:
        yield
    finally:
        await resources.aclose()


def create_app(settings: Settings) -> FastAPI:
    configure_logging(settings)
    docs_enabled = not settings.is_production
    app = FastAPI(
        title=settings.PROJECT_NAME,
        description=DESCRIPTION,
        version=settings.VERSION,
        debug=settings.DEBUG,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry wrapper costs every request a check; off until asked for.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_url=f"{API_V1_PREFIX}/openapi.json" if docs_enabled else None,
        # Served by install_docs below, from local assets instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    if docs_enabled:
        install_docs(app, f"{API_V1_PREFIX}/openapi.json")
    resources = Resources(settings)
    app.state.resources = resources
    resources.install(app)

    # One layer for request ids, security headers, the body cap, unhandled errors and the
    # access log, with CORS inside it (see EdgeMiddleware).
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.MAX_REQUEST_BODY_BYTES,
        # The pages of the interactive docs get a CSP that lets them run their own scripts.
        docs_paths=DOCS_PAGES if docs_enabled else frozenset(),
        no_store_prefixes=no_store_prefixes(),
        always_hsts=settings.is_production,
        cors_origins=settings.CORS_ORIGINS,
        cors_allow_credentials=settings.CORS_ALLOW_CREDENTIALS,
    )

    register_exception_handlers(app)
    include_routers(app)
    return app
