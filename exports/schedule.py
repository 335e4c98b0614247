"""When a subscription fires and which period its report covers: pure functions of local calendar time.

A subscription fires at ``send_at`` local time (the account's time zone) every day, on one weekday, or on one
day of the month (the month's last day when it is shorter). Each firing reports the period that just
ended: a daily one the day before, a weekly one the seven days before, a monthly one the previous calendar
month. A local time that does not exist (the hour skipped when daylight saving time starts) fires at the
same wall-clock reading one hour later; a repeated local time fires at its first occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule that cannot fire (unknown frequency, weekday or day of month)."""


@dataclass(frozen=True)
class Schedule:
    frequency: str
    send_at: time
    weekday: int | None = None  # 0 = Monday
    day_of_month: int | None = None

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ScheduleError(f"frequency {self.frequency!r} is not one of {', '.join(FREQUENCIES)}")
        if (self.frequency == "weekly") != (self.weekday is not None):
            raise ScheduleError("a weekly schedule needs a weekday, and only a weekly one takes it")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ScheduleError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")
        if (self.frequency == "monthly") != (self.day_of_month is not None):
            raise ScheduleError(
                "a monthly schedule needs a day of the month, and only a monthly one takes it"
            )
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 31:
            raise ScheduleError(f"day of month {self.day_of_month} is not 1 to 31")

    def describe(self) -> str:
        at = self.send_at.strftime("%H:%M")
        if self.frequency == "daily":
            return f"daily at {at}"
        if self.frequency == "weekly":
            return f"weekly on {WEEKDAYS[self.weekday or 0]} at {at}"
        return f"monthly on day {self.day_of_month} at {at}"


def parse_weekday(text: str) -> int:
    """``mon`` … ``sun`` (or ``0`` … ``6``) as 0 (Monday) … 6."""
    key = text.strip().lower()[:3]
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    raise ScheduleError(f"weekday {text!r} is not one of {', '.join(WEEKDAYS)}")


def fires_on(schedule: Schedule, day: date) -> bool:
    if schedule.frequency == "daily":
        return True
    if schedule.frequency == "weekly":
        return day.weekday() == schedule.weekday
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(schedule.day_of_month or 1, last)


def fire_instant(schedule: Schedule, day: date, timezone: str) -> datetime:
    """The UTC instant the schedule fires on local ``day``."""
    local = datetime.combine(day, schedule.send_at, tzinfo=ZoneInfo(timezone))
    # Round-tripping through UTC moves a skipped local time forward by the size of the gap.
    return local.astimezone(UTC)


def latest_firing(schedule: Schedule, timezone: str, now: datetime) -> tuple[date, datetime] | None:
    """The local day and UTC instant of the last firing at or before ``now`` (None if none in ~2 months)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    for back in range(0, 63):
        day = today - timedelta(days=back)
        if fires_on(schedule, day):
            instant = fire_instant(schedule, day, timezone)
            if instant <= now:
                return day, instant
    return None


def period_for(schedule: Schedule, fire_day: date) -> tuple[date, date]:
    """The inclusive local dates a firing on ``fire_day`` reports: the period that just ended."""
    if schedule.frequency == "daily":
        return fire_day - timedelta(days=1), fire_day - timedelta(days=1)
    if schedule.frequency == "weekly":
        return fire_day - timedelta(days=7), fire_day - timedelta(days=1)
    last_of_previous = fire_day.replace(day=1) - timedelta(days=1)
    return last_of_previous.replace(day=1), last_of_previous


def period_end_instant(end: date, timezone: str) -> datetime:
    """The UTC instant the local day ``end`` is over (data published before it cannot cover the period)."""
    return datetime.combine(end + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
