"""Error reporting to Sentry, on only when SENTRY_DSN is set."""

from pydantic import Field, SecretStr

from app.core.settings.base import SettingsPart


class SentrySettings(SettingsPart):
    # Errors go to Sentry only when a DSN is set; traces are off unless a rate is given.
    SENTRY_DSN: SecretStr | None = None
    SENTRY_TRACES_SAMPLE_RATE: float = Field(default=0.0, ge=0.0, le=1.0)
