"""Time: stored in UTC, shown in the event's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def stored(value: object) -> datetime:
    """A timestamp read with plain SQL: a datetime from PostgreSQL, ISO text from SQLite."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def wall_clock(value: object, timezone: str) -> datetime:
    """A stored time as the event's wall-clock time, without a zone (spreadsheets keep none)."""
    return local(stored(value), timezone).replace(tzinfo=None)


def start_of_day(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The first moment after `day` in `timezone`: the end of that day."""
    return start_of_day(day + timedelta(days=1), timezone)


def isoformat(moment: datetime | None, timezone: str) -> str | None:
    """`2008-06-14T10:00:00+09:00`: the contract's form, in the event's zone."""
    if moment is None:
        return None
    return local(moment, timezone).isoformat(timespec="seconds")
