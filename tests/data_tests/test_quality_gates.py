"""Bad data is stopped before publish: a defect no account owns fails the refresh at its check and the served
file stays byte-for-byte the last good one; an account's bad raw row is held aside and never served; every
outcome is visible in the stored results."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from data_tests import store
from data_tests.runner import run_suite
from data_tests.suites import DIALER_RATES, MESSAGE_RATES, OUTBOUND_RATES, REPORT_RATES, STATUS_TIME, Suite
from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import RefreshFailed, run_refresh
from tests.transforms.metric_cases import EVENTS
from voxlink import warehouse
from voxlink.settings import get_settings

STEADY_DAYS = 35  # five weeks of 40 calls a day: enough trailing same-weekdays for the volume rule


@pytest.fixture(scope="module")
def clean(engine: sa.Engine) -> Iterator[int]:
    # Without look-back an injected working-file defect is not silently repaired by re-extraction.
    os.environ["VOXLINK_EXTRACT_LOOKBACK"] = "0"
    get_settings.cache_clear()
    account = create_account(engine, "gated", "America/New_York")
    ingest_events(engine, account.id, enumerate(EVENTS))
    today = datetime.now(UTC).date()
    steady = []
    for day in range(STEADY_DAYS, 0, -1):
        noon = datetime.combine(today - timedelta(days=day), datetime.min.time(), UTC) + timedelta(hours=16)
        for n in range(40):
            call_id, at = f"s{day}-{n}", noon + timedelta(minutes=n)
            steady += [
                {"event_id": f"{call_id}-s", "type": "call.started", "occurred_at": at.isoformat(), "call_id": call_id,
                 "direction": "inbound", "from": "+14155552671", "to": "+12125550123"},
                {"event_id": f"{call_id}-e", "type": "call.ended", "occurred_at": (at + timedelta(seconds=30)).isoformat(),
                 "call_id": call_id, "reason": "caller_hangup"},
            ]  # fmt: skip
    ingest_events(engine, account.id, enumerate(steady))
    run_refresh()
    yield account.id
    os.environ.pop("VOXLINK_EXTRACT_LOOKBACK", None)
    get_settings.cache_clear()


def served_digest() -> str:
    warehouse.close_all()
    return hashlib.sha256(get_settings().served_db.read_bytes()).hexdigest()


def pg(engine: sa.Engine, sql: str) -> Callable[[], None]:
    def run() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))

    return run


def working(sql: str) -> Callable[[], None]:
    def run() -> None:
        con = duckdb.connect(str(get_settings().working_db))
        try:
            con.execute(sql)
        finally:
            con.close()

    return run


BUMP = "change_seq = nextval('change_seq')"

# A defect no account owns (a report table's row, or the whole day missing) blocks the publish for everyone;
# one in an account's raw rows holds that account's new rows aside and publishes the rest (tests/pipelines/
# test_quarantine_*.py go through every raw rule; here one stands for them against the gate as a whole).
# offered 1, answered 1, abandoned 3: abandon_rate(3, 0, 1) = 3 (the stored day ratio too)
RATE_ABOVE_ONE = (
    "insert into rpt_abandon_rate_daily (account_id, date, queue_name, offered, answered, abandoned, "
    "short_abandoned, answered_within_sl, answered_wait_seconds, _loaded_at, abandon_rate) "
    "select account_id, date '2026-10-01', 'q9', 1, 1, 3, 0, 0, 0, _loaded_at, 3 from rpt_abandon_rate_daily limit 1"
)
UNDO_RATE = "delete from rpt_abandon_rate_daily where queue_name = 'q9'"


def test_a_defect_no_account_owns_is_caught_and_not_published(clean: int) -> None:
    before = served_digest()
    working(RATE_ABOVE_ONE)()
    try:
        with pytest.raises(RefreshFailed, match="report_rates"):
            run_refresh()
        assert served_digest() == before, "a failed refresh must leave the served file untouched"
        result = {r["suite"]: r for r in store.latest("working")}["report_rates"]
        assert not result["passed"]
        assert sum(o["failing"] for o in result["outcomes"] if not o["success"]) >= 1
    finally:
        working(UNDO_RATE)()


def test_an_accounts_bad_raw_row_is_held_not_published(clean: int, engine: sa.Engine) -> None:
    from pipelines.quarantine import open_entries

    talk = "select talk_seconds from fct_calls where call_id = 'I1' and account_id = ?"
    warehouse.close_all()
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        (published,) = con.execute(talk, [clean]).fetchall()
    pg(engine, f"update calls set talk_seconds = -5, {BUMP} where call_id = 'I1'")()
    try:
        run_refresh()  # publishes: the bad row is held, not served
        warehouse.close_all()
        with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
            assert con.execute(talk, [clean]).fetchall() == [published]
        with duckdb.connect(str(get_settings().working_db)) as con:
            held = open_entries(con)
        assert [(e["account_id"], e["table"]) for e in held] == [(clean, "calls")]
        assert "talk_seconds" in " ".join(e["rule"] for e in held)
    finally:
        # the fix reaches the warehouse on the next refresh: the held copy goes, the row is checked again
        pg(engine, f"update calls set talk_seconds = 300, {BUMP} where call_id = 'I1'")()
        run_refresh()
    with duckdb.connect(str(get_settings().working_db)) as con:
        assert open_entries(con) == []


def test_missing_day_after_steady_traffic_is_caught(clean: int) -> None:
    gap = datetime.now(UTC).date() - timedelta(days=3)
    con = duckdb.connect(str(get_settings().working_db))
    kept = con.execute("select * from fct_calls where started_date = ?", [gap]).df()
    con.execute("delete from fct_calls where started_date = ?", [gap])
    con.close()
    before = served_digest()
    try:
        with pytest.raises(RefreshFailed, match="call_volume"):
            run_refresh()
        assert served_digest() == before
        result = {r["suite"]: r for r in store.latest("working")}["call_volume"]
        assert [o["failing"] for o in result["outcomes"]] == [1]
        assert str(gap) in str(result["outcomes"][0]["sample"])
    finally:
        con = duckdb.connect(str(get_settings().working_db))
        con.register("kept", kept)
        con.execute("insert into fct_calls by name select * from kept")
        con.close()


def test_clean_data_publishes_and_checks_are_cheap(clean: int) -> None:
    before = served_digest()
    result = run_refresh()
    assert served_digest() != before
    assert all(r["passed"] for r in store.latest("working")), store.latest("working")
    # what that publish covered is not checked again: with nothing new the raw suites read no rows
    again = run_refresh()
    checked = {r["suite"]: r["rows"] for r in store.latest("working")}
    assert checked["raw_calls"] == checked["raw_messages"] == 0, checked
    assert checked["call_volume"] > 0  # report suites still read their whole (small) tables
    print(f"\nchecks took {result.check_seconds:.2f} s of a {result.seconds:.1f} s refresh "
          f"({100 * result.check_seconds / result.seconds:.1f} %); {again.check_seconds:.2f} s with nothing new")  # fmt: skip


def test_check_command_validates_both_files_and_writes_data_docs(
    clean: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "[working] raw_calls: passed" in out and "[served] report_rates: passed" in out
    index = (
        get_settings().home_dir / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    )
    assert index.exists() and "working_raw_calls" in index.read_text()

    working(RATE_ABOVE_ONE)()
    try:
        assert main(["check", "--no-docs"]) == 1
        assert "[working] report_rates: FAILED" in capsys.readouterr().out
    finally:
        working(UNDO_RATE)()


def test_blocking_failure_emails_the_admins(clean: int, engine: sa.Engine) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            received.append(message)

    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into users (account_id, username, role, password_hash, email) values "
            "(:a, 'boss', 'admin', 'x', 'boss@example.com'), (:a, 'ann', 'analyst', 'x', 'ann@example.com')"
        ), {"a": clean})  # fmt: skip
    with socket.socket() as probe:  # this aiosmtpd cannot start on port 0: pick a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["VOXLINK_SMTP_HOST"], os.environ["VOXLINK_SMTP_PORT"] = "127.0.0.1", str(controller.port)
    get_settings.cache_clear()
    working(RATE_ABOVE_ONE)()
    try:
        with pytest.raises(RefreshFailed):
            run_refresh()
    finally:
        working(UNDO_RATE)()
        controller.stop()
        os.environ.pop("VOXLINK_SMTP_HOST"), os.environ.pop("VOXLINK_SMTP_PORT")
        get_settings.cache_clear()
    assert len(received) == 1
    assert received[0]["To"] == "boss@example.com"  # admins only
    body = received[0].get_payload()
    assert "report_rates" in body and "a rate is a fraction in [0, 1]" in body


# The rate gates call the metric functions dbt publishes (transforms/macros/metric_functions.sql): a definition
# changed there is the one the gate judges, so a gate can never pass a figure the exports and the app show out of
# [0, 1]. Each function is replaced in a copy of the working file by one that returns 2 for every row. The
# abandon-rate report's day ratios are stored (the export reads them): its gate judges the stored columns.
@pytest.mark.parametrize(
    ("suite", "function", "parameters"),
    [
        (OUTBOUND_RATES, "connect_rate", "human_answered, attempts"),
        (MESSAGE_RATES, "delivery_rate", "delivered, undelivered, failed"),
        (STATUS_TIME, "occupancy", "available_seconds, busy_seconds, after_call_work_seconds"),
        (DIALER_RATES, "drop_rate", "drops, human_answered"),
    ],
)
def test_rate_gates_judge_the_published_metric_function(
    clean: int, tmp_path: Path, suite: Suite, function: str, parameters: str
) -> None:
    copy = tmp_path / "working.duckdb"
    shutil.copyfile(get_settings().working_db, copy)
    now = datetime.now(UTC)
    with duckdb.connect(str(copy)) as con:
        assert run_suite(con, suite, now, "working").passed
        con.execute(f"create or replace macro main.{function}({parameters}) as 2")
        outcome = run_suite(con, suite, now, "working")

    assert [(o.column, o.why) for o in outcome.blocking_failures] == [
        (
            function,
            "drops are human-answered calls" if function == "drop_rate" else "a rate is a fraction in [0, 1]",
        )
    ]
    assert all(o.failing >= 1 for o in outcome.blocking_failures)


@pytest.mark.parametrize(
    ("column", "why"),
    [
        ("abandon_rate", "a rate is a fraction in [0, 1]"),
        ("service_level", "a rate is a fraction in [0, 1]"),
        ("asa_seconds", "waits are never negative"),
    ],
)
def test_report_rates_gate_judges_the_stored_day_ratios(
    clean: int, tmp_path: Path, column: str, why: str
) -> None:
    copy = tmp_path / "working.duckdb"
    shutil.copyfile(get_settings().working_db, copy)
    now = datetime.now(UTC)
    broken = 2 if column != "asa_seconds" else -1
    with duckdb.connect(str(copy)) as con:
        assert run_suite(con, REPORT_RATES, now, "working").passed
        con.execute(f"update rpt_abandon_rate_daily set {column} = {broken} where date = (select min(date) "
                    "from rpt_abandon_rate_daily)")  # fmt: skip
        outcome = run_suite(con, REPORT_RATES, now, "working")

    assert [(o.column, o.why) for o in outcome.blocking_failures] == [(column, why)]
    assert all(o.failing >= 1 for o in outcome.blocking_failures)
