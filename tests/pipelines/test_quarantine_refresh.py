"""The real refresh isolates tenants: account alpha's poisoned new rows are held, bravo's publish on the same run,
alpha's admin is told once, and fixing the row in PostgreSQL publishes alpha's data without --full."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import sqlalchemy as sa

from cli.main import main
from data_tests import store
from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from tests.exports.conftest import SmtpServer
from tests.pipelines.test_quarantine_rules import poison, traffic
from voxlink import warehouse
from voxlink.settings import get_settings

YESTERDAY = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    os.environ["VOXLINK_SMTP_HOST"], os.environ["VOXLINK_SMTP_PORT"] = "127.0.0.1", str(server.port)
    get_settings.cache_clear()
    yield server
    server.stop()
    os.environ.pop("VOXLINK_SMTP_HOST"), os.environ.pop("VOXLINK_SMTP_PORT")
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def held(engine: sa.Engine, smtp: SmtpServer) -> Iterator[dict[str, object]]:
    """Both accounts published once; then new traffic for both, alpha's new call a-c2 broken, one refresh."""
    ids = {slug: create_account(engine, slug, "America/Chicago").id for slug in ("alpha", "bravo")}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into users (account_id, username, role, password_hash, email) values "
            "(:a, 'al', 'admin', 'x', 'al@alpha.example'), (:a, 'an', 'analyst', 'x', 'an@alpha.example'), "
            "(:b, 'bo', 'admin', 'x', 'bo@bravo.example')"
        ), {"a": ids["alpha"], "b": ids["bravo"]})  # fmt: skip
    for slug in ids:
        ingest_events(engine, ids[slug], enumerate(traffic(f"{slug[0]}1-", YESTERDAY - timedelta(days=1))))
    run_refresh(full=True)  # full: the working file of another module must not leak in
    for slug in ids:
        ingest_events(engine, ids[slug], enumerate(traffic(f"{slug[0]}2-", YESTERDAY)))
    repair = poison(engine, "call status", ids["alpha"], "a2-c2")
    run_refresh()
    yield {"ids": ids, "repair": repair}


def served_calls() -> dict[str, int]:
    warehouse.close_all()
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        rows = con.execute(
            "select a.slug, count(*) from fct_calls c join dim_accounts a using (account_id) group by 1"
        ).fetchall()
    return dict(rows)


def check_evaluation() -> object:
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        key = dg.AssetCheckKey(dg.AssetKey(["raw", "calls"]), "raw_calls")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
        return record.event.dagster_event.event_specific_data  # type: ignore[union-attr]


def test_the_other_account_publishes_on_the_same_run(held: dict) -> None:
    assert served_calls() == {"alpha": 3, "bravo": 6}  # alpha: only its calls published before the bad batch


def test_the_check_warns_and_names_the_held_account(held: dict) -> None:
    import dagster as dg

    evaluation = check_evaluation()
    assert evaluation.severity == dg.AssetCheckSeverity.WARN  # type: ignore[attr-defined]
    assert evaluation.metadata["quarantined_accounts"].value == [held["ids"]["alpha"]]  # type: ignore[attr-defined]
    [entry] = store.quarantined()
    assert (entry["account_id"], entry["table"], entry["rule"], entry["keys"], entry["held"]) == (
        held["ids"]["alpha"], "calls", "ExpectColumnValuesToBeInSet(status)", ["a2-c2"], 3,
    )  # fmt: skip


def test_only_the_held_accounts_admins_get_one_email(held: dict, smtp: SmtpServer) -> None:
    [message] = smtp.inbox.messages
    assert message["To"] == "al@alpha.example"
    body = message.get_payload()
    assert "account alpha" in body and "a2-c2" in body and "derived call statuses" in body


def test_data_health_shows_each_account_only_its_own_quarantine(held: dict) -> None:
    from app.filters.scope import Filters, Scope
    from app.queries import health
    from app.queries.accounts import Account
    from app.signin.access import Viewer

    def scope(slug: str) -> Scope:
        account_id = held["ids"][slug]
        viewer = Viewer(1, "someone", "analyst", account_id)
        day = YESTERDAY.date()
        return Scope(viewer, Account(account_id, slug, slug, "America/Chicago"), Filters(day, day), "test")

    alpha = health.quarantined(scope("alpha"))
    assert alpha.select("table", "failing_rows", "sample_keys", "held_rows").rows() == [
        ("calls", 1, "a2-c2", 3)
    ]
    assert health.quarantined(scope("bravo")).is_empty()


def test_a_release_rechecks_in_the_next_refresh_and_an_unfixed_row_is_not_mailed_again(
    held: dict, smtp: SmtpServer
) -> None:
    assert main(["quarantine", "release", "alpha"]) == 0
    run_refresh()
    assert [e["keys"] for e in store.quarantined()] == [["a2-c2"]]
    assert served_calls() == {"alpha": 3, "bravo": 6}
    assert len(smtp.inbox.messages) == 1


def test_fixing_the_row_publishes_the_account_without_full_refresh(held: dict, smtp: SmtpServer) -> None:
    held["repair"]()
    run_refresh()
    assert served_calls() == {"alpha": 6, "bravo": 6}
    assert store.quarantined() == []
    assert len(smtp.inbox.messages) == 1
