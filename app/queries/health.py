"""Data Health: when the warehouse was published, how fresh each source is, and the data checks' results."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.access import REPORT_ROLES, require_role
from app.queries import CACHE_TTL
from app.scope import Scope
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
# The table the data checks publish their results into, once data_tests/ exposes them.
CHECKS_TABLE = "_check_results"


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _freshness(account_id: int, version: str) -> pl.DataFrame:
    return warehouse.query(FRESHNESS_SQL, account_id)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _checks(version: str) -> pl.DataFrame | None:
    cursor = warehouse.connection().cursor()
    try:
        # Check results describe the whole build (no account's rows): the one unscoped read the app makes.
        present = cursor.execute(
            "select count(*) from information_schema.tables where table_name = ?", [CHECKS_TABLE]
        ).fetchone()
        if not present or not present[0]:
            return None
        return cursor.sql(f"select * from {CHECKS_TABLE}").pl()
    finally:
        cursor.close()


def freshness(scope: Scope) -> pl.DataFrame:
    require_role(scope.viewer, REPORT_ROLES, "data health")
    return _freshness(scope.viewer.account_id, scope.version)


def check_results(scope: Scope) -> pl.DataFrame | None:
    """The data checks' results if the pipeline publishes them (``_check_results``), else None."""
    require_role(scope.viewer, REPORT_ROLES, "data health")
    return _checks(scope.version)
