"""The link from an alert to the calls (or messages) behind its number: the app's Call Report, pre-filtered."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

# The Call Report's "Counted as" measure that lists the calls behind each metric (app/queries/call_report.py).
_MEASURES = {
    "abandon_rate": ("calls", "counted_abandoned"),
    "service_level": ("calls", "missed_sl"),
    "asa_seconds": ("calls", "answered"),
    "drop_rate_24h": ("calls", "human_answered"),
    "drop_rate_30d": ("calls", "human_answered"),
    "delivery_rate": ("messages", None),
    "opt_out_rate": ("messages", None),
    "longest_wait_now": ("calls", None),
    "calls_waiting_now": ("calls", None),
}


def drilldown_link(metric: str, scope: str, scope_name: str | None, start: date, end: date) -> str:
    """The Call Report's path and query string (relative to the app's address) for the rule's figure.

    In the Call Report's own drill-down parameters (``d_start``/``d_end``, ``d_queue``/``d_campaign``/``d_agent``
    with ``*`` for any; app/display/drilldown.py): the link lists exactly what the figure counts and never
    rewrites the reader's sidebar filters.
    """
    view, measure = _MEASURES[metric]
    query: dict[str, str] = {"view": view, "d_start": start.isoformat(), "d_end": end.isoformat()}
    for name in ("queue", "campaign", "agent"):
        query[f"d_{name}"] = scope_name if scope == name and scope_name is not None else "*"
    if measure is not None:
        query["measure"] = measure
    if metric.endswith("_now"):
        query["status"] = "in_progress"
    return "call-report?" + urlencode(query)
