"""The Call Report's own filters (besides the sidebar's): widgets that build a CallQuery or a MessageQuery.

Every filter lives in the URL too, so a drill-down link opens the report with them set (``app.display.drilldown``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.components.heatmap import WEEKDAYS, interval_label
from app.display.formatting import label
from app.filters import url_state
from app.queries.call_report import MEASURES as CALL_MEASURES
from app.queries.call_report import CallQuery
from app.queries.message_report import MEASURES as MESSAGE_MEASURES
from app.queries.message_report import MessageQuery

STATUSES = ("completed", "abandoned", "in_progress", "voicemail", "no_answer", "busy", "failed", "canceled",
            "caller_hangup")  # fmt: skip
ALL = "all"


def pick(key: str, param: str, options: list[str], title: str, column: Any = st) -> str | None:
    """A selectbox of ``options`` with "All" first, kept in the URL as ``param``; None for "All"."""
    choices = [ALL, *options]
    url_state.seed(param, key, url_state.choice(choices), default=ALL)
    value = column.selectbox(title, choices, format_func=lambda v: "All" if v == ALL else label(v), key=key)
    url_state.publish(param, None if value == ALL else value)
    return None if value == ALL else value


def text(key: str, param: str, title: str, column: Any = st) -> str | None:
    url_state.seed(param, key, lambda typed: typed, default="")
    value = column.text_input(title, key=key)
    url_state.publish(param, value or None)
    return value or None


def _heatmap_cell() -> tuple[int | None, int | None]:
    """The weekday and 15-minute interval a heatmap drill-down carries, shown with a way to drop them."""
    url_state.seed("weekday", "cr_weekday", lambda t: int(t) if t.isdigit() and 1 <= int(t) <= 7 else None)
    url_state.seed("interval", "cr_interval", lambda t: int(t) if t.isdigit() and int(t) < 1440 else None)
    weekday, minute = st.session_state.get("cr_weekday"), st.session_state.get("cr_interval")
    if weekday or minute is not None:
        when = [
            WEEKDAYS[weekday - 1] if weekday else "",
            interval_label(minute) if minute is not None else "",
        ]
        st.caption(f"Only calls started on {' '.join(w for w in when if w)} (from the heatmap).")
        if st.button("Clear weekday / interval", key="cr_clear_interval"):
            st.session_state["cr_weekday"] = st.session_state["cr_interval"] = None
            weekday = minute = None
    url_state.publish("weekday", str(weekday) if weekday else None)
    url_state.publish("interval", str(minute) if minute is not None else None)
    return weekday, minute


def call_filters() -> CallQuery:
    first, second, third, fourth = st.columns(4)
    direction = pick("cr_direction", "direction", ["inbound", "outbound"], "Direction", first)
    status = pick("cr_status", "status", list(STATUSES), "Status", second)
    measure = pick("cr_measure", "measure", list(CALL_MEASURES), "Counted as", third)
    disposition = text("cr_disposition", "disposition", "Disposition", fourth)
    search = text("cr_search", "q", "Search a phone number or a call id")
    time_from, time_to = st.columns(2)
    earliest = time_from.time_input("From (local time)", value=None, step=900, key="cr_from")
    latest = time_to.time_input("To (local time)", value=None, step=900, key="cr_to")
    weekday, minute = _heatmap_cell()
    return CallQuery(direction=direction, status=status, measure=measure, disposition=disposition, search=search,
                     weekday=weekday, interval_minute=minute, time_from=earliest, time_to=latest)  # fmt: skip


def message_filters() -> MessageQuery:
    first, second, third, fourth = st.columns(4)
    direction = pick("cr_direction", "direction", ["inbound", "outbound"], "Direction", first)
    channel = pick("cr_channel", "channel", ["sms", "mms", "chat", "email"], "Channel", second)
    measure = pick("cr_measure", "measure", list(MESSAGE_MEASURES), "Counted as", third)
    error_code = text("cr_error", "error_code", "Error code", fourth)
    search = text("cr_search", "q", "Search a number, a message id or text")
    return MessageQuery(
        direction=direction, channel=channel, measure=measure, error_code=error_code, search=search
    )
