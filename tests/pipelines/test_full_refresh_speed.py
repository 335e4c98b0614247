"""The faster full refresh gives the same results: one-pass raw checks and the streamed extract."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from data_tests.runner import run_suite
from data_tests.suites import RAW_MESSAGES
from operational.accounts import create_account
from operational.database import libpq_uri
from pipelines import extract_copy
from pipelines.extract_tables import extract_table

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _messages(tmp_path: Path, rows: list[tuple[object, ...]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "working.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.messages (account_id bigint, message_id varchar, direction varchar, channel varchar, "
        "status varchar, media_count bigint, created_at timestamptz, _loaded_at timestamptz)"
    )
    con.executemany("insert into raw.messages values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_one_pass_check_counts_each_rules_failures_and_names_their_accounts(tmp_path: Path) -> None:
    at = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    con = _messages(
        tmp_path,
        [
            (1, "m1", "outbound", "sms", "delivered", 0, at, at),  # clean
            (1, "m2", None, None, None, None, at, at),  # nulls: allowed by every in-set and range rule
            (2, "m3", "outbound", "fax", "delivered", 0, at, at),  # unknown channel
            (2, "m4", "outbound", "sms", "delivered", -1, at, at),  # negative media
            (3, "m5", "sideways", "sms", "sent", 0, at, at),  # unknown direction
            (3, "m5", "outbound", "sms", "sent", 0, at, at),  # same key again: both copies are duplicates
        ],
    )
    outcome = run_suite(con, RAW_MESSAGES, NOW, "working", key_columns=("account_id", "message_id"))
    assert outcome.rows == 6
    failing = {(o.expectation, o.column): o for o in outcome.outcomes if not o.success}
    assert {key: o.failing for key, o in failing.items()} == {
        ("ExpectColumnValuesToBeInSet", "has_duplicate_key"): 2,
        ("ExpectColumnValuesToBeInSet", "direction"): 1,
        ("ExpectColumnValuesToBeInSet", "channel"): 1,
        ("ExpectColumnValuesToBeBetween", "media_count"): 1,
    }
    channel = failing[("ExpectColumnValuesToBeInSet", "channel")]
    assert channel.accounts == [{"account_id": 2, "rows": 1, "keys": ["m3"]}]
    assert channel.sample[0]["channel"] == "fax"
    duplicates = failing[("ExpectColumnValuesToBeInSet", "has_duplicate_key")]
    assert duplicates.accounts == [{"account_id": 3, "rows": 2, "keys": ["m5", "m5"]}]
    assert len(outcome.outcomes) == len(RAW_MESSAGES.rules)
    assert not outcome.passed


def test_one_pass_check_of_clean_rows_passes_every_rule_and_counts_them(tmp_path: Path) -> None:
    at = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    con = _messages(
        tmp_path,
        [
            (1, "m1", "outbound", "sms", "delivered", 0, at, at),
            (1, "m2", "inbound", "mms", "received", 3, at, at),
            (2, "m3", None, "chat", "read", None, at, at),
        ],
    )
    outcome = run_suite(con, RAW_MESSAGES, NOW, "working", key_columns=("account_id", "message_id"))
    assert (outcome.rows, outcome.passed) == (3, True)
    assert [o.failing for o in outcome.outcomes] == [0] * len(RAW_MESSAGES.rules)
    assert all(o.success and o.sample == [] for o in outcome.outcomes)


def test_duplicate_key_rule_flags_new_rows_whose_key_is_repeated_by_a_new_or_an_older_row(
    tmp_path: Path,
) -> None:
    before, after = datetime(2026, 6, 1, 10, 0, tzinfo=UTC), datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    con = _messages(
        tmp_path,
        [
            (
                1,
                "m1",
                "outbound",
                "sms",
                "sent",
                0,
                before,
                before,
            ),  # older copy of the new m1: not judged itself
            (1, "m1", "outbound", "sms", "sent", 0, after, after),  # new, repeated by the older row
            (1, "m2", "outbound", "sms", "sent", 0, after, after),  # two new copies: both duplicates
            (1, "m2", "outbound", "sms", "sent", 0, after, after),
            (1, "m3", "outbound", "sms", "sent", 0, before, before),  # an older pair: not this refresh's rows
            (1, "m3", "outbound", "sms", "sent", 0, before, before),
            (1, "m4", "outbound", "sms", "sent", 0, after, after),  # new, once: clean
            (1, None, "outbound", "sms", "sent", 0, after, after),  # null keys never equal one another
            (1, None, "outbound", "sms", "sent", 0, after, after),
        ],
    )
    loaded_after = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
    keys = ("account_id", "message_id")
    outcome = run_suite(con, RAW_MESSAGES, NOW, "working", loaded_after=loaded_after, key_columns=keys)
    assert outcome.rows == 6  # m1, m2, m2, m4 and the two null ids
    failing = {(o.expectation, o.column): o.failing for o in outcome.outcomes if not o.success}
    assert failing == {
        ("ExpectColumnValuesToBeInSet", "has_duplicate_key"): 3,
        ("ExpectColumnValuesToNotBeNull", "message_id"): 2,
    }
    # a full refresh judges every row: the older copies of m1 and the m3 pair are duplicates as well
    every = run_suite(con, RAW_MESSAGES, NOW, "working", key_columns=keys)
    assert every.rows == 9
    assert {o.column: o.failing for o in every.outcomes if o.column == "has_duplicate_key"} == {
        "has_duplicate_key": 6
    }


@pytest.mark.parametrize("slice_min_rows", [1, 1_000_000], ids=["several-slices", "one-stream"])
def test_whole_table_copy_lands_every_value_as_the_incremental_read_does(
    engine: sa.Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_min_rows: int
) -> None:
    monkeypatch.setattr(extract_copy, "SLICE_MIN_ROWS", slice_min_rows)
    account = create_account(engine, f"copy{slice_min_rows}", "UTC").id
    with engine.begin() as conn:
        conn.execute(sa.text("delete from messages"))
        conn.execute(
            sa.text(
                "insert into messages (account_id, message_id, body, media_count, created_at, error_code) values "
                "(:a, 'm1', E'line one\\nsaid \"hi\", then left', 2, '2026-03-29 01:30:00.123456+00', null), "
                "(:a, 'm2', '', null, null, ''), "
                "(:a, 'm3', 'Merci ç ✓', 0, '2026-10-25 23:59:59+00', '30003')"
            ),
            {"a": account},
        )
    uri = libpq_uri(db_url)
    con = duckdb.connect(str(tmp_path / "working.duckdb"))
    result = extract_table(uri, con, "messages", lookback=0)
    assert (result.rows, result.read) == (3, 3)
    # the slices are loaded without keeping their order; the connection gets its default back
    assert con.execute("select current_setting('preserve_insertion_order')").fetchone() == (True,)
    rows = con.execute(
        "select message_id, body, media_count, created_at, error_code from raw.messages order by message_id"
    ).fetchall()
    assert rows == [
        (
            "m1",
            'line one\nsaid "hi", then left',
            2,
            datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC),
            None,
        ),
        ("m2", "", None, None, ""),  # an empty string stays empty, a null stays null
        ("m3", "Merci ç ✓", 0, datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC), "30003"),
    ]
    # the same types as a table the incremental path creates (what dbt's staging models expect)
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'messages'"
        ).fetchall()
    )
    assert (types["account_id"], types["media_count"], types["created_at"], types["change_seq"]) == (
        "INTEGER",
        "INTEGER",
        "TIMESTAMP WITH TIME ZONE",
        "BIGINT",
    )
    # a later look-back reads them again through the incremental path and finds nothing changed
    again = extract_table(uri, con, "messages", lookback=1_000_000)
    assert (again.rows, again.read) == (0, 3)
    assert not list(tmp_path.glob(".extract-*"))  # the CSV slices are gone
