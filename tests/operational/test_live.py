"""The live read model against a scripted minute of events, by hand, and against the published warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from operational.live import AgentNow, LiveState, QueueNow, live_state
from pipelines.refresh import run_refresh
from tests.events_factory import CALLER, LINE, ev
from voxlink import warehouse
from voxlink.settings import get_settings

NOW = datetime(2026, 11, 2, 15, 1, 0, tzinfo=UTC)  # 10:01 in New York (EST); today = 2026-11-02


def z(clock: str, day: str = "2026-11-02") -> str:
    return f"{day}T{clock}Z"


def call(call_id: str, start: str, *rest: tuple[str, str, dict], direction: str = "inbound") -> list[dict]:
    begun = ev("call.started", z(start), call_id=call_id, direction=direction, from_=CALLER, to=LINE)
    return [begun] + [ev(kind, z(when), call_id=call_id, **fields) for kind, when, fields in rest]


HUMAN = {"answered_by": "human"}
# The scripted minute, 15:00–15:01 UTC; short abandon 5 s, service level 20 s (the defaults).
MINUTE = [
    # sales: answered after 10 s (within SL), ended
    *call("a", "15:00:00", ("call.queued", "15:00:01", {"queue": "sales"}),
          ("call.answered", "15:00:11", HUMAN | {"agent": "alice"}),
          ("call.ended", "15:00:50", {"reason": "completed"})),
    # sales: hung up after 3 s in queue → a short abandon
    *call("b", "15:00:05", ("call.queued", "15:00:05", {"queue": "sales"}),
          ("call.ended", "15:00:08", {"reason": "caller_hangup"})),
    # sales: hung up after 30 s → abandoned
    *call("c", "15:00:10", ("call.queued", "15:00:10", {"queue": "sales"}),
          ("call.ended", "15:00:40", {"reason": "caller_hangup"})),
    # sales: answered after 25 s (outside SL), still talking → in progress
    *call("d", "15:00:20", ("call.queued", "15:00:20", {"queue": "sales"}),
          ("call.answered", "15:00:45", HUMAN | {"agent": "bob"})),
    # sales: waiting since 15:00:30 → 30 s at 15:01
    *call("e", "15:00:30", ("call.queued", "15:00:30", {"queue": "sales"})),
    # support: started 15:00:40, queued 15:00:42 → waiting 18 s
    *call("f", "15:00:40", ("call.queued", "15:00:42", {"queue": "support"})),
    # never queued, answered by the AI after 2 s, ended
    *call("g", "15:00:15", ("call.answered", "15:00:17", {"answered_by": "ai"}),
          ("call.ended", "15:00:35", {"reason": "completed"})),
    # outbound and unanswered: neither waiting nor in progress nor offered
    *call("h", "15:00:50", direction="outbound"),
    # 23:59 on Nov 1 local: yesterday's, not in today's counters
    *call("y", "04:59:00", ("call.queued", "04:59:00", {"queue": "sales"}),
          ("call.answered", "04:59:30", HUMAN | {"agent": "alice"}),
          ("call.ended", "05:00:00", {"reason": "completed"})),
    ev("agent.status", z("14:00:00"), agent="bob", status="offline"),
    ev("agent.status", z("14:59:00"), agent="alice", status="available"),
    ev("agent.status", z("15:00:00"), agent="bob", status="available"),
    ev("agent.status", z("15:00:11"), agent="alice", status="busy"),
    ev("agent.status", z("15:00:30"), agent="carol", status="available"),
    ev("agent.status", z("15:00:45"), agent="bob", status="busy"),
    ev("agent.status", z("15:00:55"), agent="carol", status="break"),
    ev("agent.status", z("15:05:00"), agent="carol", status="offline"),  # after NOW: not yet
]  # fmt: skip

EXPECTED = LiveState(
    day=date(2026, 11, 2),
    at=NOW,
    queues=[
        QueueNow("", offered=1, answered=1, answered_within_sl=1),
        QueueNow("sales", waiting=1, longest_wait_seconds=30.0, in_progress=1, offered=5, answered=2,
                 abandoned=2, short_abandoned=1, answered_within_sl=1),
        QueueNow("support", waiting=1, longest_wait_seconds=18.0, offered=1),
    ],
    agents=[
        AgentNow("alice", "busy", datetime(2026, 11, 2, 15, 0, 11, tzinfo=UTC)),
        AgentNow("bob", "busy", datetime(2026, 11, 2, 15, 0, 45, tzinfo=UTC)),
        AgentNow("carol", "break", datetime(2026, 11, 2, 15, 0, 55, tzinfo=UTC)),
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def account_id(engine: sa.Engine) -> int:
    account = create_account(engine, "live", "America/New_York")
    other = create_account(engine, "elsewhere", "America/New_York")
    report = ingest_events(engine, account.id, enumerate(MINUTE))
    assert report.rejected == []
    # another account's identical calls never count here
    ingest_events(engine, other.id, enumerate([dict(e, event_id="x" + e["event_id"]) for e in MINUTE]))
    return account.id


def test_live_figures_of_a_scripted_minute_are_the_hand_computed_ones(
    engine: sa.Engine, account_id: int
) -> None:
    with engine.connect() as conn:
        state = live_state(conn, account_id, "America/New_York", NOW)
    assert state == EXPECTED
    sales = state.queues[1]
    assert sales.service_level == Decimal("0.3333")  # 1 within SL / (2 answered + 2 abandoned − 1 short)
    assert sales.abandon_rate == Decimal("0.2500")  # (2 − 1) / (5 − 1)
    assert state.agents_by_status() == {"busy": 2, "break": 1}


def test_live_counters_follow_the_local_day_not_the_utc_day(engine: sa.Engine, account_id: int) -> None:
    # 04:59:30 UTC on Nov 2 is 23:59:30 on Nov 1 in New York: only call y (started 23:59 local) is that day's
    with engine.connect() as conn:
        state = live_state(conn, account_id, "America/New_York", datetime(2026, 11, 2, 4, 59, 30, tzinfo=UTC))
    assert state.day == date(2026, 11, 1)
    assert [(q.queue, q.offered, q.answered) for q in state.queues] == [("sales", 1, 1)]


def test_live_counters_equal_the_published_warehouse(engine: sa.Engine, account_id: int) -> None:
    run_refresh()
    with engine.connect() as conn:
        live = live_state(conn, account_id, "America/New_York", NOW)
    warehouse.close_all()
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        rows = con.execute(
            "select coalesce(queue_name, ''), offered, answered, abandoned, short_abandoned, answered_within_sl "
            "from rpt_abandon_rate_daily where account_id = ? and date = ? order by 1",
            [account_id, date(2026, 11, 2)],
        ).fetchall()
    published = [tuple(row) for row in rows]
    assert published == [
        ("", 1, 1, 0, 0, 1),
        ("sales", 5, 2, 2, 1, 1),
        ("support", 1, 0, 0, 0, 0),
    ]
    assert [
        (q.queue, q.offered, q.answered, q.abandoned, q.short_abandoned, q.answered_within_sl)
        for q in live.queues
    ] == published
