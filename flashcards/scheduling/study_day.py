"""The learner's study day: its bounds in UTC, from a time zone and start hour.

A study day starts at a local hour (4 am by default, as in Anki), so a review
at 1 am still counts for the previous day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flashcards.scheduling.card_state import _utc

DEFAULT_DAY_START_HOUR = 4  # as in Anki: the study day rolls over at 4 am local

_DAY = timedelta(days=1)


def _zone(*, tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _local_day_start(*, day: date, hour: int, zone: ZoneInfo) -> datetime:
    # zoneinfo resolves a start hour that DST skips or repeats (fold=0).
    start = datetime.combine(day, time(hour), tzinfo=zone)
    return start.astimezone(UTC)


def day_bounds(
    now: datetime, *, tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> tuple[datetime, datetime]:
    """Return the learner's current study day as ``[start, end)`` in UTC.

    The day starts at ``day_start_hour`` local time (4 am by default, as in
    Anki), so a review at 1 am still counts for the previous day. Across a DST
    change the day is 23 or 25 hours long.

    Args:
        now: The current time, UTC.
        tz: An IANA time zone name such as ``"Europe/Berlin"``.
        day_start_hour: The local hour (0-23) at which a new day starts.

    Returns:
        ``(start, end)`` in UTC, with ``start <= now < end``.

    Raises:
        ValueError: For an unknown time zone, a bad hour or a non-UTC ``now``.
    """
    now = _utc(now, name="now")
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {day_start_hour}")
    zone = _zone(tz=tz)
    day = now.astimezone(zone).date()
    start = _local_day_start(day=day, hour=day_start_hour, zone=zone)
    if now < start:
        day -= _DAY
        start = _local_day_start(day=day, hour=day_start_hour, zone=zone)
    end = _local_day_start(day=day + _DAY, hour=day_start_hour, zone=zone)
    return start, end


def bury_until(
    now: datetime, tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR
) -> datetime:
    """Return when a card buried now comes back: the next study day's start.

    Args:
        now: The current time, UTC.
        tz: The learner's IANA time zone name.
        day_start_hour: The local hour at which a new day starts.

    Returns:
        The start of the next study day, UTC.
    """
    return day_bounds(now, tz=tz, day_start_hour=day_start_hour)[1]
