"""A file's batches stored by two connections: each call, message and agent on one, its events in order."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from operational import ingest, outbox
from operational.accounts import create_account
from operational.events import ValidEvent, validate
from operational.ingest import _busy_seconds, ingest_events
from operational.ingest_store import Stored, partition, store
from operational.simulator import simulate
from tests.events_factory import CALLER, LINE, ev
from tests.operational.test_ingest_concurrency import state

T = "2026-11-02T15:{:02d}:{:02d}Z"


def _two_calls() -> list[dict[str, object]]:
    # call-a and call-d fall in different parts (crc32 of "c:call-a" is even, of "c:call-d" odd); in batches
    # of two, each call's events span three batches
    return [
        ev("call.started", T.format(0, 0), call_id="call-a", direction="inbound", from_=CALLER, to=LINE),
        ev("call.started", T.format(0, 1), call_id="call-d", direction="inbound", from_=CALLER, to=LINE),
        ev("call.answered", T.format(0, 10), call_id="call-a", answered_by="human", agent="alice"),
        ev("call.ended", T.format(0, 6), call_id="call-d", reason="caller_hangup"),
        ev("call.ended", T.format(1, 10), call_id="call-a", reason="completed"),
        ev("call.disposition", T.format(1, 20), call_id="call-d", disposition="sale"),
    ]  # fmt: skip


def _checked(events: list[dict[str, object]]) -> list[ValidEvent]:
    return [validate(e, datetime(2026, 11, 4, tzinfo=UTC)) for e in events]


def test_each_call_goes_to_one_part_whatever_the_batch() -> None:
    checked = _checked(_two_calls())
    first, second = partition(checked[:3], 2), partition(checked[3:], 2)
    assert [e.call_id for e in first[0]] == ["call-a", "call-a"] and [e.call_id for e in first[1]] == [
        "call-d"
    ]
    assert [e.call_id for e in second[0]] == ["call-a"] and [e.call_id for e in second[1]] == ["call-d"] * 2


def test_a_files_batches_are_split_between_two_storing_threads_and_each_call_keeps_its_order(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = create_account(engine, "two-connections", "UTC")
    threads: list[tuple[str, tuple[str | None, ...]]] = []
    real = ingest.timed_store

    def recorded(*args: object) -> tuple[Stored, tuple[float, float]]:
        batch: list[ValidEvent] = args[2]  # type: ignore[assignment]
        threads.append((threading.current_thread().name, tuple(sorted({e.call_id for e in batch}))))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "timed_store", recorded)
    events = _two_calls()
    report = ingest_events(engine, account.id, enumerate(events), batch_size=2)
    assert (report.stored, report.rejected) == (6, [])
    assert {name for name, _ in threads} == {"ingest-store-0_0", "ingest-store-1_0"}
    assert {calls for name, calls in threads if name == "ingest-store-0_0"} == {("call-a",)}
    assert {calls for name, calls in threads if name == "ingest-store-1_0"} == {("call-d",)}
    with engine.connect() as conn:
        calls = conn.execute(
            sa.text("select call_id, status, wait_seconds, talk_seconds, disposition from calls order by 1")
        ).all()
        stream = [(m.event_id, m.type) for m in outbox.read_after(conn, account.id, 0)]
    # call-a: answered 10 s after it started, ended 60 s later; call-d: hung up after 6 - 1 = 5 s
    assert [tuple(c) for c in calls] == [
        ("call-a", "completed", Decimal("10.000"), Decimal("60.000"), None),
        ("call-d", "abandoned", Decimal("5.000"), Decimal("0.000"), "sale"),
    ]
    ids = [e["event_id"] for e in events]
    of_a = [t for i, t in stream if i in (ids[0], ids[2], ids[4])]
    of_d = [t for i, t in stream if i in (ids[1], ids[3])]
    assert of_a == ["call:incoming", "call:answered", "call:ended"] and of_d == [
        "call:incoming",
        "call:ended",
    ]


def test_a_file_stored_by_two_connections_ends_as_one_transaction_leaves_it(engine: sa.Engine) -> None:
    events = list(simulate(days=2, timezone="America/New_York", seed=3, end_date=date(2026, 11, 3)))
    whole = create_account(engine, "one-transaction", "America/New_York").id
    split = create_account(engine, "two-connections-sim", "America/New_York").id
    assert store(engine, whole, _checked(events), collect_ids=False)[2] == []  # one transaction
    report = ingest_events(engine, split, enumerate(events), batch_size=1_000)
    assert (report.stored, report.rejected) == (len(events), [])
    assert state(engine, split) == state(engine, whole)


def test_storing_time_counts_overlapping_transactions_once() -> None:
    # 0-2 and 1-3 overlap into 0-3 (3 s); 5-6 adds 1 s; 5.5-5.8 lies inside it
    assert _busy_seconds([(5.0, 6.0), (0.0, 2.0), (1.0, 3.0), (5.5, 5.8)]) == pytest.approx(4.0)
    assert _busy_seconds([]) == 0.0


def test_after_a_part_fails_the_parts_queued_behind_it_are_not_stored_and_the_caller_sees_the_error(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = create_account(engine, "part-fails", "UTC")
    events = _two_calls()
    real = ingest.timed_store

    def disk_full_on_the_answer(*args: object) -> tuple[Stored, tuple[float, float]]:
        batch: list[ValidEvent] = args[2]  # type: ignore[assignment]
        if any(e.event_id == events[2]["event_id"] for e in batch):  # call-a's answer, in the second batch
            raise OSError("disk full")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "timed_store", disk_full_on_the_answer)
    with pytest.raises(OSError, match="disk full"):
        ingest_events(engine, account.id, enumerate(events), batch_size=2)
    with engine.connect() as conn:
        of_a = conn.scalars(
            sa.text("select event_id from events where account_id = :a and call_id = 'call-a'"),
            {"a": account.id},
        ).all()
    # call-a's end (third batch, queued on the same connection) is not stored without its answer
    assert of_a == [events[0]["event_id"]]


def test_a_file_ingest_holds_off_the_cyclic_collector_and_restores_it(engine: sa.Engine) -> None:
    import gc

    from voxlink.gc_pause import paused_cyclic_gc

    account = create_account(engine, "gc-paused", "UTC")
    seen: list[bool] = []

    def read() -> object:
        for position, event in enumerate(_two_calls()):
            seen.append(gc.isenabled())  # while the ingest reads and stores
            yield position, event

    assert gc.isenabled()
    report = ingest_events(engine, account.id, read(), batch_size=2)
    assert report.stored == 6 and seen == [False] * 6
    assert gc.isenabled()

    # nested and overlapping pauses: the collector comes back with the last one, as it was before the first
    with paused_cyclic_gc():
        with paused_cyclic_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_cyclic_gc():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
