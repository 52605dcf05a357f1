"""Logging set-up: readable lines in development, one JSON object per line elsewhere.

Every record carries the id of the request it was logged in (`request_id`, "-" outside a
request), set by `middleware.EdgeMiddleware`.
"""

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.core.config import Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Fields the access log passes with `extra=`; the JSON formatter copies them when present.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client")
TEXT_FORMAT = "%(asctime)s %(levelname)-8s [%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (a context variable: no locking)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in ACCESS_FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def logging_config(*, json_logs: bool, level: str) -> dict[str, Any]:
    """The dictConfig for the app and for gunicorn's own loggers (see gunicorn.conf.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_logs else "text",
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # The access log comes from EdgeMiddleware: uvicorn's and gunicorn's
            # would print query strings, which may carry tokens.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # httpx logs every outgoing URL at INFO, query string included.
            "httpx": {"level": "WARNING"},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(
        logging_config(json_logs=not settings.is_development, level=settings.LOG_LEVEL)
    )
