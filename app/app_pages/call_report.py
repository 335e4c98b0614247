"""Call Report: the calls (or messages) behind any number, searchable, a page at a time, downloadable.

Drill-down links open this page with its filters in the URL (``app.drilldown``).
"""

from __future__ import annotations

import math

import streamlit as st

from app import downloads, url_state
from app import formatting as fmt
from app.components.heatmap import WEEKDAYS, interval_label
from app.formatting import label
from app.queries import call_report, listing, message_report
from app.queries.call_report import CallQuery
from app.queries.listing import PAGE_SIZE
from app.queries.message_report import MessageQuery
from app.scope import current_scope

VIEWS = ("calls", "messages")
STATUSES = (
    "completed",
    "abandoned",
    "in_progress",
    "voicemail",
    "no_answer",
    "busy",
    "failed",
    "canceled",
    "caller_hangup",
)
ALL = "all"


def pick(text_key: str, param: str, options: list[str], title: str, column=st) -> str | None:  # type: ignore[no-untyped-def]
    """A selectbox of ``options`` with "all" first, kept in the URL as ``param``."""
    choices = [ALL, *options]
    url_state.seed(param, text_key, url_state.choice(choices), default=ALL)
    value = column.selectbox(
        title, choices, format_func=lambda v: "All" if v == ALL else label(v), key=text_key
    )
    url_state.publish(param, None if value == ALL else value)
    return None if value == ALL else value


def text(key: str, param: str, title: str, column=st) -> str | None:  # type: ignore[no-untyped-def]
    url_state.seed(param, key, lambda t: t, default="")
    value = column.text_input(title, key=key)
    url_state.publish(param, value or None)
    return value or None


scope = current_scope()
st.title("Call report")
url_state.seed("view", "cr_view", url_state.choice(VIEWS), default="calls")
view: str = st.segmented_control(  # type: ignore[assignment]  # required=True: never None
    "Show", VIEWS, required=True, format_func=str.capitalize, key="cr_view"
)
url_state.publish("view", None if view == "calls" else view)
if scope.viewer.is_agent and view == "messages":
    st.info("Messages are not available to the agent role.")
    st.stop()

first, second, third, fourth = st.columns(4)
if view == "calls":
    direction = pick("cr_direction", "direction", ["inbound", "outbound"], "Direction", first)
    status = pick("cr_status", "status", list(STATUSES), "Status", second)
    measure = pick("cr_measure", "measure", list(call_report.MEASURES), "Counted as", third)
    disposition = text("cr_disposition", "disposition", "Disposition", fourth)
    search = text("cr_search", "q", "Search a phone number or a call id")
    time_from, time_to = st.columns(2)
    url_state.seed("weekday", "cr_weekday", lambda t: int(t) if t.isdigit() and 1 <= int(t) <= 7 else None)
    url_state.seed("interval", "cr_interval", lambda t: int(t) if t.isdigit() and int(t) < 1440 else None)
    weekday, minute = st.session_state.get("cr_weekday"), st.session_state.get("cr_interval")
    query = CallQuery(
        direction=direction, status=status, measure=measure, disposition=disposition, search=search,
        weekday=weekday, interval_minute=minute,
        time_from=time_from.time_input("From (local time)", value=None, step=900, key="cr_from"),
        time_to=time_to.time_input("To (local time)", value=None, step=900, key="cr_to"),
    )  # fmt: skip
    if weekday or minute is not None:
        where = " ".join(
            p
            for p in (
                WEEKDAYS[weekday - 1] if weekday else "",
                interval_label(minute) if minute is not None else "",
            )
            if p
        )
        st.caption(f"Only calls started on {where} (from the heatmap).")
        if st.button("Clear weekday / interval", key="cr_clear_interval"):
            st.session_state["cr_weekday"] = st.session_state["cr_interval"] = None
            weekday = minute = None
            query = CallQuery(**{**query.__dict__, "weekday": None, "interval_minute": None})
    url_state.publish("weekday", str(weekday) if weekday else None)
    url_state.publish("interval", str(minute) if minute is not None else None)
    total = call_report.count_calls(scope, query)
    fetch_page = lambda number: call_report.calls_page(scope, query, number)  # noqa: E731
    fetch_all = lambda: call_report.calls_for_download(scope, query)  # noqa: E731
else:
    direction = pick("cr_direction", "direction", ["inbound", "outbound"], "Direction", first)
    channel = pick("cr_channel", "channel", ["sms", "mms", "chat", "email"], "Channel", second)
    measure = pick("cr_measure", "measure", list(message_report.MEASURES), "Counted as", third)
    error_code = text("cr_error", "error_code", "Error code", fourth)
    search = text("cr_search", "q", "Search number, message id or text")
    mquery = MessageQuery(
        direction=direction, channel=channel, measure=measure, error_code=error_code, search=search
    )
    total = message_report.count_messages(scope, mquery)
    fetch_page = lambda number: message_report.messages_page(scope, mquery, number)  # noqa: E731
    fetch_all = lambda: message_report.messages_for_download(scope, mquery)  # noqa: E731

pages = max(1, math.ceil(total / PAGE_SIZE))
url_state.seed(
    "page", "cr_page", lambda t: int(t) if t.isdigit() and 1 <= int(t) <= pages else None, default=1
)
if st.session_state["cr_page"] > pages:
    st.session_state["cr_page"] = 1
summary, pager = st.columns([3, 1])
number = pager.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="cr_page")
url_state.publish("page", str(number) if number > 1 else None)
summary.markdown(
    f"**{fmt.counted(total, view[:-1])}** {'matches' if total == 1 else 'match'} · {scope.start} – {scope.end}"
)
rows = fetch_page(int(number))
st.dataframe(rows, hide_index=True, column_config={"started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                                                   "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})  # fmt: skip
name = f"call-report-{view}"
slug = scope.account.slug
buttons = st.container(horizontal=True, vertical_alignment="center")
buttons.download_button("Download CSV", data=lambda: downloads.csv_bytes(fetch_all()),
                           file_name=downloads.file_name(name, slug, scope.start, scope.end), mime="text/csv",
                           on_click="ignore", key="cr_csv")  # fmt: skip
buttons.download_button("Download XLSX", data=lambda: downloads.xlsx_bytes(fetch_all(), sheet=name),
                            file_name=downloads.file_name(name, slug, scope.start, scope.end, ext="xlsx"),
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            on_click="ignore", key="cr_xlsx")  # fmt: skip
buttons.caption(f"Downloads hold every matching row (up to {listing.DOWNLOAD_LIMIT:,}), not only this page.")
