"""The Call Report's own range, queue, campaign and agent: what a drill-down link asks for, apart from the sidebar.

A drill-down lists exactly the calls its number counts, so it carries its own range and names
(``app.display.drilldown``) instead of rewriting the sidebar's shared filters. Whenever the Call Report opens
from a new URL (a drill-down link, the menu, a shared link, the back button) it first drops every filter of
its own a previous visit left, then takes them from that URL only: no drill-down filter ever sticks. Without
``d_start``/``d_end`` in the URL it follows the sidebar.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from app.display.drilldown import ANY, NAMES
from app.filters import url_state
from app.filters.scope import Filters, Scope

OWN_PREFIX = "cr_"  # every Call Report widget and filter key starts with it
_DRILL_KEY = "cr_drill"


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def reset_own_filters() -> None:
    """Forget the Call Report's filters (a heatmap cell, a status, a page number …) before its widgets draw."""
    for key in [key for key in st.session_state if str(key).startswith(OWN_PREFIX)]:
        del st.session_state[key]


def _from_url() -> Filters | None:
    query = st.query_params
    start, end = _iso(query.get("d_start", "")), _iso(query.get("d_end", ""))
    if start is None or end is None or start > end:
        return None
    names = {name: query.get(f"d_{name}", ANY) for name in NAMES}
    open_or = {name: None if text == ANY else text for name, text in names.items()}
    return Filters(start=start, end=end, **open_or)


def drilled(scope: Scope) -> Scope:
    """``scope`` narrowed to the drill-down's range and names while they hold, with a note and a way out."""
    if url_state.from_outside():
        reset_own_filters()  # the drill-down of a previous visit too (its key starts with cr_)
        if (found := _from_url()) is not None:
            st.session_state[_DRILL_KEY] = found
    drill: Filters | None = st.session_state.get(_DRILL_KEY)
    if drill is None:
        return scope
    narrowed = replace(scope, filters=drill)
    url_state.publish("d_start", drill.start.isoformat())
    url_state.publish("d_end", drill.end.isoformat())
    chosen = {"queue": drill.queue, "campaign": drill.campaign, "agent": drill.agent}
    for name, value in chosen.items():
        url_state.publish(f"d_{name}", ANY if value is None else value)
    names = [f"{name} {value or f'(no {name})'}" for name, value in chosen.items() if value is not None]
    st.caption(
        f"From a drill-down: {drill.start} – {drill.end}"
        + (f", {', '.join(names)}" if names else ", every queue, campaign and agent")
        + " (the sidebar's filters do not apply here)."
    )
    if st.button("Use the sidebar's filters instead", key="cr_sidebar_filters"):
        del st.session_state[_DRILL_KEY]
        st.rerun()
    return narrowed
