"""Data Health: when the warehouse was published, how fresh each source is, and the data checks' results."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.signin.access import REPORT_ROLES, require_role
from voxlink import warehouse

# Newest event time per source for the account, and when the pipeline last loaded its rows.
FRESHNESS_SQL = """
    select 'calls' as source, count(*) as rows, max(started_at) as newest_event_at, max(_loaded_at) as loaded_at
    from fct_calls where account_id = $account_id
    union all
    select 'messages', count(*), max(created_at), max(_loaded_at)
    from fct_messages where account_id = $account_id
    union all
    select 'agent status', count(*), max(first_started_at), null
    from (
        -- an interval split at local midnights: its first piece starts when the status event happened
        select event_id, min(started_at) as first_started_at
        from fct_agent_status_intervals where account_id = $account_id
        group by event_id
    )
"""


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _freshness(account_id: int, version: str) -> pl.DataFrame:
    return warehouse.query(FRESHNESS_SQL, account_id)


@st.cache_data(ttl=60, show_spinner=False)
def _checks(version: str) -> pl.DataFrame | None:
    from data_tests.store import latest

    suites = latest("working")  # the checks of the newest refresh, the ones that gate its publish
    if not suites:
        return None
    rows = [
        {
            "suite": suite["suite"],
            "checked_at": suite["checked_at"],
            "rule": outcome["expectation"],
            "column": outcome["column"],
            "severity": outcome["severity"],
            "why": outcome["why"],
            "passed": bool(outcome["success"]),
        }
        for suite in suites
        for outcome in suite.get("outcomes", [])
    ]
    rows += [
        {"suite": s["suite"], "checked_at": s["checked_at"], "rule": "(the suite could not run)", "column": "",
         "severity": "blocking", "why": str(s["error"]), "passed": False}
        for s in suites
        if s.get("error")
    ]  # fmt: skip
    return pl.DataFrame(rows).sort("passed", "suite", "rule", "column")


def freshness(scope: Scope) -> pl.DataFrame:
    require_role(scope.viewer, REPORT_ROLES, "data health")
    return _freshness(scope.viewer.account_id, scope.version)


def check_results(scope: Scope) -> pl.DataFrame | None:
    """Each data check of the newest refresh (``data_tests.store``), passed or not; None if none ran yet.

    The checks run over every account's rows, so only the rule and its outcome are shown: never the failing
    counts or the sample values, which may be another account's.
    """
    require_role(scope.viewer, REPORT_ROLES, "data health")
    return _checks(scope.version)


@st.cache_data(ttl=60, show_spinner=False)
def _quarantined(account_id: int, version: str) -> pl.DataFrame:
    from data_tests.store import quarantined

    rows = [
        {
            "table": entry["table"],
            "rule": entry["rule"],
            "why": entry["why"],
            "failing_rows": entry["failing"],
            "sample_keys": ", ".join(entry["keys"]),
            "held_rows": entry["held"],
            "since": entry["quarantined_at"],
        }
        for entry in quarantined(account_id)
    ]
    schema = {"table": pl.String, "rule": pl.String, "why": pl.String, "failing_rows": pl.Int64,
              "sample_keys": pl.String, "held_rows": pl.Int64, "since": pl.String}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(pl.col("since").str.to_datetime(time_zone="UTC")).sort("table", "since", "rule")


def quarantined(scope: Scope) -> pl.DataFrame:
    """The signed-in account's rows held back by the data checks (``pipelines.quarantine``), one row per failed
    rule: never another account's, since the keys and reasons name its rows."""
    require_role(scope.viewer, REPORT_ROLES, "data health")
    return _quarantined(scope.viewer.account_id, scope.version)
