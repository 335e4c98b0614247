"""Ingest on the real database: idempotency, any arrival order, rejections, and hand-computed call state."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events, read_jsonl
from tests.events_factory import CALLER, LINE, at, ev

T0 = "2026-11-02 14:00:00"


def answered_inbound(call: str) -> list[dict]:
    """Queued 2 s after start, answered 10.5 s later, 30 s hold, ended, 20 s wrap-up, two dispositions."""
    return [
        ev("call.started", at(T0), call_id=call, direction="inbound", from_=CALLER, to=LINE, queue="main"),
        ev("call.queued", at(T0, 2), call_id=call, queue="sales"),
        ev("call.queued", at(T0, 3), call_id=call, queue="support"),
        ev("call.ringing", at(T0, 4), call_id=call, agent="alice"),
        ev("call.answered", at(T0, 12.5), call_id=call, answered_by="human", agent="alice"),
        ev("call.hold", at(T0, 60), call_id=call),
        ev("call.unhold", at(T0, 90), call_id=call),
        ev("call.ended", at(T0, 300), call_id=call, reason="completed"),
        ev("call.wrapup_ended", at(T0, 320), call_id=call, agent="alice"),
        ev("call.disposition", at(T0, 330), call_id=call, disposition="no_sale"),
        ev("call.disposition", at(T0, 340), call_id=call, disposition="sale"),
    ]


@pytest.fixture(scope="module")
def account(engine: sa.Engine) -> int:
    return create_account(engine, "ingest-test", "America/New_York").id


def call_row(engine: sa.Engine, account: int, call: str) -> sa.RowMapping:
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.text("select * from calls where account_id = :a and call_id = :c"),
                {"a": account, "c": call},
            )
            .mappings()
            .one()
        )


def store(engine: sa.Engine, account: int, events: list[dict]):  # type: ignore[no-untyped-def]
    return ingest_events(engine, account, enumerate(events, start=1))


def test_answered_call_state_and_times(engine: sa.Engine, account: int) -> None:
    report = store(engine, account, answered_inbound("c-answered"))
    assert (report.stored, report.duplicates, report.rejected) == (11, 0, [])
    row = call_row(engine, account, "c-answered")
    assert row["status"] == "completed"
    assert row["queue"] == "sales"  # the first queue it was queued in, not the later one
    assert row["agent"] == "alice"
    assert row["wait_seconds"] == Decimal("10.5")  # first queued (T0+2) → answered (T0+12.5)
    assert row["hold_seconds"] == Decimal("30")
    assert row["talk_seconds"] == Decimal("257.5")  # 300 − 12.5 − 30
    assert row["wrap_seconds"] == Decimal("20")
    assert row["disposition"] == "sale"  # the latest by occurred_at


def test_shuffled_delivery_gives_the_same_state(engine: sa.Engine, account: int) -> None:
    events = answered_inbound("c-shuffled")
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    for event in shuffled:  # one event per batch: the worst case of late arrival
        store(engine, account, [event])
    row = call_row(engine, account, "c-shuffled")
    assert (row["status"], row["queue"], row["disposition"]) == ("completed", "sales", "sale")
    assert (row["wait_seconds"], row["talk_seconds"], row["hold_seconds"]) == (
        Decimal("10.5"), Decimal("257.5"), Decimal("30"),
    )  # fmt: skip


def test_replayed_event_changes_nothing(engine: sa.Engine, account: int) -> None:
    events = answered_inbound("c-replay")
    store(engine, account, events)
    before = dict(call_row(engine, account, "c-replay"))
    report = store(engine, account, events + events[:3])
    assert (report.stored, report.duplicates) == (0, 14)
    assert dict(call_row(engine, account, "c-replay")) == before  # change_seq included: nothing rewritten


def test_duplicates_within_one_batch_are_stored_once(engine: sa.Engine, account: int) -> None:
    events = answered_inbound("c-dupe")
    report = store(engine, account, events + events)
    assert (report.stored, report.duplicates) == (11, 11)
    assert call_row(engine, account, "c-dupe")["event_count"] == 11


def test_abandon_wait_runs_to_the_hang_up(engine: sa.Engine, account: int) -> None:
    call = "c-abandon"
    store(engine, account, [
        ev("call.started", at(T0), call_id=call, direction="inbound", from_=CALLER, to=LINE),
        ev("call.queued", at(T0, 1), call_id=call, queue="sales"),
        ev("call.ended", at(T0, 5.9), call_id=call, reason="caller_hangup"),
    ])  # fmt: skip
    row = call_row(engine, account, call)
    assert (row["status"], row["wait_seconds"], row["talk_seconds"]) == ("abandoned", Decimal("4.9"), 0)


def test_outbound_talk_starts_at_connect_and_machine_answers_have_no_talk(
    engine: sa.Engine, account: int
) -> None:
    store(engine, account, [
        ev("call.started", at(T0), call_id="c-out", direction="outbound", from_=LINE, to=CALLER, campaign="promo"),
        ev("call.answered", at(T0, 8), call_id="c-out", answered_by="human"),
        ev("call.connected", at(T0, 10.1), call_id="c-out", agent="bob"),
        ev("call.ended", at(T0, 70.1), call_id="c-out", reason="completed"),
        ev("call.started", at(T0), call_id="c-vm", direction="outbound", from_=LINE, to=CALLER, campaign="promo"),
        ev("call.answered", at(T0, 6), call_id="c-vm", answered_by="machine"),
        ev("call.ended", at(T0, 36), call_id="c-vm", reason="voicemail"),
    ])  # fmt: skip
    out = call_row(engine, account, "c-out")
    assert (out["status"], out["talk_seconds"], out["agent"], out["wait_seconds"]) == (
        "completed", Decimal("60"), "bob", None,
    )  # fmt: skip
    machine = call_row(engine, account, "c-vm")
    assert (machine["status"], machine["talk_seconds"]) == (
        "completed",
        0,
    )  # an answer outranks the end reason


def test_ai_answer_talks_from_the_answer_and_open_hold_closes_at_end(engine: sa.Engine, account: int) -> None:
    call = "c-ai"
    store(engine, account, [
        ev("call.started", at(T0), call_id=call, direction="inbound", from_=CALLER, to=LINE, ai_agent="ava"),
        ev("call.answered", at(T0, 3), call_id=call, answered_by="ai"),
        ev("call.hold", at(T0, 100), call_id=call),
        ev("call.ended", at(T0, 163), call_id=call, reason="completed"),
    ])  # fmt: skip
    row = call_row(engine, account, call)
    assert (row["wait_seconds"], row["hold_seconds"], row["talk_seconds"]) == (
        Decimal(3),
        Decimal(63),
        Decimal(97),
    )


def test_call_without_end_is_in_progress(engine: sa.Engine, account: int) -> None:
    call = "c-live"
    store(engine, account, [
        ev("call.started", at(T0), call_id=call, direction="inbound", from_=CALLER, to=LINE),
        ev("call.answered", at(T0, 7), call_id=call, answered_by="human", agent="alice"),
    ])  # fmt: skip
    row = call_row(engine, account, call)
    assert (row["status"], row["wait_seconds"], row["talk_seconds"]) == ("in_progress", Decimal(7), 0)


def test_call_across_the_end_of_daylight_saving_counts_elapsed_seconds(
    engine: sa.Engine, account: int
) -> None:
    # New York falls back at 06:00 UTC on 2026-11-01: 01:59 EDT → 01:01 EST is 120 s, not −58 min.
    call = "c-dst"
    store(engine, account, [
        ev("call.started", "2026-11-01T01:58:50-04:00", call_id=call, direction="inbound", from_=CALLER, to=LINE),
        ev("call.answered", "2026-11-01T01:59:00-04:00", call_id=call, answered_by="human", agent="alice"),
        ev("call.ended", "2026-11-01T01:01:00-05:00", call_id=call, reason="completed"),
    ])  # fmt: skip
    row = call_row(engine, account, call)
    assert (row["wait_seconds"], row["talk_seconds"]) == (Decimal(10), Decimal(120))


def test_bad_lines_are_reported_and_the_rest_stored(engine: sa.Engine, account: int, tmp_path: Path) -> None:
    good = ev("agent.status", at(T0), agent="carol", status="available")
    lines = [
        orjson.dumps(good),
        b"{not json",
        orjson.dumps(ev("call.exploded", at(T0), call_id="x")),
        orjson.dumps(ev("call.started", at(T0), call_id="x", direction="inbound", from_="12", to=LINE)),
        orjson.dumps(ev("call.ended", "2099-01-01T00:00:00+00:00", call_id="x", reason="completed")),
        orjson.dumps(ev("call.ended", at(T0), call_id="x")),
        orjson.dumps(ev("call.ended", "2026-11-02 14:00:00", call_id="x", reason="completed")),
        orjson.dumps(ev("agent.status", at(T0), agent="carol", status="sleeping")),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = ingest_events(engine, account, read_jsonl(path))
    assert report.stored == 1
    found = {(r.position, r.field) for r in report.rejected}
    assert found == {(2, "line"), (3, "type"), (4, "from"), (5, "occurred_at"), (6, "reason"), (7, "occurred_at"),
                     (8, "status")}  # fmt: skip
    assert "unknown event type 'call.exploded'" in str(report.rejected[1])
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from agent_status_events where agent = 'carol'")) == 1
        assert conn.scalar(sa.text("select count(*) from agents where name = 'carol'")) == 1
