"""The sidebar filters every page shares: period (presets or dates), queue, campaign and agent.

They are drawn by the shell on every run, so their values survive page changes, and they live in the URL
(``app.filters.url_state``) so a view can be shared as a link. They sit at the top of the sidebar, above the
page navigation, so they are in sight on a laptop screen; on a phone the sidebar closes once one is chosen.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from app.filters import url_state
from app.filters.scope import Filters
from app.queries.accounts import Account
from app.signin.access import Viewer

DEFAULT_DAYS = 30
PRESETS = {
    "today": "Today",
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "this_month": "This month",
    "custom": "Custom range",
}
NONE = ""  # the "(none)" choice: calls without a queue / campaign / agent
KEYS = {
    "period": "f_period",
    "dates": "f_dates",
    "queue": "f_queue",
    "campaign": "f_campaign",
    "agent": "f_agent",
}
_ALL_LABELS = {"queue": "All queues", "campaign": "All campaigns", "agent": "All agents"}
CHOSEN = "f_chosen"  # set by a filter's change, read once by the run it causes
PHONE = "(max-width: 767px)"  # where Streamlit's sidebar covers the page instead of sitting beside it
# Streamlit draws its page navigation first in the sidebar; the filters (the sidebar's own content) go above it.
FILTERS_FIRST_CSS = """<style>
[data-testid="stSidebarContent"] { display: flex; flex-direction: column; }
[data-testid="stSidebarHeader"] { order: 0; }
[data-testid="stSidebarUserContent"] { order: 1; padding-top: 0; padding-bottom: 0.5rem; }
[data-testid="stSidebarNav"] { order: 2; }
</style>"""
# On a phone the open sidebar covers the page: after a choice, close it so the page shows the result.
CLOSE_ON_PHONE_JS = f"""<script>
if (window.matchMedia("{PHONE}").matches) {{
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (close) close.click();
}}
</script>"""


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The inclusive local dates a preset means on ``today`` (local to the account)."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if preset == "this_month":
        return today.replace(day=1), today
    raise ValueError(f"unknown preset {preset!r}")


def default_period(newest: date | None, today: date) -> tuple[str, tuple[date, date]]:
    """The last 30 days; or, when the newest data is older than yesterday, the 30 days ending with it."""
    if newest is None or newest >= today - timedelta(days=1):
        return "last_30_days", preset_range("last_30_days", today)
    return "custom", (newest - timedelta(days=DEFAULT_DAYS - 1), newest)


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _chosen() -> None:
    st.session_state[CHOSEN] = True


def _to_custom() -> None:
    st.session_state[KEYS["period"]] = "custom"
    _chosen()


def _period(account: Account, newest: date | None) -> tuple[date, date]:
    today = datetime.now(ZoneInfo(account.timezone)).date()
    period_key, dates_key = KEYS["period"], KEYS["dates"]
    start, end = (_iso(st.query_params.get(k, "")) for k in ("start", "end"))
    if url_state.from_outside() and start and end and start <= end:
        st.session_state[period_key], st.session_state[dates_key] = "custom", (start, end)
    else:
        url_state.seed("period", period_key, url_state.choice([p for p in PRESETS if p != "custom"]))
    if st.session_state.get(period_key) not in PRESETS:  # first run, or a widget state Streamlit dropped
        st.session_state[period_key], st.session_state[dates_key] = default_period(newest, today)
    preset = st.session_state[period_key]
    if preset != "custom":
        st.session_state[dates_key] = preset_range(preset, today)
    elif dates_key not in st.session_state:
        st.session_state[dates_key] = default_period(newest, today)[1]

    st.sidebar.selectbox(
        "Period",
        list(PRESETS),
        index=None,
        format_func=PRESETS.__getitem__,
        key=period_key,
        on_change=_chosen,
    )
    picked = st.sidebar.date_input("Dates", format="YYYY-MM-DD", key=dates_key, on_change=_to_custom)
    chosen = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
    first, last = (chosen[0], chosen[-1]) if chosen else preset_range("last_30_days", today)
    if preset == "custom":
        url_state.publish("start", first.isoformat())
        url_state.publish("end", last.isoformat())
    else:
        url_state.publish("period", preset)
    return first, last


def _name_filter(kind: str, names: list[str]) -> str | None:
    key = KEYS[kind]
    options: list[str | None] = [None, *names, NONE]
    url_state.seed(kind, key, lambda text: text if text in names or text == NONE else None)
    if st.session_state.get(key, None) not in options:
        st.session_state[key] = None
    labels = {None: _ALL_LABELS[kind], NONE: f"(no {kind})"}
    value: str | None = st.sidebar.selectbox(
        kind.capitalize(), options, format_func=lambda v: labels.get(v, str(v)), key=key, on_change=_chosen
    )
    url_state.publish(kind, value)
    return value


def close_on_phone_after_choice() -> None:
    """After a run a filter's change caused, close the sidebar on a phone (where it covers the page).

    The shell calls this below the page, at the end of the run: a script is an element of the main area with a
    row (a gap) of its own, and drawn above the page it moved every element of the page one place down on the
    runs a filter caused and back on the others, so the browser built each of them anew (tiles, charts, tables)
    instead of updating it, and the page jumped 16 px. A run that stops early (``st.stop()``) leaves the choice
    to the next run that gets this far.
    """
    if st.session_state.pop(CHOSEN, False):
        st.html(CLOSE_ON_PHONE_JS, unsafe_allow_javascript=True)


def sidebar_filters(
    viewer: Viewer, account: Account, newest: date | None, names: dict[str, list[str]]
) -> Filters:
    """Draw the shared filters and return their values; an agent's agent filter is always themself."""
    st.html(FILTERS_FIRST_CSS)
    start, end = _period(account, newest)
    queue = _name_filter("queue", names["queue"])
    campaign = _name_filter("campaign", names["campaign"])
    if viewer.is_agent:
        st.sidebar.caption(f"Agent: **{viewer.agent}** (your own figures)")
        agent = viewer.agent
    else:
        agent = _name_filter("agent", names["agent"])
    return Filters(start=start, end=end, queue=queue, campaign=campaign, agent=agent)
