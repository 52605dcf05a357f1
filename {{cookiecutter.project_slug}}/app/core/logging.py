"""Logging set-up: readable lines in development, one JSON object per line elsewhere."""

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from app.core.config import Settings


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings) -> None:
    formatter = "text" if settings.is_development else "json"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "text": {"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s"},
                "json": {"()": JsonFormatter},
            },
            "handlers": {
                "console": {"class": "logging.StreamHandler", "formatter": formatter},
            },
            "root": {"handlers": ["console"], "level": settings.LOG_LEVEL},
            "loggers": {
                "uvicorn": {"handlers": ["console"], "level": settings.LOG_LEVEL, "propagate": False},
                "uvicorn.error": {"level": settings.LOG_LEVEL},
                "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
            },
        }
    )
