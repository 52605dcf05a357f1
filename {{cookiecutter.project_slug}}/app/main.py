"""The application factory: `from app.main import app`, or `create_app(settings)` in tests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.v1.router import include_routers
from app.core.config import Settings, get_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.exceptions import register_exception_handlers
from app.core.logging import configure_logging
from app.core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
{%- if cookiecutter.use_redis %}
from app.core.redis import create_redis
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.core.security import NoStoreMiddleware
{%- endif %}
{%- if cookiecutter.use_sentry %}
from app.core.sentry import init_sentry
{%- endif %}
{%- if cookiecutter.enable_email %}
from app.services.account_service import AccountMailer, AccountRateLimits
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.services.cache_service import {% if cookiecutter.use_redis %}RedisCacheService{% else %}MemoryCacheService{% endif %}
{%- endif %}
{%- if cookiecutter.enable_email %}
from app.services.email_service import create_email_service
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
from app.services.rate_limit_service import AuthRateLimits, RateLimiter
{%- endif %}
{%- if cookiecutter.auth_mode == "session" and cookiecutter.use_redis %}
from app.services.session_cache import RedisSessionCache
{%- endif %}
{% if cookiecutter.auth_mode == "jwt" %}
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
{%- else %}
DOCS_PATHS = frozenset({"/docs", "/redoc"})
{%- endif %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
{%- if cookiecutter.use_redis %}
    app.state.redis = create_redis(settings)
{%- endif %}
{%- if cookiecutter.auth_mode != "none" %}
{%- if cookiecutter.use_redis %}
    app.state.cache = RedisCacheService(app.state.redis)
{%- else %}
    # In this process only: with several workers, each one counts its own rate limits.
    app.state.cache = MemoryCacheService()
{%- endif %}
    app.state.rate_limiter = RateLimiter(app.state.cache, AuthRateLimits.from_settings(settings))
{%- endif %}
{%- if cookiecutter.auth_mode == "session" %}
{%- if cookiecutter.use_redis %}
    app.state.session_cache = RedisSessionCache(app.state.redis, settings.SESSION_CACHE_SECONDS)
{%- else %}
    # No cache shared by the workers, so none at all: the database answers for every session.
    app.state.session_cache = None
{%- endif %}
{%- endif %}
{%- if cookiecutter.enable_email %}
    # The e-mail backend is chosen once: SMTP, or the log in development.
    app.state.account_mailer = AccountMailer(
        app.state.sessionmaker, settings, create_email_service(settings)
    )
    app.state.account_rate_limits = AccountRateLimits.from_settings(settings)
{%- endif %}
    try:
        yield
    finally:
{%- if cookiecutter.use_redis %}
        await app.state.redis.aclose()
{%- endif %}
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
{%- if cookiecutter.auth_mode != "none" %}
    # Tokens and account data must not stay in browser or proxy caches.
    app.add_middleware(
        NoStoreMiddleware,
        path_prefixes=(f"{settings.API_V1_PREFIX}/auth", f"{settings.API_V1_PREFIX}/users"),
    )
{%- endif %}
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=DOCS_PATHS)
    # Added last, so it wraps everything else: every response gets the request id and
    # the access log times the whole stack.
    app.add_middleware(RequestContextMiddleware)

    register_exception_handlers(app)
    include_routers(app, settings.API_V1_PREFIX)
    return app


app = create_app()
