from datetime import UTC, datetime


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (truncated) and a `Z`, as the RealWorld clients expect:
    2026-12-04T00:48:20.860Z. isoformat is C: half the time of strftime, 40 times a page."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"
