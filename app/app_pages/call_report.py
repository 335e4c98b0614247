"""Call Report: the calls (or messages) behind any number, searchable, a page at a time, downloadable.

Drill-down links open this page with its filters in the URL (``app.display.drilldown``); their range, queue,
campaign and agent apply here only, never to the sidebar (``app.filters.drill_scope``).
"""

from __future__ import annotations

import math

import streamlit as st

from app.display import downloads, layout
from app.display import formatting as fmt
from app.filters import call_report_widgets, drill_scope, url_state
from app.filters.scope import PageRead, current_scope
from app.queries import call_report, listing, message_report

VIEWS = ("calls", "messages")
TIMES = {
    column: st.column_config.DatetimeColumn(fmt.label(column), format="YYYY-MM-DD HH:mm:ss")
    for column in ("started", "created")
}

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit):
# the default view (calls), its count and first page.
READS: tuple[PageRead, ...] = (
    lambda s: call_report.count_calls(s, call_report.CallQuery()),
    lambda s: call_report.calls_page(s, call_report.CallQuery(), 1),
)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    st.title("Call report")
    scope = drill_scope.drilled(current_scope())  # first: it drops a previous visit's filters
    url_state.seed("view", "cr_view", url_state.choice(VIEWS), default="calls")
    view: str = st.segmented_control(  # type: ignore[assignment]  # required=True: never None
        "Show", VIEWS, required=True, format_func=str.capitalize, key="cr_view"
    )
    url_state.publish("view", None if view == "calls" else view)
    if scope.viewer.is_agent and view == "messages":
        st.info("Messages are not available to the agent role.")
        st.stop()

    if view == "calls":
        calls = call_report_widgets.call_filters()
        total = call_report.count_calls(scope, calls)
        fetch_page = lambda number: call_report.calls_page(scope, calls, number)  # noqa: E731
        fetch_all = lambda: call_report.calls_for_download(scope, calls)  # noqa: E731
    else:
        messages = call_report_widgets.message_filters()
        total = message_report.count_messages(scope, messages)
        fetch_page = lambda number: message_report.messages_page(scope, messages, number)  # noqa: E731
        fetch_all = lambda: message_report.messages_for_download(scope, messages)  # noqa: E731

    pages = max(1, math.ceil(total / listing.PAGE_SIZE))
    url_state.seed(
        "page", "cr_page", lambda t: int(t) if t.isdigit() and 1 <= int(t) <= pages else None, default=1
    )
    if st.session_state["cr_page"] > pages:
        st.session_state["cr_page"] = 1
    summary, pager = st.columns([3, 1])
    number = pager.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="cr_page")
    url_state.publish("page", str(number) if number > 1 else None)
    matches = "matches" if total == 1 else "match"
    summary.markdown(f"**{fmt.counted(total, view[:-1])}** {matches} · {scope.start} – {scope.end}")
    layout.grid(fetch_page(int(number)), key=f"cr_rows_{view}", column_config=TIMES)

    name, slug = f"call-report-{view}", scope.account.slug
    buttons = st.container(horizontal=True, vertical_alignment="center")
    buttons.download_button("Download CSV", data=lambda: downloads.csv_bytes(fetch_all()),
                            file_name=downloads.file_name(name, slug, scope.start, scope.end), mime="text/csv",
                            on_click="ignore", key="cr_csv")  # fmt: skip
    buttons.download_button("Download XLSX", data=lambda: downloads.xlsx_bytes(fetch_all(), sheet=name),
                            file_name=downloads.file_name(name, slug, scope.start, scope.end, ext="xlsx"),
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            on_click="ignore", key="cr_xlsx")  # fmt: skip
    buttons.caption(
        f"Downloads hold every matching row (up to {listing.DOWNLOAD_LIMIT:,}), not only this page."
    )
