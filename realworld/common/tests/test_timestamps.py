from datetime import UTC, datetime, timedelta, timezone

import pytest

from realworld.common.timestamps import iso_timestamp

PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 4, 0, 48, 20, 860568, tzinfo=UTC), "2026-12-04T00:48:20.860Z"),
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00.000Z"),
        # truncated, not rounded:
        (datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=UTC), "2026-01-01T00:00:00.999Z"),
        (datetime(2026, 1, 1, 1, 30, tzinfo=PLUS_TWO), "2025-12-31T23:30:00.000Z"),  # to UTC
    ],
)
def test_utc_with_milliseconds_and_a_z(moment: datetime, expected: str) -> None:
    assert iso_timestamp(moment) == expected
