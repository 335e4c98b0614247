"""Date presets and the default range, as pure functions of the account's local "today"."""

from __future__ import annotations

from datetime import date

from app.display.formatting import duration, percent, rate_delta, seconds
from app.filters.sidebar import default_period, preset_range

TODAY = date(2025, 3, 12)


def test_presets() -> None:
    assert preset_range("today", TODAY) == (TODAY, TODAY)
    assert preset_range("yesterday", TODAY) == (date(2025, 3, 11), date(2025, 3, 11))
    assert preset_range("last_7_days", TODAY) == (date(2025, 3, 6), TODAY)
    assert preset_range("last_30_days", TODAY) == (date(2025, 2, 11), TODAY)
    assert preset_range("this_month", TODAY) == (date(2025, 3, 1), TODAY)


def test_default_is_the_last_30_days_unless_the_data_stopped_earlier() -> None:
    assert default_period(date(2025, 3, 11), TODAY) == ("last_30_days", (date(2025, 2, 11), TODAY))
    assert default_period(None, TODAY) == ("last_30_days", (date(2025, 2, 11), TODAY))
    assert default_period(date(2025, 1, 31), TODAY) == ("custom", (date(2025, 1, 2), date(2025, 1, 31)))


def test_formats() -> None:
    assert percent(None) == "–" and percent(0.1429) == "14.3 %"
    assert seconds(11.4) == "11.4 s" and seconds(3700) == "1 h 02 min" and duration(68400) == "19 h 00 min"
    assert rate_delta(0.2, 0.15) == "+5.0 pp" and rate_delta(None, 0.1) is None


def test_a_page_of_rows_is_fetched_from_the_days_that_hold_it() -> None:
    from app.queries.listing import window

    days = [(date(2025, 3, 12), 30), (date(2025, 3, 11), 40), (date(2025, 3, 10), 100)]  # newest first

    assert window(days, 0, 50) == (
        date(2025, 3, 11),
        date(2025, 3, 12),
        0,
    )  # rows 0-49: all of the 12th, 20 of the 11th
    assert window(days, 50, 50) == (
        date(2025, 3, 10),
        date(2025, 3, 11),
        20,
    )  # rows 50-99 start 20 into the 11th
    assert window(days, 150, 50) == (date(2025, 3, 10), date(2025, 3, 10), 80)  # the last 20 rows
    assert window(days, 170, 50) is None
