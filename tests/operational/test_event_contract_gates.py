"""What ingest accepts passes the blocking raw checks of a real refresh: the contract and the gates agree.

Before, a call answered 25 hours after it started was accepted and then failed raw_calls (durations under a
day) on every refresh; an event 12 hours ahead (the contract allows a day) failed the 5-minute future rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from voxlink.settings import get_settings


def test_a_25_hour_wait_is_refused_at_ingest_and_what_is_accepted_passes_the_gates(engine: sa.Engine) -> None:
    account = create_account(engine, "gates-agree", "America/New_York").id
    start = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    ahead = datetime.now(UTC) + timedelta(hours=12)

    def stamp(moment: datetime) -> str:
        return moment.isoformat()

    events = [
        {"event_id": "g-s", "type": "call.started", "occurred_at": stamp(start), "call_id": "g-25h",
         "direction": "inbound", "from": "client:alice", "to": "+12125550123", "queue": "main"},
        {"event_id": "g-a", "type": "call.answered", "occurred_at": stamp(start + timedelta(hours=25)),
         "call_id": "g-25h", "answered_by": "human", "agent": "alice"},
        {"event_id": "g-e", "type": "call.ended", "occurred_at": stamp(start + timedelta(minutes=3)),
         "call_id": "g-25h", "reason": "caller_hangup"},
        {"event_id": "g-m", "type": "message.created", "occurred_at": stamp(start), "message_id": "g-mms",
         "direction": "inbound", "channel": "mms", "from": "+14155552671", "to": "+12125550123", "body": "",
         "media_count": 100},
        {"event_id": "g-st", "type": "agent.status", "occurred_at": stamp(ahead), "agent": "alice",
         "status": "available"},
    ]  # fmt: skip
    report = ingest_events(engine, account, enumerate(events))
    assert [(r.event_id, r.field) for r in report.rejected] == [("g-a", "occurred_at")]
    assert report.stored == 4

    run_refresh()  # raises RefreshFailed when a blocking check fails; a quarantined account is not served
    con = duckdb.connect(str(get_settings().served_db), read_only=True)
    try:
        row = con.execute(
            "select status, wait_seconds, from_number from fct_calls where call_id = 'g-25h'"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    assert (row[0], float(row[1]), row[2]) == ("abandoned", 180.0, "client:alice")  # start → hang-up: 3 min
