"""The eight export reports as pages show them: ``exports.report_reading.report_frame`` rows, narrowed by the filters.

A report's rows are independent per (date, queue / campaign / agent), so keeping the rows of one queue, campaign
or agent gives exactly that slice of the export. A filter applies only to a report that has its column; an
agent-role viewer sees only rows of their own agent, and no report without an agent column at all.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.signin.access import REPORT_ROLES, NotPermitted, require_role
from exports.report_reading import report_frame
from exports.report_specs import REPORTS

# report → {shared filter: the report column it narrows}
FILTER_COLUMNS: dict[str, dict[str, str]] = {
    "call-status": {},
    "abandon-rate": {"queue": "queue"},
    "outgoing-calls": {"campaign": "campaign", "agent": "agent"},
    "dispositions": {},
    "user-status": {"agent": "agent"},
    "leaderboard": {"agent": "agent"},
    "sms-mms": {},
    "dialer-compliance": {"campaign": "campaign"},
}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _report(name: str, account_id: int, start: date, end: date, version: str) -> pl.DataFrame:
    return report_frame(name, account_id, start, end)


def applied_filters(name: str) -> tuple[str, ...]:
    """The shared filters (besides the dates) that narrow this report."""
    return tuple(FILTER_COLUMNS[name])


def report(scope: Scope, name: str) -> pl.DataFrame:
    """The report's rows (contract columns and order) for the viewer's account, range and filters."""
    if name not in REPORTS:
        raise KeyError(name)
    columns = FILTER_COLUMNS[name]
    if scope.viewer.is_agent and "agent" not in columns:
        raise NotPermitted(f"the {name} report is not available to the agent role")
    if not scope.viewer.is_agent:
        require_role(scope.viewer, REPORT_ROLES, f"the {name} report")
    frame = _report(name, scope.viewer.account_id, scope.start, scope.end, scope.version)
    wanted = {"queue": scope.filters.queue, "campaign": scope.filters.campaign, "agent": scope.agent}
    for filter_name, column in columns.items():
        value = wanted[filter_name]
        if value is not None:
            frame = frame.filter(pl.col(column) == value)
    return frame
