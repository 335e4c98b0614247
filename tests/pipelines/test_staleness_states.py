"""The one definition of fresh / late / stale / never published, against the refresh schedule (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from pipelines.refresh_history import refresh_cron
from voxlink.freshness import State, assess
from voxlink.settings import Settings

PUBLISHED = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
DEFAULTS = Settings()  # every 5 min, stale after 15 min


def at(minutes: float, settings: Settings = DEFAULTS) -> State:
    return assess(7, PUBLISHED, PUBLISHED + timedelta(minutes=minutes), settings).state


def test_data_is_fresh_until_two_refresh_intervals_have_passed() -> None:
    assert [at(0), at(5), at(10)] == [State.FRESH, State.FRESH, State.FRESH]


def test_data_is_late_once_a_scheduled_refresh_did_not_publish() -> None:
    assert [at(10.1), at(15)] == [State.LATE, State.LATE]


def test_data_is_stale_past_three_refresh_intervals_by_default() -> None:
    assert at(15.1) is State.STALE
    assert DEFAULTS.stale_after_seconds == 900


def test_the_threshold_and_the_interval_are_settings() -> None:
    custom = Settings(refresh_interval_minutes=1, stale_after_minutes=30)
    assert [at(2, custom), at(2.5, custom), at(30.5, custom)] == [State.FRESH, State.LATE, State.STALE]
    assert Settings(refresh_interval_minutes=10).stale_after_seconds == 1800


def test_no_publish_is_never_published() -> None:
    freshness = assess(None, None, PUBLISHED)
    assert freshness.state is State.NEVER_PUBLISHED and freshness.age_seconds is None
    assert freshness.describe() == "no data published yet; refreshed every 5 min (never published)"


def test_a_reader_clock_behind_the_publisher_shows_no_negative_age() -> None:
    freshness = assess(7, PUBLISHED, PUBLISHED - timedelta(seconds=3), DEFAULTS)
    assert freshness.age_seconds == 0.0 and freshness.state is State.FRESH


def test_the_description_gives_the_age_against_the_schedule() -> None:
    freshness = assess(7, PUBLISHED, PUBLISHED + timedelta(minutes=3), DEFAULTS)
    assert (
        freshness.describe() == "data as of 2026-11-30 14:05 UTC — 3 min old; refreshed every 5 min (fresh)"
    )
    assert freshness.as_dict() == {
        "state": "fresh", "age_seconds": 180.0, "version": 7, "published_at": "2026-11-30T14:05:00+00:00",
        "refresh_interval_seconds": 300, "stale_after_seconds": 900,
    }  # fmt: skip
    two_days = assess(7, PUBLISHED, PUBLISHED + timedelta(hours=48), DEFAULTS)
    assert two_days.describe().endswith("48.0 h old; refreshed every 5 min (stale)")


def test_the_refresh_cron_follows_the_interval_setting() -> None:
    assert refresh_cron(5) == "*/5 * * * *"
    assert refresh_cron(1) == "*/1 * * * *"
    assert refresh_cron(60) == "0 * * * *"


@pytest.mark.parametrize("minutes", [0, 7, 45, 90])
def test_an_interval_that_does_not_divide_the_hour_is_refused(minutes: int) -> None:
    with pytest.raises(ValidationError, match="must divide 60"):
        Settings(refresh_interval_minutes=minutes)
