"""The application factory: `from app.main import app`, or `create_app(settings)` in tests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.v1.router import api_router
from app.core.config import Settings, get_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.exceptions import register_exception_handlers
from app.core.logging import configure_logging
from app.core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from app.core.redis import create_redis
from app.core.security import NoStoreMiddleware
{%- if cookiecutter.use_sentry %}
from app.core.sentry import init_sentry
{%- endif %}
from app.services.cache_service import RedisCacheService
from app.services.rate_limit_service import AuthRateLimits, RateLimiter

DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.redis = create_redis(settings)
    app.state.rate_limiter = RateLimiter(
        RedisCacheService(app.state.redis), AuthRateLimits.from_settings(settings)
    )
    try:
        yield
    finally:
        await app.state.redis.aclose()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
{%- if cookiecutter.use_sentry %}
    init_sentry(settings)
{%- endif %}
    docs_enabled = not settings.is_production
    app = FastAPI(
        title=settings.PROJECT_NAME,
        description="{{ cookiecutter.description }}",
        version=settings.VERSION,
        debug=settings.DEBUG,
        lifespan=lifespan,
        openapi_url=f"{settings.API_V1_PREFIX}/openapi.json" if docs_enabled else None,
        docs_url="/docs" if docs_enabled else None,
        redoc_url="/redoc" if docs_enabled else None,
    )
    app.state.settings = settings

    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=settings.CORS_ALLOW_CREDENTIALS,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_REQUEST_BODY_BYTES)
    # Tokens and account data must not stay in browser or proxy caches.
    app.add_middleware(
        NoStoreMiddleware,
        path_prefixes=(f"{settings.API_V1_PREFIX}/auth", f"{settings.API_V1_PREFIX}/users"),
    )
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=DOCS_PATHS)
    # Added last, so it wraps everything else: every response gets the request id and
    # the access log times the whole stack.
    app.add_middleware(RequestContextMiddleware)

    register_exception_handlers(app)
    app.include_router(api_router, prefix=settings.API_V1_PREFIX)
    return app


app = create_app()
