"""A failing row whose key is null is still blamed on its account: the sample names the missing part instead of
crashing the gate (pandas keeps NaN through ``astype(str)``, and joining it raised a TypeError)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from data_tests.runner import run_suite
from data_tests.suites import Rule, Suite, not_null


def test_a_failing_row_with_a_null_key_is_attributed_to_its_account() -> None:
    con = duckdb.connect()
    con.execute(
        "create table raw_calls as select * from (values (1, null, -5), (1, 'c-2', 10), (2, null, 7)) "
        "as t(account_id, call_id, duration_seconds)"
    )
    suite = Suite(
        name="calls",
        asset=("raw_calls",),
        sql="select account_id, call_id, duration_seconds from raw_calls",
        rules=(
            *not_null("call_id"),
            Rule(
                "ExpectColumnValuesToBeBetween",
                {"column": "duration_seconds", "min_value": 0},
                why="a duration",
            ),
        ),
    )
    outcome = run_suite(
        con, suite, datetime(2026, 12, 4, tzinfo=UTC), "test", key_columns=("account_id", "call_id")
    )
    assert outcome.error is None
    by_rule = {rule.column: rule for rule in outcome.outcomes}
    assert by_rule["call_id"].accounts == [
        {"account_id": 1, "rows": 1, "keys": ["(null)"]},
        {"account_id": 2, "rows": 1, "keys": ["(null)"]},
    ]
    assert by_rule["duration_seconds"].accounts == [{"account_id": 1, "rows": 1, "keys": ["(null)"]}]
