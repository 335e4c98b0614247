"""The time-relative gates judge at the refresh's own instant, in the account's time zone, never the wall clock.

``call_volume`` leaves the local day in progress unjudged: "in progress" is read from the instant the refresh
was given (one clock for the whole refresh: dbt's open intervals and every check), and from the account's local
day, not the UTC date. A day the refresh instant has seen complete is still judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import sqlalchemy as sa

from data_tests import store
from data_tests.runner import run_suite
from data_tests.suites import VOLUME
from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import RefreshFailed, run_refresh

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
STEADY = 40  # calls on each complete day: the weekday's trailing range is [40, 40], so < 20 is anomalous
MORNING = 10  # calls on the last day before the refresh: far below half of 40 once that day is complete
DAY = date(2026, 11, 20)  # a Friday; 35 steady days before it


def hand_built_warehouse(path: Path) -> None:
    """fct_calls/dim_accounts as dbt builds them (only the columns the gate reads): account 1 in Los Angeles,
    40 calls on each of the 35 days before DAY, 10 on DAY's morning."""
    con = duckdb.connect(str(path))
    con.execute("create table dim_accounts (account_id integer, slug varchar, timezone varchar)")
    con.execute("insert into dim_accounts values (1, 'west', 'America/Los_Angeles')")
    con.execute("create table fct_calls (account_id integer, started_date date, started_at timestamptz)")
    rows = [
        (1, DAY - timedelta(days=back), datetime(2026, 1, 1, tzinfo=UTC))
        for back in range(35, 0, -1)
        for _ in range(STEADY)
    ] + [(1, DAY, datetime(2026, 1, 1, tzinfo=UTC))] * MORNING
    con.executemany("insert into fct_calls values (?, ?, ?)", rows)
    con.close()


def test_volume_gate_leaves_the_local_day_in_progress_unjudged(tmp_path: Path) -> None:
    hand_built_warehouse(tmp_path / "w.duckdb")
    # 03:00 UTC on the 21st is 19:00 on the 20th in Los Angeles (PST, UTC-8): DAY is still in progress there,
    # though the UTC date has moved on; judging by the UTC date failed DAY's 10 calls
    evening = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        outcome = run_suite(con, VOLUME, evening, "working")
    assert outcome.error is None
    assert outcome.passed
    assert outcome.rows == 14  # the 14 complete days before DAY, each judged once


def test_volume_gate_judges_the_local_day_once_the_refresh_instant_has_seen_it_end(tmp_path: Path) -> None:
    hand_built_warehouse(tmp_path / "w.duckdb")
    after_midnight = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)  # 00:30 on the 21st in Los Angeles
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        outcome = run_suite(con, VOLUME, after_midnight, "working")
    assert not outcome.passed
    (failed,) = outcome.blocking_failures
    assert failed.column == "is_anomalous" and failed.failing == 1
    assert failed.sample[0]["day"] == "2026-11-20" and failed.sample[0]["calls"] == "10"


# Through the refresh itself: the checks take the instant the refresh was given, as dbt does. The history is
# placed just before today so that judging by the wall clock (which is past the morning day) would fail it.
def local_noon_call(call_id: str, day: date, minute: int) -> list[dict]:
    at = datetime.combine(day, datetime.min.time(), NEW_YORK) + timedelta(hours=9, minutes=minute)
    return [
        {"event_id": f"{call_id}-s", "type": "call.started", "occurred_at": at.isoformat(), "call_id": call_id,
         "direction": "inbound", "from": "+14155552671", "to": "+12125550123"},
        {"event_id": f"{call_id}-e", "type": "call.ended", "occurred_at": (at + timedelta(seconds=30)).isoformat(),
         "call_id": call_id, "reason": "caller_hangup"},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def morning(engine: sa.Engine) -> Iterator[date]:
    """Account "east" (New York): 40 calls a day at 09:00–09:39 local for 35 days, then 10 on ``morning``
    (three local days before today), none after."""
    account = create_account(engine, "east", "America/New_York")
    last = datetime.now(NEW_YORK).date() - timedelta(days=3)
    events = [
        e
        for back in range(35, 0, -1)
        for n in range(STEADY)
        for e in local_noon_call(f"s{back}-{n}", last - timedelta(days=back), n)
    ] + [e for n in range(MORNING) for e in local_noon_call(f"m{n}", last, n)]
    ingest_events(engine, account.id, enumerate(events))
    yield last


def test_refresh_judges_volume_at_its_own_instant_not_the_wall_clock(morning: date) -> None:
    # 13:00 on the morning day, New York: that day is in progress as of the refresh, whatever the clock says now
    at_one = datetime.combine(morning, datetime.min.time(), NEW_YORK) + timedelta(hours=13)
    run_refresh(full=True, refresh_at=at_one)
    volume = {r["suite"]: r for r in store.latest("working")}["call_volume"]
    assert volume["passed"] and volume["checked_at"] == at_one.astimezone(UTC).isoformat()

    # the next refresh, given an instant after that local midnight, judges the day complete: 10 calls fail it
    after_midnight = datetime.combine(morning + timedelta(days=1), datetime.min.time(), NEW_YORK)
    with pytest.raises(RefreshFailed, match="call_volume"):
        run_refresh(full=True, refresh_at=after_midnight + timedelta(minutes=30))
    volume = {r["suite"]: r for r in store.latest("working")}["call_volume"]
    assert [o["failing"] for o in volume["outcomes"]] == [1]
    assert str(morning) in str(volume["outcomes"][0]["sample"])
