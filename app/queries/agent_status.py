"""Agent status from ``fct_agent_status_intervals``: each agent's timeline, and who is in which status now."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.queries.sql import optional
from voxlink import warehouse

TIMELINE_SQL = f"""
    select agent_name as agent, status,
           timezone($timezone, started_at) as started, timezone($timezone, ended_at) as ended,
           status_seconds, is_open
    from fct_agent_status_intervals
    where account_id = $account_id and status_date = $day and {optional("agent_name", "agent")}
    order by agent, started_at
"""
# An open interval may be split at local midnights: its first piece holds when the status began.
CURRENT_SQL = f"""
    select agent_name as agent, status, timezone($timezone, min(started_at)) as since
    from fct_agent_status_intervals
    where account_id = $account_id and is_open and {optional("agent_name", "agent")}
    group by agent_name, status, event_id
    order by agent
"""


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _run(sql: str, account_id: int, params: tuple[tuple[str, Any], ...], version: str) -> pl.DataFrame:
    return warehouse.query(sql, account_id, dict(params))


def timeline(scope: Scope, day: date) -> pl.DataFrame:
    """Status intervals (local times) of one local day, per agent; an agent viewer gets only their own."""
    params = (("timezone", scope.account.timezone), ("day", day), ("agent", scope.agent))
    return _run(TIMELINE_SQL, scope.viewer.account_id, params, scope.version)


def current(scope: Scope) -> pl.DataFrame:
    """Each agent's status as of the last refresh and since when (local); an agent viewer sees only themself."""
    params = (("timezone", scope.account.timezone), ("agent", scope.agent))
    return _run(CURRENT_SQL, scope.viewer.account_id, params, scope.version)
