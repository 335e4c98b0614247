"""The contract on the real database: a call lasts under a day whatever the arrival order, one bad event is
refused alone (the rest of its batch stored), and `voxlink ingest` summarises rejections per field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from cli.main import main
from operational.accounts import create_account
from operational.events import ValidEvent
from operational.ingest import IngestReport, ingest_events
from operational.ingest_store import store as store_batch_split
from tests.events_factory import CALLER, LINE, at, ev

T0 = "2026-11-02 14:00:00"
DAY = 86_400


@pytest.fixture(scope="module")
def account(engine: sa.Engine) -> int:
    return create_account(engine, "contract", "America/New_York").id


def store(engine: sa.Engine, account: int, events: list[dict]) -> IngestReport:
    return ingest_events(engine, account, enumerate(events))


def call(engine: sa.Engine, account: int, call_id: str) -> sa.RowMapping:
    with engine.connect() as conn:
        query = sa.text("select * from calls where account_id = :a and call_id = :c")
        return conn.execute(query, {"a": account, "c": call_id}).mappings().one()


def refused(report: IngestReport) -> list[tuple[int, str | None, str]]:
    return [(r.position, r.event_id, r.field) for r in report.rejected]


def test_an_answer_25_hours_after_the_start_is_refused_in_the_same_batch(
    engine: sa.Engine, account: int
) -> None:
    events = [
        ev("call.started", at(T0), event_id="w-s", call_id="w25", direction="inbound", from_=CALLER, to=LINE),
        ev(
            "call.answered", at(T0, 25 * 3600), event_id="w-a", call_id="w25", answered_by="human", agent="al"
        ),
        ev("call.ended", at(T0, 120), event_id="w-e", call_id="w25", reason="caller_hangup"),
    ]
    report = store(engine, account, events)
    assert (report.stored, refused(report)) == (2, [(1, "w-a", "occurred_at")])
    assert "less than 86,400 s apart" in report.rejected[0].reason
    row = call(engine, account, "w25")
    assert (row["status"], row["answered_at"], row["wait_seconds"]) == ("abandoned", None, Decimal(120))


def test_the_day_limit_holds_across_batches_whatever_the_arrival_order(
    engine: sa.Engine, account: int
) -> None:
    late = ev("call.ended", at(T0, DAY), event_id="x-e", call_id="x", reason="completed")
    first = store(engine, account, [late])  # the end arrives first and is stored
    start = ev(
        "call.started", at(T0), event_id="x-s", call_id="x", direction="inbound", from_=CALLER, to=LINE
    )
    second = store(engine, account, [start])  # exactly a day before the stored end: refused
    assert (first.stored, second.stored, refused(second)) == (1, 0, [(0, "x-s", "occurred_at")])
    just_inside = start | {"event_id": "x-s2", "occurred_at": at(T0, 1)}  # 86,399 s before the end
    assert store(engine, account, [just_inside]).stored == 1
    assert call(engine, account, "x")["started_at"] == datetime(2026, 11, 2, 14, 0, 1, tzinfo=UTC)


def test_a_refused_event_does_not_widen_its_call(engine: sa.Engine, account: int) -> None:
    events = [
        ev("call.started", at(T0), call_id="y", direction="inbound", from_=CALLER, to=LINE),
        ev("call.hold", at(T0, 30 * 3600), call_id="y"),  # refused: 30 h after the start
        ev("call.ended", at(T0, 600), call_id="y", reason="completed"),  # 10 min after the start: kept
    ]
    report = store(engine, account, events)
    assert (report.stored, [(p, f) for p, _, f in refused(report)]) == (2, [(1, "occurred_at")])


def test_an_answer_stamped_before_the_start_waits_zero_seconds_not_less(
    engine: sa.Engine, account: int
) -> None:
    store(engine, account, [
        ev("call.started", at(T0, 5), call_id="early", direction="inbound", from_=CALLER, to=LINE),
        ev("call.answered", at(T0), call_id="early", answered_by="human", agent="al"),
    ])  # fmt: skip
    assert call(engine, account, "early")["wait_seconds"] == Decimal(0)


def test_one_out_of_range_event_no_longer_drops_its_batch(engine: sa.Engine, account: int) -> None:
    good = [ev("agent.status", at(T0, n), agent="batch-ok", status="available") for n in range(3)]
    bad = [
        ev("agent.status", "0001-01-01T00:30:00+01:00", event_id="b-year1", agent="a", status="busy"),
        ev("agent.status", at(T0), event_id="b-long", agent="a" * 201, status="busy"),
        ev("call.disposition", at(T0), event_id="b-disp", call_id="z", disposition="d" * 101),
        ev("message.created", at(T0), event_id="b-media", message_id="m", direction="inbound", channel="mms",
           from_=CALLER, to=LINE, body="", media_count=2**31),
        ev("call.started", at(T0), event_id="b-queue", call_id="z", direction="inbound", from_=CALLER, to=LINE,
           queue={"a": 1}),
    ]  # fmt: skip
    report = store(engine, account, [good[0], *bad, good[1], good[2]])
    assert report.stored == 3
    assert refused(report) == [(1, "b-year1", "occurred_at"), (2, "b-long", "agent"), (3, "b-disp", "disposition"),
                               (4, "b-media", "media_count"), (5, "b-queue", "queue")]  # fmt: skip


def test_a_value_postgresql_refuses_splits_the_batch_down_to_that_event(
    engine: sa.Engine, account: int
) -> None:
    """Defence in depth: an event the contract let through by mistake (built here by hand, a call id longer
    than its column) is reported on its own and every other event of the batch is stored."""

    def valid(event_id: str, call_id: str) -> ValidEvent:
        payload = {"event_id": event_id, "type": "call.hold", "occurred_at": at(T0), "call_id": call_id}
        moment = datetime.fromisoformat(at(T0))
        return ValidEvent(
            event_id, "call.hold", moment, call_id, None, payload, orjson.dumps(payload).decode()
        )

    batch = [valid(f"split-{n}", f"split-call-{n}") for n in range(7)]
    batch.insert(5, valid("split-bad", "c" * 300))
    stored, ids, rejected = store_batch_split(engine, account, batch, collect_ids=True)
    assert (stored, len(ids), [(e.event_id, field) for e, field, _ in rejected]) == (
        7,
        7,
        [("split-bad", "event")],
    )
    assert "PostgreSQL cannot store it: value too long" in rejected[0][2]


def test_voxlink_ingest_summarises_rejections_per_field_without_a_traceback(
    engine: sa.Engine, account: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        ev("agent.status", "0001-01-01T00:30:00+01:00", agent="cli", status="busy"),
        ev("agent.status", "9999-12-31T23:30:00-01:00", agent="cli", status="busy"),
        ev("agent.status", at(T0), agent="x" * 300, status="busy"),
        ev("call.started", at(T0), call_id="cli-1", direction="inbound", from_="client:alice", to=LINE,
           queue=["q"]),
        ev("call.started", at(T0), call_id="cli-2", direction="inbound", from_="Anonymous", to=LINE),
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    assert main(["ingest", str(path), "--account", "contract", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert "1 stored" in out and "4 rejected" in out
    assert "rejected by field: occurred_at 2, agent 1, queue 1" in out.splitlines()
    assert "Traceback" not in out + err
    assert call(engine, account, "cli-2")["from_number"] == "anonymous"


def test_the_widest_names_the_contract_allows_fit_the_batchs_plain_stored_work_tables(
    engine: sa.Engine, account: int
) -> None:
    """The ingest's work tables keep ids and names without TOAST (ingest_store._STAGING), so a row must fit a
    page: every text field at its limit in 4-byte characters (the widest UTF-8) is still stored, with its call
    state and its stream event."""
    wide = {name: "🎧" * 199 + name[0] for name in ("agent", "to_agent", "queue", "to_queue")}
    call_id, event_id = "📞" * 200, "🆔" * 200
    events = [
        ev("call.started", at(T0), event_id=event_id, call_id=call_id, direction="inbound", from_=CALLER,
           to=LINE, contact_id="c" * 200, campaign="🎯" * 200, ai_agent="🤖" * 200, queue=wide["queue"]),
        ev("call.transferred", at("2026-11-02 14:01:00"), event_id="🔀" * 200, call_id=call_id, **wide),
        ev("agent.status", at(T0), event_id="wide-status", agent=wide["agent"], status="available"),
    ]  # fmt: skip
    report = store(engine, account, events)
    assert (report.stored, refused(report)) == (3, [])
    assert call(engine, account, call_id)["queue"] == wide["queue"]
    with engine.connect() as conn:
        streamed = conn.execute(
            sa.text(
                "select type, queue, agent from stream_outbox where account_id = :a and event_id = any(:ids) "
                "order by type"
            ),
            {"a": account, "ids": [event_id, "🔀" * 200, "wide-status"]},
        ).all()
    assert [tuple(row) for row in streamed] == [
        ("agent:online", None, wide["agent"]),
        ("call:incoming", wide["queue"], None),
        ("call:transferred", wide["queue"], wide["agent"]),
    ]
