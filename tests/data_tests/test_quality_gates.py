"""Bad data is stopped before publish: each injected defect fails the refresh at its check, the served file
stays byte-for-byte the last good one, and the failure is visible in the stored results."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import sqlalchemy as sa

from data_tests import store
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

# defect name → (inject, repair, suite expected to fail)
DEFECTS: dict[str, tuple[str, str, str, str]] = {
    "negative duration": ("pg", f"update calls set talk_seconds = -5, {BUMP} where call_id = 'I1'",
                          f"update calls set talk_seconds = 300, {BUMP} where call_id = 'I1'", "raw_calls"),
    "absurd duration": ("pg", f"update calls set hold_seconds = 100000, {BUMP} where call_id = 'I2'",
                        f"update calls set hold_seconds = 20, {BUMP} where call_id = 'I2'", "raw_calls"),
    "unknown status": ("pg", f"update calls set status = 'exploded', {BUMP} where call_id = 'I8'",
                       f"update calls set status = 'voicemail', {BUMP} where call_id = 'I8'", "raw_calls"),
    "future timestamp": ("pg", f"update calls set started_at = now() + interval '2 days', {BUMP} where call_id = 'O5'",
                         f"update calls set started_at = '2026-11-02T16:04:00Z', {BUMP} where call_id = 'O5'",
                         "raw_calls"),
    "orphaned agent": ("pg", f"update calls set agent = 'ghost', {BUMP} where call_id = 'I1'",
                       f"update calls set agent = 'alice', {BUMP} where call_id = 'I1'", "raw_calls"),
    # a duplicate arriving with a new load (refreshes check rows loaded since the last publish; `voxlink check`
    # and `refresh --full` check every row)
    "duplicate key": ("working", "insert into raw.calls select * replace (now() as _loaded_at) from raw.calls "
                      "where call_id = 'I3'",
                      "delete from raw.calls where call_id = 'I3' and rowid <> (select min(rowid) from raw.calls "
                      "where call_id = 'I3')", "raw_calls"),
    "rate above one": ("working", "insert into rpt_abandon_rate_daily select account_id, date '2026-10-01', 'q9', 1, 3, "
                       "0, 0, 0, 0, _loaded_at from rpt_abandon_rate_daily limit 1",
                       "delete from rpt_abandon_rate_daily where queue_name = 'q9'", "report_rates"),
}  # fmt: skip


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_caught_and_not_published(clean: int, engine: sa.Engine, defect: str) -> None:
    where, inject, repair, suite = DEFECTS[defect]
    apply = pg(engine, inject) if where == "pg" else working(inject)
    undo = pg(engine, repair) if where == "pg" else working(repair)
    before = served_digest()
    apply()
    try:
        with pytest.raises(RefreshFailed, match=suite):
            run_refresh()
        assert served_digest() == before, "a failed refresh must leave the served file untouched"
        result = {r["suite"]: r for r in store.latest("working")}[suite]
        assert not result["passed"]
        assert sum(o["failing"] for o in result["outcomes"] if not o["success"]) >= 1
    finally:
        undo()


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
    from voxlink.cli import main

    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "[working] raw_calls: passed" in out and "[served] report_rates: passed" in out
    index = (
        get_settings().home_dir / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    )
    assert index.exists() and "working_raw_calls" in index.read_text()

    working("insert into rpt_abandon_rate_daily select account_id, date '2026-10-01', 'q9', 1, 3, "
            "0, 0, 0, 0, _loaded_at from rpt_abandon_rate_daily limit 1")()  # fmt: skip
    try:
        assert main(["check", "--no-docs"]) == 1
        assert "[working] report_rates: FAILED" in capsys.readouterr().out
    finally:
        working("delete from rpt_abandon_rate_daily where queue_name = 'q9'")()


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
    _, inject, repair, _ = DEFECTS["orphaned agent"]
    pg(engine, inject)()
    try:
        with pytest.raises(RefreshFailed):
            run_refresh()
    finally:
        pg(engine, repair)()
        controller.stop()
        os.environ.pop("VOXLINK_SMTP_HOST"), os.environ.pop("VOXLINK_SMTP_PORT")
        get_settings.cache_clear()
    assert len(received) == 1
    assert received[0]["To"] == "boss@example.com"  # admins only
    body = received[0].get_payload()
    assert "raw_calls" in body and "every call's agent exists in agents (1 rows)" in body
