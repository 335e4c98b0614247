"""Drill-down links: from a count or a rate to the Call Report listing the calls (or messages) behind it.

A link carries the shared filters (dates, queue, campaign, agent) and the Call Report's own (measure,
direction, status, …) in its query string, so the page it opens is pre-filtered and can be shared as is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from app.filters.scope import Scope

CALL_REPORT = "app_pages/call_report.py"


def params(scope: Scope, kind: str = "calls", start: date | None = None, end: date | None = None,
           **filters: Any) -> dict[str, str]:  # fmt: skip
    """Query parameters for the Call Report: the scope's filters, overridden by ``filters`` (None: left out).

    An empty string is a real value ("calls without a queue"); None leaves the filter open.
    """
    values: dict[str, Any] = {
        "start": (start or scope.start).isoformat(),
        "end": (end or scope.end).isoformat(),
        "queue": scope.filters.queue,
        "campaign": scope.filters.campaign,
        "agent": None if scope.viewer.is_agent else scope.filters.agent,
        "view": kind,
        **filters,
    }
    return {key: str(value) for key, value in values.items() if value is not None}


def link(label: str, query: dict[str, str]) -> None:
    """A link to the Call Report with ``query`` (from :func:`params`)."""
    st.page_link(CALL_REPORT, label=label, query_params=query)
