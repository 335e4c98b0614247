"""The published figures the wallboard shows beside the live ones (today, the last days), for every role.

DESIGN.md grants agents the wallboard; its call figures are the account's queues, not any agent's, so they
are read here for every role (agent rows stay restricted to the agent everywhere else).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.queries.totals import INBOUND, build_sql
from voxlink import warehouse

CALLS_SQL = """
    select coalesce(sum(calls), 0)::bigint as total,
           coalesce(sum(calls) filter (where status = 'in_progress'), 0)::bigint as in_progress
    from rpt_call_status_daily
    where account_id = $account_id and date = $day
"""


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _calls(account_id: int, day: Any, version: str) -> dict[str, Any]:
    return warehouse.query(CALLS_SQL, account_id, {"day": day}).row(0, named=True)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _inbound(account_id: int, start: Any, end: Any, queue: str | None, version: str) -> dict[str, Any]:
    params = {"start": start, "end": end, "queue": queue}
    return warehouse.query(build_sql(INBOUND, ()), account_id, params).row(0, named=True)


def calls(scope: Scope) -> dict[str, Any]:
    """Calls started on the scope's (single) day, and how many are still in progress."""
    return _calls(scope.viewer.account_id, scope.start, scope.version)


def inbound(scope: Scope) -> dict[str, Any]:
    """Offered, abandon rate and service level over the scope's days, for any role (the wallboard's history)."""
    return _inbound(scope.viewer.account_id, scope.start, scope.end, scope.filters.queue, scope.version)
