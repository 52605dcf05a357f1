"""Error reporting to Sentry, switched on by SENTRY_DSN alone.

sentry-sdk is a production dependency only (requirements/production.txt): development and
test environments never import it, as they never set a DSN.
"""

import logging
from typing import Any

from fastapi import FastAPI

from app.core.config import Settings
from app.core.lifecycle import ResourcePart

logger = logging.getLogger(__name__)


def request_line_only(event: Any, hint: Any) -> Any:
    """Keep a reported request's method and URL (without its query string), nothing else."""
    request = event.get("request")
    if request is not None:
        event["request"] = {key: request[key] for key in ("method", "url") if key in request}
    return event


def init_sentry(settings: Settings) -> bool:
    """Start the SDK when a DSN is configured; return whether it was started."""
    dsn = settings.SENTRY_DSN.get_secret_value() if settings.SENTRY_DSN else ""
    if not dsn:
        return False
    try:
        import sentry_sdk  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError as exc:
        raise RuntimeError(
            "SENTRY_DSN is set but sentry-sdk is not installed: "
            "pip install -r requirements/production.txt"
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=settings.ENVIRONMENT,
        release=settings.VERSION,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        # No personal data or credentials in the reports. The SDK's own scrubbing drops the
        # user, the client address, cookies and the Authorization header;
        send_default_pii=False,
        # the local variables of stack frames hold raw headers, bodies and passwords;
        include_local_variables=False,
        # request bodies hold e-mail addresses;
        max_request_body_size="never",
        # log breadcrumbs name user ids and client addresses;
        max_breadcrumbs=0,
        # and headers and query strings may hold tokens.
        before_send=request_line_only,
    )
    logger.info("Sentry error reporting is on")
    return True


class SentryResources(ResourcePart):
    def install(self, app: FastAPI) -> None:
        super().install(app)
        init_sentry(self.settings)
