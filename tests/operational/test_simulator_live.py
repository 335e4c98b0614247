"""Live demo traffic: simulated events replayed on the real clock through the real ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from operational.accounts import create_account
from operational.live import live_state
from operational.simulator.live import replay, run


def test_replayed_events_fall_due_from_the_start_in_time_order_and_faster_by_the_speed() -> None:
    started = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    stream = replay("America/New_York", "acme", started, speed=10.0)
    pairs = [next(stream) for _ in range(300)]
    dues = [due for due, _ in pairs]
    assert dues[0] == started  # the day opens now
    assert dues == sorted(dues)
    assert all(event["occurred_at"] == due.isoformat() for due, event in pairs)
    # a simulated day of ~10 h plays in about an hour at 10×: 300 events are due within the first hour
    assert dues[-1] - started < timedelta(hours=1)


def test_live_traffic_is_stored_as_it_falls_due_and_moves_the_live_state(engine: sa.Engine) -> None:
    account = create_account(engine, "live-sim", "America/New_York")
    begin = datetime.now(UTC)
    stored = run(engine, [(account.id, "live-sim", "America/New_York")], speed=600.0,
                 until=begin + timedelta(seconds=3))  # fmt: skip
    with engine.connect() as conn:
        events = conn.execute(
            sa.text("select count(*), max(occurred_at) from events where account_id = :a"), {"a": account.id}
        ).one()
        state = live_state(conn, account.id, "America/New_York", datetime.now(UTC))
    assert stored > 0 and events[0] == stored  # every event ingested, none twice
    assert events[1] <= datetime.now(UTC)  # nothing stored ahead of the clock
    assert state.agents  # agents have logged in: the wallboard has something to show
