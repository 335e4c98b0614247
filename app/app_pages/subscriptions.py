"""Report subscriptions: the account's scheduled report e-mails, a form for a new one, and the delivery log."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from app.filters.scope import PageRead, current_scope
from app.queries import dimensions
from app.subscriptions import account_subscriptions as subs
from exports.export import FORMATS
from exports.report_specs import REPORTS
from exports.schedule import FREQUENCIES

NOTICE = "subs_notice"
DELETING = "subs_deleting"

# The page reads the operational database (subscriptions, users), nothing of the warehouse to fetch ahead.
READS: tuple[PageRead, ...] = ()

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    viewer, zone = scope.viewer, scope.account.timezone
    st.title("Report subscriptions")
    st.caption(f"Reports e-mailed on a schedule, each covering the period that just ended. Times are local to the "
               f"account's time zone, {zone}. The sidebar's filters do not apply to this page.")  # fmt: skip
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)

    def done(message: str) -> None:
        st.session_state[NOTICE] = message
        st.rerun()

    st.subheader("Subscriptions")
    refs = {ref.id: ref for ref in subs.subscriptions(viewer)}
    if not refs:
        st.info("No subscriptions yet: create one below.")
    else:
        st.dataframe(subs.subscription_frame(list(refs.values())), hide_index=True, key="subs_table")
        chosen_id = st.selectbox(
            "Subscription", list(refs), format_func=lambda i: refs[i].name, key="subs_pick"
        )
        chosen = refs[chosen_id]
        if chosen.held_at:
            st.warning(
                f"Held since {chosen.held_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}: {chosen.hold_reason}"
            )
        actions = st.container(horizontal=True)
        if actions.button("Resume" if not chosen.enabled else "Pause", key="subs_toggle"):
            subs.set_enabled(viewer, chosen.id, not chosen.enabled)
            done(f"{'Resumed' if not chosen.enabled else 'Paused'} “{chosen.name}”.")
        if actions.button("Delete", key="subs_delete"):
            st.session_state[DELETING] = chosen.id
        if st.session_state.get(DELETING) == chosen.id:
            st.warning(f"Delete “{chosen.name}” and its delivery log? This cannot be undone.")
            confirm = st.container(horizontal=True)
            if confirm.button("Yes, delete", type="primary", key="subs_delete_confirm"):
                st.session_state.pop(DELETING, None)
                subs.remove(viewer, chosen.id)
                done(f"Deleted “{chosen.name}”.")
            if confirm.button("Cancel", key="subs_delete_cancel"):
                st.session_state.pop(DELETING, None)
                st.rerun()

    st.subheader("New subscription")
    users, domains = subs.allowed_recipients(viewer)
    st.caption("Recipients must be users of this account (" + (", ".join(users) or "none has an e-mail address yet")
               + ") or in its allowed e-mail domains (" + (", ".join(domains) or "none") + ").")  # fmt: skip
    pick_report, pick_frequency = st.columns(2)
    report = pick_report.selectbox(
        "Report", list(REPORTS), format_func=lambda r: REPORTS[r].title, key="sub_report"
    )
    frequency = pick_frequency.radio(
        "Repeats", FREQUENCIES, format_func=str.capitalize, horizontal=True, key="sub_frequency"
    )
    with st.form("new_subscription"):
        name = st.text_input("Name", max_chars=200, key="sub_name")
        left, middle, right = st.columns(3)
        fmt = left.selectbox("Format", FORMATS, format_func=str.upper, key="sub_format")
        send_at = middle.time_input(f"Send at ({zone})", value=time(7, 0), step=60, key="sub_time")
        weekday = day_of_month = None
        if frequency == "weekly":
            weekday = right.selectbox(
                "On", range(7), format_func=lambda d: subs.WEEKDAY_NAMES[d], key="sub_weekday"
            )
        elif frequency == "monthly":
            day_of_month = int(right.number_input("On day", 1, 31, 1, key="sub_day",
                                                  help="The month's last day when it is shorter."))  # fmt: skip
        recipients = st.text_area("Recipients", key="sub_recipients",
                                  help="E-mail addresses, separated by commas or new lines.")  # fmt: skip
        filters: dict[str, str | None] = {}
        columns = subs.filter_columns(report)
        for column, cell in zip(columns, st.columns(max(len(columns), 1)), strict=False):
            if column in ("queue", "campaign", "agent"):
                options = dimensions.names(column, scope.account.account_id, scope.version)
            else:
                options = list(subs.FILTER_CHOICES.get(column, ()))
            if options:
                filters[column] = cell.selectbox(column.capitalize(), [None, *options], key=f"sub_filter_{column}",
                                                 format_func=lambda v: "Any" if v is None else str(v))  # fmt: skip
            else:
                filters[column] = cell.text_input(column.capitalize(), key=f"sub_filter_{column}",
                                                  placeholder="Any")  # fmt: skip
        submitted = st.form_submit_button("Create subscription", type="primary")
    if submitted:
        new = subs.NewSubscription(
            name, report, fmt, frequency, send_at, recipients, weekday, day_of_month, filters
        )
        try:
            ref = subs.create(viewer, new)
        except subs.SubscriptionError as err:
            st.error(f"Not created: {err}")
        else:
            done(f"Created “{ref.name}”: {subs.describe(ref)}, to {', '.join(ref.recipients)}.")

    st.subheader("Delivery log")
    log = subs.delivery_log(viewer, zone)
    if log.is_empty():
        st.info("Nothing delivered yet: a subscription's first e-mail goes out at its next send time.")
    else:
        st.dataframe(
            log.with_columns(pl.col("last_error").fill_null("")),
            hide_index=True,
            key="subs_log",
            column_config={
                "sent_at": st.column_config.DatetimeColumn("sent at", format="YYYY-MM-DD HH:mm"),
                "next_attempt_at": st.column_config.DatetimeColumn("next attempt", format="YYYY-MM-DD HH:mm"),
                "last_error": st.column_config.TextColumn("last error"),
            },
        )
