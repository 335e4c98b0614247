"""Change badges compare like with like: hand-built periods, their previous period and the too-little-data rule."""

from __future__ import annotations

from datetime import date, datetime

from app.queries.comparison import Period, comparable, elapsed, previous_like


def test_a_partial_today_meets_yesterday_up_to_the_same_local_time() -> None:
    # Thursday 2025-03-13 at 14:07 local: today runs to the end of its 14:00 interval (minute 855)
    today = elapsed(date(2025, 3, 13), date(2025, 3, 13), datetime(2025, 3, 13, 14, 7))

    assert today == Period(date(2025, 3, 13), date(2025, 3, 13), 855)
    assert previous_like(today) == Period(date(2025, 3, 12), date(2025, 3, 12), 855)


def test_a_week_ending_today_meets_the_week_before_cut_at_the_same_time_on_its_last_day() -> None:
    week = elapsed(date(2025, 3, 7), date(2025, 3, 13), datetime(2025, 3, 13, 9, 0))

    assert week == Period(date(2025, 3, 7), date(2025, 3, 13), 555)  # 09:00–09:15 is under way
    assert previous_like(week) == Period(date(2025, 2, 28), date(2025, 3, 6), 555)


def test_days_after_today_are_not_elapsed_yet() -> None:
    month = elapsed(date(2025, 3, 1), date(2025, 3, 31), datetime(2025, 3, 13, 23, 50))

    assert month == Period(date(2025, 3, 1), date(2025, 3, 13), 1440)
    assert previous_like(month) == Period(date(2025, 2, 16), date(2025, 2, 28), 1440)


def test_a_past_range_meets_the_whole_period_before_it() -> None:
    past = elapsed(date(2025, 3, 10), date(2025, 3, 12), datetime(2025, 3, 13, 8, 0))

    assert past == Period(date(2025, 3, 10), date(2025, 3, 12))
    assert previous_like(past) == Period(date(2025, 3, 7), date(2025, 3, 9))


def test_fewer_than_thirty_calls_before_is_not_enough_to_compare() -> None:
    assert not comparable(29, before_days=7, now_days=7, min_volume=30)
    assert comparable(30, before_days=7, now_days=7, min_volume=30)
    assert not comparable(None, before_days=0, now_days=7, min_volume=30)


def test_data_on_under_half_the_days_is_not_enough_to_compare() -> None:
    # 5,105 calls now over 7 days; the 30 days before hold 400 calls on 3 of them
    assert not comparable(400, before_days=3, now_days=7, min_volume=30)
    assert comparable(400, before_days=4, now_days=7, min_volume=30)
