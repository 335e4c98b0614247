"""The stream outbox: which stream event each stored canonical event becomes, alerts, and pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from operational import outbox
from operational.accounts import create_account
from operational.ingest import ingest_events
from tests.events_factory import CALLER, LINE, ev

T = "2026-11-02T15:00:0{}Z"


def test_each_canonical_event_becomes_its_stream_type(engine: sa.Engine) -> None:
    account = create_account(engine, "outbox-types", "America/New_York")
    events = [
        ev("call.started", T.format(0), call_id="k", direction="inbound", from_=CALLER, to=LINE),
        ev("call.queued", T.format(1), call_id="k", queue="sales"),  # no stream event
        ev("call.answered", T.format(2), call_id="k", answered_by="human", agent="alice"),
        ev("call.transferred", T.format(3), call_id="k", to_agent="bob"),
        ev("call.ended", T.format(4), call_id="k", reason="completed"),
        ev("call.started", T.format(0), call_id="o", direction="outbound", from_=LINE, to=CALLER),  # none
        ev("agent.status", T.format(0), agent="bob", status="available"),  # never seen → online
        ev("agent.status", T.format(1), agent="bob", status="busy"),
        ev("agent.status", T.format(2), agent="bob", status="available"),
        ev("agent.status", T.format(3), agent="bob", status="offline"),
        ev("agent.status", T.format(4), agent="bob", status="after_call_work"),  # after offline → online
        ev("message.created", T.format(0), message_id="m", direction="inbound", channel="sms", from_=CALLER,
           to=LINE, body="hi", media_count=0),
        ev("message.status", T.format(1), message_id="m", status="read"),
        ev("message.status", T.format(2), message_id="m2", status="sent"),
    ]  # fmt: skip
    assert ingest_events(engine, account.id, enumerate(events)).rejected == []
    with engine.connect() as conn:
        got = {m.event_id: (m.type, m.queue, m.agent) for m in outbox.read_after(conn, account.id, 0)}
    ids = [e["event_id"] for e in events]
    assert got == {
        ids[0]: ("call:incoming", "sales", "alice"),  # the call's queue and agent as the batch left them
        ids[2]: ("call:answered", "sales", "alice"),
        ids[3]: ("call:transferred", "sales", "bob"),
        ids[4]: ("call:ended", "sales", "alice"),  # the last agent who answered
        ids[6]: ("agent:online", None, "bob"),
        ids[7]: ("agent:busy", None, "bob"),
        ids[8]: ("agent:available", None, "bob"),
        ids[9]: ("agent:offline", None, "bob"),
        ids[10]: ("agent:online", None, "bob"),
        ids[11]: ("message:received", None, None),
        ids[12]: ("message:read", None, None),
        ids[13]: ("message:sent", None, None),
    }
    replay = ingest_events(engine, account.id, enumerate(events))
    with engine.connect() as conn:
        assert replay.stored == 0 and len(outbox.read_after(conn, account.id, 0)) == 12  # a replay adds none


def test_alerts_are_stream_events_and_old_events_are_pruned(engine: sa.Engine) -> None:
    account = create_account(engine, "outbox-prune", "America/New_York")
    with engine.begin() as conn:
        outbox.alert(conn, account.id, datetime.now(UTC), "refresh quarantined rows", rows=3)
    with engine.begin() as conn:
        (alert,) = outbox.read_after(conn, account.id, 0)
        assert (alert.type, alert.data) == (
            "system:alert",
            {"message": "refresh quarantined rows", "rows": 3},
        )
        conn.execute(sa.text("update stream_outbox set created_at = now() - interval '25 hours' where id = :id"),
                     {"id": alert.id})  # fmt: skip
        outbox.alert(conn, account.id, datetime.now(UTC), "a fresh one")
    assert outbox.prune(engine, timedelta(hours=24)) == 1
    with engine.connect() as conn:
        assert [m.data["message"] for m in outbox.read_after(conn, account.id, 0)] == ["a fresh one"]


def test_a_stream_event_refers_to_its_events_payload_rather_than_storing_a_copy(engine: sa.Engine) -> None:
    account = create_account(engine, "outbox-by-reference", "America/New_York")
    answered = ev("call.answered", T.format(2), call_id="r", answered_by="human", agent="carol")
    assert ingest_events(engine, account.id, enumerate([answered])).rejected == []
    with engine.begin() as conn:
        outbox.alert(conn, account.id, datetime.now(UTC), "a check failed", rows=2)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("select type, data from stream_outbox where account_id = :a order by id"),
            {"a": account.id},
        ).all()
        read = outbox.read_after(conn, account.id, 0)
    # the row keeps no second copy of the event (an alert, which has no event, keeps its own)
    assert [tuple(r) for r in stored] == [
        ("call:answered", None),
        ("system:alert", {"message": "a check failed", "rows": 2}),
    ]
    assert [(m.type, m.event_id, m.data) for m in read] == [
        ("call:answered", answered["event_id"], answered),  # the ledger's payload: the event as it was sent
        ("system:alert", None, {"message": "a check failed", "rows": 2}),
    ]
