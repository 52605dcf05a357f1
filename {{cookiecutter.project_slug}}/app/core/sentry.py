"""Error reporting to Sentry, switched on by SENTRY_DSN alone.

sentry-sdk is a production dependency only (requirements/production.txt): development and
test environments never import it, as they never set a DSN.
"""

import logging

from fastapi import FastAPI

from app.core.config import Settings
from app.core.lifecycle import ResourcePart

logger = logging.getLogger(__name__)


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
        # Request bodies, cookies, headers and user ids stay out of the reports.
        send_default_pii=False,
    )
    logger.info("Sentry error reporting is on")
    return True


class SentryResources(ResourcePart):
    def install(self, app: FastAPI) -> None:
        super().install(app)
        init_sentry(self.settings)
