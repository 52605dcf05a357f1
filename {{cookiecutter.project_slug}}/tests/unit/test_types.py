from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from app.models.types import UTCDateTime

CET = timezone(timedelta(hours=1))
DIALECT = sqlite.dialect()


def test_naive_values_from_sqlite_come_back_as_utc() -> None:
    stored = datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001  # what SQLite hands back
    value = UTCDateTime().process_result_value(stored, DIALECT)
    assert value == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert value is not None
    assert value.tzinfo is UTC


def test_aware_values_from_postgresql_are_kept() -> None:
    stored = datetime(2026, 1, 2, 3, 4, 5, tzinfo=CET)
    assert UTCDateTime().process_result_value(stored, DIALECT) is stored


def test_values_are_stored_in_utc() -> None:
    value = UTCDateTime().process_bind_param(datetime(2026, 1, 2, 4, 4, 5, tzinfo=CET), DIALECT)
    assert value == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert value is not None
    assert value.tzinfo is UTC


def test_naive_values_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 2), DIALECT)  # noqa: DTZ001


def test_none_passes_both_ways() -> None:
    assert UTCDateTime().process_bind_param(None, DIALECT) is None
    assert UTCDateTime().process_result_value(None, DIALECT) is None
