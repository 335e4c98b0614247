"""An incremental refresh builds only what new rows reach, and publishes what a full build would."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from pipelines.warm_refresher import WarmRefresher
from tests.events_factory import CALLER, LINE, ev
from voxlink import warehouse
from voxlink.settings import get_settings

REFRESH_AT = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
MESSAGE_MODELS = {"stg_messages", "fct_messages", "rpt_messages_daily"}


def call(call_id: str, start: str, end: str) -> list[dict]:
    return [
        ev("call.started", start, call_id=call_id, direction="inbound", from_=CALLER, to=LINE),
        ev("call.ended", end, call_id=call_id, reason="caller_hangup"),
    ]


def message(message_id: str, when: str) -> list[dict]:
    return [
        ev("message.created", when, message_id=message_id, direction="outbound", channel="sms", from_=LINE,
           to=CALLER, body="hello", media_count=0),
        ev("message.status", when, message_id=message_id, status="delivered"),
    ]  # fmt: skip


def served_tables() -> dict[str, list[tuple]]:
    """Every published table's rows, sorted, without the load stamps (a full build loads everything anew)."""
    warehouse.close_all()
    found: dict[str, list[tuple]] = {}
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        names = [n for (n,) in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'main' order by 1").fetchall()]  # fmt: skip
        for name in names:
            if name.startswith(("dim_", "fct_", "rpt_")):
                found[name] = con.execute(f"select * exclude (_loaded_at) from {name} order by all").fetchall() \
                    if "_loaded_at" in {c for (c,) in con.execute(f"select column_name from (describe {name})").fetchall()} \
                    else con.execute(f"select * from {name} order by all").fetchall()  # fmt: skip
    return found


def served_count(sql: str) -> int:
    warehouse.close_all()
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        return int(con.execute(sql).fetchall()[0][0])


@pytest.fixture(scope="module")
def setup(engine: sa.Engine) -> tuple[WarmRefresher, int]:
    account = create_account(engine, "picky", "America/New_York")
    ingest_events(engine, account.id, enumerate(
        call("a", "2026-11-02T15:00:00Z", "2026-11-02T15:00:30Z") + message("m1", "2026-11-02T15:05:00Z")
        + [ev("agent.status", "2026-11-02T14:00:00Z", agent="ann", status="available")]
    ))  # fmt: skip
    refresher = WarmRefresher(every_seconds=60, say=lambda _: None)
    first = refresher.refresh_once(refresh_at=REFRESH_AT)
    assert {"fct_calls", "fct_messages"} <= set(first.built)  # the first build builds everything
    return refresher, account.id


def test_a_refresh_with_no_new_rows_builds_nothing_and_says_so(setup: tuple[WarmRefresher, int]) -> None:
    refresher, _ = setup
    before = served_tables()
    result = refresher.refresh_once(refresh_at=REFRESH_AT)
    assert result.built == ()
    assert "no new rows, nothing built" in result.summary()
    assert result.version is not None  # still published: the served data is as of this refresh
    assert served_tables() == before


@pytest.mark.timeout(1200)  # an incremental and a full refresh (dbt as a subprocess) on a busy machine
def test_a_calls_only_change_rebuilds_no_message_model_and_publishes_what_a_full_build_does(
    setup: tuple[WarmRefresher, int], engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    refresher, account_id = setup
    ingest_events(engine, account_id, enumerate(call("b", "2026-11-02T16:00:00Z", "2026-11-02T16:00:40Z")))
    with caplog.at_level(logging.WARNING):
        result = refresher.refresh_once(refresh_at=REFRESH_AT)
    # the message models' checks ran no test this time, by design: no warning line per check on every refresh
    assert not [r for r in caplog.records if "emitted no result" in r.getMessage()]
    assert {"fct_calls", "rpt_call_status_daily"} <= set(result.built)
    assert not MESSAGE_MODELS & set(result.built)
    assert served_count("select sum(calls) from rpt_call_status_daily") == 2  # calls a and b
    assert served_count("select count(*) from fct_messages") == 1  # m1, carried over unbuilt
    incremental = served_tables()

    full = run_refresh(full=True, refresh_at=REFRESH_AT)
    assert set(full.built) >= MESSAGE_MODELS
    assert served_tables() == incremental
