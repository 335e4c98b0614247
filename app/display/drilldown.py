"""Drill-down links: from a count or a rate to the Call Report listing the calls (or messages) behind it.

A link names exactly the calls its number counts, in the Call Report's own parameters: the range
(``d_start``/``d_end``), the queue, campaign and agent (``d_queue``/``d_campaign``/``d_agent``: a name, ""
for none, ``*`` for any) and the report's filters (measure, direction, status, …). It never carries the
sidebar's shared filters, so following it does not rewrite them, and the Call Report drops whatever filters
a previous visit left before it reads the link's (``app.filters.drill_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import streamlit as st

from app.filters.scope import Scope

CALL_REPORT = "app_pages/call_report.py"
ANY = "*"  # the d_queue/d_campaign/d_agent value for "any", whatever the sidebar says
NAMES = ("queue", "campaign", "agent")


def params(scope: Scope, kind: str = "calls", start: date | None = None, end: date | None = None,
           ignore: Iterable[str] = (), **filters: Any) -> dict[str, str]:  # fmt: skip
    """Query parameters for the Call Report listing what a number of ``scope`` counts.

    ``filters`` override the scope's queue / campaign / agent (None: any) and add the report's own filters
    (None: left out). ``ignore`` names the shared filters the number does not follow (its drill-down then
    lists any queue / campaign / agent too). An empty string is a real value ("calls without a queue").
    """
    shared = {"queue": scope.filters.queue, "campaign": scope.filters.campaign, "agent": scope.agent}
    values: dict[str, Any] = {
        "view": kind,
        "d_start": (start or scope.start).isoformat(),
        "d_end": (end or scope.end).isoformat(),
    }
    skipped = set(ignore)
    for name in NAMES:
        value = filters.pop(name) if name in filters else shared[name]
        values[f"d_{name}"] = ANY if value is None or name in skipped else value
    values.update(filters)
    return {key: str(value) for key, value in values.items() if value is not None}


def link(label: str, query: dict[str, str]) -> None:
    """A link to the Call Report with ``query`` (from :func:`params`)."""
    st.page_link(CALL_REPORT, label=label, query_params=query)
