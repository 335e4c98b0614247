"""Ingest → refresh (Dagster + dbt on DuckDB) → publish → export, against hand-computed rows."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import duckdb
import orjson
import pytest
import sqlalchemy as sa

from cli.main import main
from operational.accounts import create_account
from pipelines.refresh import run_refresh
from tests.events_factory import CALLER, LINE, ev
from voxlink import warehouse
from voxlink.settings import get_settings


def call(call_id: str, direction: str, start: str, *rest: tuple[str, str, dict]) -> list[dict]:
    started = ev("call.started", start, call_id=call_id, direction=direction, from_=CALLER, to=LINE)
    return [started] + [ev(kind, when, call_id=call_id, **fields) for kind, when, fields in rest]


# America/New_York. Expected call-status rows are written out by hand below.
EVENTS = [
    # 10:00 local on Nov 2, answered and ended → 2026-11-02 inbound completed
    *call("a", "inbound", "2026-11-02T15:00:00Z",
          ("call.answered", "2026-11-02T15:00:09Z", {"answered_by": "human", "agent": "alice"}),
          ("call.ended", "2026-11-02T15:04:00Z", {"reason": "completed"})),
    # abandoned after 30 s → 2026-11-02 inbound abandoned
    *call("b", "inbound", "2026-11-02T16:00:00Z",
          ("call.queued", "2026-11-02T16:00:01Z", {"queue": "sales"}),
          ("call.ended", "2026-11-02T16:00:31Z", {"reason": "caller_hangup"})),
    # 23:59:30 local on Nov 1 (EST), ends after local midnight → bucketed by its start: 2026-11-01
    *call("c", "inbound", "2026-11-02T04:59:30Z",
          ("call.answered", "2026-11-02T04:59:40Z", {"answered_by": "human", "agent": "bob"}),
          ("call.ended", "2026-11-02T05:10:00Z", {"reason": "completed"})),
    # 01:30 EDT on Nov 1, across the fall-back hour → 2026-11-01 inbound completed
    *call("f", "inbound", "2026-11-01T05:30:00Z",
          ("call.answered", "2026-11-01T05:30:05Z", {"answered_by": "ai"}),
          ("call.ended", "2026-11-01T06:20:00Z", {"reason": "completed"})),
    # outbound unanswered → 2026-11-02 outbound no_answer
    *call("d", "outbound", "2026-11-02T17:00:00Z", ("call.ended", "2026-11-02T17:00:30Z", {"reason": "no_answer"})),
    # outbound still going → 2026-11-02 outbound in_progress
    *call("e", "outbound", "2026-11-02T18:00:00Z",
          ("call.answered", "2026-11-02T18:00:05Z", {"answered_by": "human"})),
    # Nov 3 local: outside the exported range
    *call("g", "inbound", "2026-11-03T15:00:00Z", ("call.ended", "2026-11-03T15:00:02Z", {"reason": "canceled"})),
]  # fmt: skip

EXPECTED = [
    ["date", "direction", "status", "calls"],
    ["2026-11-01", "inbound", "completed", "2"],
    ["2026-11-02", "inbound", "abandoned", "1"],
    ["2026-11-02", "inbound", "completed", "1"],
    ["2026-11-02", "outbound", "in_progress", "1"],
    ["2026-11-02", "outbound", "no_answer", "1"],
]


def export_rows(capsys: pytest.CaptureFixture[str], account: str = "e2e") -> list[list[str]]:
    capsys.readouterr()
    status = main(
        ["export", "call-status", "--account", account, "--start", "2026-11-01", "--end", "2026-11-02"]
    )
    assert status == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The events shuffled, with a third of them delivered twice."""
    rng = random.Random(11)
    delivered = EVENTS + rng.sample(EVENTS, len(EVENTS) // 3)
    rng.shuffle(delivered)
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in delivered))
    return path


@pytest.fixture(scope="module")
def loaded(engine: sa.Engine, events_file: Path) -> None:
    create_account(engine, "e2e", "America/New_York")
    other = create_account(engine, "other", "Europe/London")
    assert main(["ingest", str(events_file), "--account", "e2e", "--quiet"]) == 0
    # another tenant's identical call ids must never show up in e2e's export
    from operational.ingest import ingest_events

    ingest_events(engine, other.id, enumerate([dict(e, event_id="o-" + e["event_id"]) for e in EVENTS]))
    run_refresh()


def test_export_matches_hand_computed_rows(loaded: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert export_rows(capsys) == EXPECTED


def test_reingest_and_refresh_again_leave_the_report_identical(
    loaded: None, events_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(events_file), "--account", "e2e", "--quiet"]) == 0
    first = run_refresh()
    second = run_refresh()
    assert second.version == first.version + 1
    assert export_rows(capsys) == EXPECTED


def test_full_refresh_equals_incremental(loaded: None, capsys: pytest.CaptureFixture[str]) -> None:
    run_refresh(full=True)
    assert export_rows(capsys) == EXPECTED


def test_reader_holding_the_served_file_survives_a_refresh(
    loaded: None, engine: sa.Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    served = get_settings().served_db
    warehouse.close_all()  # in one process DuckDB shares an open database per path; start from none open
    reader = duckdb.connect(str(served), read_only=True)
    count_sql = (
        "select sum(calls) from rpt_call_status_daily "
        "where account_id = (select account_id from dim_accounts where slug = 'e2e')"
    )
    before = reader.execute(count_sql).fetchall()[0][0]

    from operational.accounts import get_account
    from operational.ingest import ingest_events

    account = get_account(engine, "e2e")
    extra = call("h", "inbound", "2026-11-02T19:00:00Z",
                 ("call.ended", "2026-11-02T19:00:02Z", {"reason": "caller_hangup"}))  # fmt: skip
    ingest_events(engine, account.id, enumerate(extra))
    run_refresh()

    assert reader.execute(count_sql).fetchall()[0][0] == before  # the old file, still readable
    reader.close()
    reopened = duckdb.connect(str(served), read_only=True)
    assert reopened.execute(count_sql).fetchall()[0][0] == before + 1
    reopened.close()
    assert ["2026-11-02", "inbound", "abandoned", "2"] in export_rows(capsys)
