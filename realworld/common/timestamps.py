from datetime import UTC, datetime


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`, as the RealWorld clients expect."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
