"""Schedules fire at local time in the account's zone and report the period that just ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from exports.schedule import (
    Schedule,
    ScheduleError,
    fire_instant,
    latest_firing,
    parse_weekday,
    period_end_instant,
    period_for,
)

NY = "America/New_York"
SEVEN = time(7, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_fires_at_local_seven_and_reports_yesterday() -> None:
    daily = Schedule("daily", SEVEN)
    # 07:00 EST is 12:00Z on 2026-11-03
    assert latest_firing(daily, NY, utc("2026-11-03 11:59:59")) == (
        date(2026, 11, 2),
        utc("2026-11-02 12:00"),
    )
    assert latest_firing(daily, NY, utc("2026-11-03 12:00:00")) == (
        date(2026, 11, 3),
        utc("2026-11-03 12:00"),
    )
    assert period_for(daily, date(2026, 11, 3)) == (date(2026, 11, 2), date(2026, 11, 2))


def test_daily_follows_daylight_saving_time() -> None:
    daily = Schedule("daily", SEVEN)
    assert fire_instant(daily, date(2026, 10, 31), NY) == utc("2026-10-31 11:00")  # EDT, UTC−4
    assert fire_instant(daily, date(2026, 11, 1), NY) == utc("2026-11-01 12:00")  # EST, UTC−5


def test_skipped_local_time_fires_an_hour_later_on_the_wall_clock() -> None:
    # 2026-03-08 02:30 does not exist in New York: it fires at 03:30 EDT = 07:30Z
    assert fire_instant(Schedule("daily", time(2, 30)), date(2026, 3, 8), NY) == utc("2026-03-08 07:30")


def test_weekly_fires_on_its_weekday_and_reports_the_seven_days_before() -> None:
    weekly = Schedule("weekly", SEVEN, weekday=parse_weekday("tue"))
    # Tuesday 2026-11-03 07:00 EST; on Monday 11-09 the latest firing is still that Tuesday
    assert latest_firing(weekly, NY, utc("2026-11-09 23:00"))[0] == date(2026, 11, 3)  # type: ignore[index]
    assert period_for(weekly, date(2026, 11, 3)) == (date(2026, 10, 27), date(2026, 11, 2))


def test_monthly_reports_the_previous_calendar_month_and_clamps_to_short_months() -> None:
    monthly = Schedule("monthly", SEVEN, day_of_month=31)
    assert period_for(monthly, date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    # day 31 in a 30-day month fires on the 30th
    assert latest_firing(monthly, NY, utc("2026-12-01 00:00"))[0] == date(2026, 11, 30)  # type: ignore[index]
    assert latest_firing(monthly, NY, utc("2027-03-01 00:00"))[0] == date(2027, 2, 28)  # type: ignore[index]


def test_period_ends_at_local_midnight() -> None:
    assert period_end_instant(date(2026, 11, 1), NY) == utc("2026-11-02 05:00")  # the 25-hour day


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frequency": "hourly"},
        {"frequency": "weekly"},
        {"frequency": "daily", "weekday": 1},
        {"frequency": "weekly", "weekday": 7},
        {"frequency": "monthly", "day_of_month": 0},
        {"frequency": "monthly", "day_of_month": 32},
    ],
)
def test_impossible_schedules_are_refused(kwargs: dict) -> None:
    with pytest.raises(ScheduleError):
        Schedule(send_at=SEVEN, **kwargs)
