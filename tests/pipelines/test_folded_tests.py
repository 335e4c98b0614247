"""Tests folded into one per model still catch what the per-column tests they replace caught.

``not_null_columns``: a refresh runs 24 not-null tests instead of 144 (one read of each model instead of one per
column); each test lists the columns the per-column tests covered (and rpt_dialer_compliance_daily's six, a model
added with its one test), and a null in any one of them fails it, naming the column.

``accepted_values_columns``: the 14 per-column ``accepted_values`` tests are 7, one per model holding any; a value
outside a column's list fails it, naming the column, the value and its rows; a null passes, as it did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from tests.transforms.metric_cases import EVENTS, REFRESH_AT
from voxlink import warehouse
from voxlink.settings import get_settings

DBT = str(Path(sys.executable).with_name("dbt"))


@pytest.fixture(scope="module")
def compiled(engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A refreshed warehouse and the project's manifest with every folded test compiled."""
    account = create_account(engine, "not-null", "America/New_York")
    ingest_events(engine, account.id, enumerate(EVENTS))
    run_refresh(refresh_at=datetime.fromisoformat(REFRESH_AT))
    warehouse.close_all()
    target = tmp_path_factory.mktemp("dbt_target")  # not the project's target/: other runs read that one
    env = dict(os.environ, VOXLINK_WORKING_DB=str(get_settings().working_db))
    env.pop("VOXLINK_TESTS_LOADED_AFTER", None)
    subprocess.run(
        [DBT, "compile", "--quiet", "--select", "test_name:not_null_columns", "test_name:accepted_values_columns", "--profiles-dir", ".",
         "--target-path", str(target)],
        cwd=get_settings().transforms_dir, env=env, check=True,
    )  # fmt: skip
    yield json.loads((target / "manifest.json").read_text())


def folded_tests(manifest: dict[str, Any], kind: str) -> dict[str, tuple[str, Any, str]]:
    """Per model: its ``kind`` test's compiled SQL, the columns it lists and the model's relation."""
    tests = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") == kind:
            model = manifest["nodes"][node["attached_node"]]
            tests[model["name"]] = (node["compiled_code"], node["test_metadata"]["kwargs"]["columns"],
                                    model["relation_name"])  # fmt: skip
    return tests


def per_column_tests(manifest: dict[str, Any], name: str) -> list[str]:
    """The project's tests of dbt's own per-column kind ``name`` (none is left once folded)."""
    return [node["unique_id"] for node in manifest["nodes"].values()
            if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") == name]  # fmt: skip


def clean_tests(
    con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], kind: str, rows: int
) -> Iterator[tuple[str, str, Any, str]]:
    """Each ``kind`` test (model, SQL, columns, relation), once it passes on the refreshed data and its model holds
    at least ``rows`` rows to break."""
    for model, (sql, columns, relation) in folded_tests(manifest, kind).items():
        assert con.execute(sql).fetchall() == [], f"{model} fails {kind} before anything was broken"
        held = con.execute(f"select count(*) from {relation}").fetchone()
        assert held is not None and held[0] >= rows, f"{model} has fewer than {rows} rows"
        yield model, sql, columns, relation


def test_every_model_keeps_its_not_null_columns_in_one_test(compiled: dict[str, Any]) -> None:
    tests = folded_tests(compiled, "not_null_columns")

    # counted by hand from the per-column tests this replaced (7 staging, 7 marts, 9 report models: 138
    # columns), plus rpt_dialer_compliance_daily's six columns, added with its one test
    assert len(tests) == 24
    assert sum(len(columns) for _, columns, _ in tests.values()) == 144
    assert tests["rpt_dialer_compliance_daily"][1] == [
        "account_id", "date", "campaign_name", "window_name", "human_answered", "drops"
    ]  # fmt: skip
    assert tests["stg_calls"][1] == ["account_id", "call_id", "_loaded_at"]
    assert tests["dim_accounts"][1] == [
        "account_id", "slug", "timezone", "short_abandon_seconds", "service_level_seconds"
    ]  # fmt: skip
    assert len(tests["fct_calls"][1]) == 18 and "status" in tests["fct_calls"][1]
    assert per_column_tests(compiled, "not_null") == []


def test_a_null_in_any_listed_column_fails_the_test_and_names_the_column(compiled: dict[str, Any]) -> None:
    with duckdb.connect(str(get_settings().working_db), read_only=True) as con:
        for model, sql, columns, relation in clean_tests(con, compiled, "not_null_columns", rows=1):
            for column in columns:
                one_null = f"(select * replace (null as {column}) from {relation} limit 1)"
                failures = con.execute(sql.replace(relation, one_null)).fetchall()
                assert failures == [(column,)], f"{model}.{column}: {failures}"


def test_every_model_keeps_its_accepted_values_in_one_test(compiled: dict[str, Any]) -> None:
    tests = folded_tests(compiled, "accepted_values_columns")

    # the per-column tests this replaced, counted by hand: fct_calls 4, fct_messages 3, rpt_call_status_daily 2,
    # rpt_messages_daily 2, fct_agent_status_intervals, stg_calls and stg_agent_status_events one each
    assert {model: list(columns) for model, (_, columns, _) in tests.items()} == {
        "fct_calls": ["direction", "status", "answered_by", "end_reason"],
        "fct_messages": ["direction", "channel", "final_status"],
        "rpt_call_status_daily": ["direction", "status"],
        "rpt_messages_daily": ["direction", "channel"],
        "fct_agent_status_intervals": ["status"],
        "stg_calls": ["status"],
        "stg_agent_status_events": ["status"],
    }
    assert tests["fct_calls"][1]["answered_by"] == ["human", "machine", "ai"]
    assert per_column_tests(compiled, "accepted_values") == []


def test_a_value_outside_a_column_list_fails_the_test_and_a_null_passes(compiled: dict[str, Any]) -> None:
    with duckdb.connect(str(get_settings().working_db), read_only=True) as con:
        for model, sql, columns, relation in clean_tests(con, compiled, "accepted_values_columns", rows=2):
            for column, values in columns.items():
                wrong = f"(select * replace ('not-{values[0]}' as {column}) from {relation} limit 2)"
                failures = con.execute(sql.replace(relation, wrong)).fetchall()
                assert failures == [(column, f"not-{values[0]}", 2)], f"{model}.{column}: {failures}"
                nulls = f"(select * replace (null as {column}) from {relation} limit 2)"
                assert con.execute(sql.replace(relation, nulls)).fetchall() == [], f"{model}.{column}"
