"""Held rows are not re-quarantined by the look-back, leave when fixed in PostgreSQL, and obey
`voxlink quarantine list|release|drop` (requests the refresh's raw check applies)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from cli.main import main
from data_tests.suites import RAW_CALLS, RAW_MESSAGES
from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines import quarantine
from pipelines.quarantine_requests import apply_requests
from tests.pipelines.test_quarantine_rules import extract_all, per_account, poison, traffic

LOOKBACK = 100_000  # every refresh re-reads every row of these small tables, held ones included


@pytest.fixture(scope="module")
def accounts(engine: sa.Engine) -> dict[str, int]:
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    ids = {}
    for slug in ("alpha", "bravo"):
        ids[slug] = create_account(engine, slug, "Europe/Paris").id
        ingest_events(engine, ids[slug], enumerate(traffic(f"{slug[0]}-", day)))
    return ids


@pytest.fixture(scope="module")
def working(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(Path(tmp_path_factory.mktemp("working")) / "working.duckdb"))
    yield con
    con.close()


def refresh_raw(db_url: str, con: duckdb.DuckDBPyConnection, suite=RAW_CALLS) -> tuple[dict[str, int], list]:  # type: ignore[no-untyped-def]
    """What a refresh does to one raw table: extract, apply requests, check (rows loaded from now on)."""
    published = datetime.now(UTC)
    merged = extract_all(db_url, con, LOOKBACK)
    apply_requests(con, suite.asset[-1])
    outcome = quarantine.check_raw(con, suite, datetime.now(UTC), published)
    quarantine.write_snapshot(con)
    assert outcome.passed, outcome.summary()
    return merged, outcome.quarantined


def test_held_rows_are_not_extracted_again_and_leave_with_their_fix(
    accounts: dict[str, int], engine: sa.Engine, db_url: str, working: duckdb.DuckDBPyConnection
) -> None:
    alpha, bravo = accounts["alpha"], accounts["bravo"]
    refresh_raw(db_url, working)
    repair = poison(engine, "wait over a day", alpha, "a-c2")
    merged, held = refresh_raw(db_url, working)
    assert merged["calls"] == 1 and [h["keys"] for h in held] == [["a-c2"]]
    assert per_account(working, "raw_quarantine", "calls") == {alpha: 1}  # the only new row of alpha

    merged, held = refresh_raw(db_url, working)  # the look-back reads a-c2 again, unchanged
    assert merged["calls"] == 0 and held == []
    assert len(quarantine.open_entries(working)) == 1

    repair()
    merged, held = refresh_raw(db_url, working)
    assert merged["calls"] == 1 and held == []
    assert quarantine.open_entries(working) == []
    assert per_account(working, "raw", "calls") == {alpha: 3, bravo: 3}
    assert (
        working.execute("select wait_seconds from raw.calls where call_id = 'a-c2'").fetchall()[0][0] != 90000
    )


def test_release_rechecks_the_rows_and_an_unfixed_one_is_held_again_without_a_second_notice(
    accounts: dict[str, int], engine: sa.Engine, db_url: str, working: duckdb.DuckDBPyConnection
) -> None:
    alpha = accounts["alpha"]
    repair = poison(engine, "message channel", alpha, "a-m1")
    _, held = refresh_raw(db_url, working, RAW_MESSAGES)
    assert [(h["account_id"], h["keys"]) for h in held] == [(alpha, ["a-m1"])]
    quarantine.mark_notified(working, [alpha])  # the admins were told
    assert main(["quarantine", "release", "alpha"]) == 0

    _, held = refresh_raw(db_url, working, RAW_MESSAGES)
    assert [h["keys"] for h in held] == [["a-m1"]]  # released, checked again, still bad: held again
    assert quarantine.pending_notices(working) == []  # same rows, same rule: no news for the admins

    repair()
    _, held = refresh_raw(db_url, working, RAW_MESSAGES)
    assert held == [] and quarantine.open_entries(working) == []
    assert per_account(working, "raw", "messages") == {alpha: 2, accounts["bravo"]: 2}


def test_drop_discards_the_held_rows_until_they_change(
    accounts: dict[str, int],
    engine: sa.Engine,
    db_url: str,
    working: duckdb.DuckDBPyConnection,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alpha, bravo = accounts["alpha"], accounts["bravo"]
    repair = poison(engine, "unknown queue", alpha, "a-c1")
    refresh_raw(db_url, working)
    capsys.readouterr()
    assert main(["quarantine", "list", "alpha"]) == 0
    listed = capsys.readouterr().out
    assert "alpha\tcalls\t1 row(s) held since" in listed
    assert "ExpectColumnValuesToBeInSet(has_unknown_queue): every call's queue exists in queues" in listed
    assert "a-c1" in listed
    assert main(["quarantine", "list", "bravo"]) == 0
    assert "nothing is held" in capsys.readouterr().out

    assert main(["quarantine", "drop", "alpha", "--table", "calls"]) == 0
    assert "1 held row(s) of alpha (calls) will be discarded by the next refresh" in capsys.readouterr().out
    assert main(["quarantine", "list"]) == 0
    assert "pending: drop of alpha calls" in capsys.readouterr().out

    merged, held = refresh_raw(db_url, working)  # the look-back reads a-c1 again: it stays out
    assert merged["calls"] == 0 and held == []
    assert per_account(working, "raw", "calls") == {alpha: 2, bravo: 3}
    assert per_account(working, "raw_quarantine", "calls") == {}

    repair()  # changed in PostgreSQL: checked again, and it passes
    merged, held = refresh_raw(db_url, working)
    assert merged["calls"] == 1 and held == []
    assert per_account(working, "raw", "calls") == {alpha: 3, bravo: 3}


def test_commands_name_the_problem(
    accounts: dict[str, int], working: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quarantine", "drop", "nobody"]) == 1
    assert "voxlink quarantine: unknown account 'nobody' (known: alpha, bravo)" in capsys.readouterr().err
    assert main(["quarantine", "release", "bravo", "--table", "messages"]) == 1
    assert "nothing of account 'bravo' is held in messages" in capsys.readouterr().err
