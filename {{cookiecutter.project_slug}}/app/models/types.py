"""Column types that behave the same on PostgreSQL and on SQLite (`make try`), and sizes."""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The longest address RFC 5321 allows.
EMAIL_MAX_LENGTH = 320
# SQLite gives row ids only to INTEGER PRIMARY KEY columns; PostgreSQL keeps its BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """`timestamptz` on PostgreSQL; on SQLite, which drops the zone, values are stored as UTC.

    Values going in must be timezone-aware; values coming out are always aware (UTC), so the
    services can compare them with `datetime.now(UTC)` whatever the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone: use datetime.now(UTC) and the like")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
