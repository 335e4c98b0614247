"""The subscription form, drawn for a new subscription or to edit one: report, schedule, format, recipients, filters.

One form serves both: every widget's key starts with ``prefix`` (``sub_`` for the new one, ``edit<id>_`` for an
edit), so clearing the new form after Create is dropping its keys, and each edited subscription starts from its
own stored values.
"""

from __future__ import annotations

from datetime import time

import streamlit as st

from app.filters.scope import Scope
from app.queries import dimensions
from app.subscriptions import account_subscriptions as subs
from exports.export import FORMATS
from exports.report_specs import REPORTS
from exports.schedule import FREQUENCIES
from exports.subscriptions import SubscriptionRef

NEW = "sub_"


def edit_prefix(subscription_id: int) -> str:
    return f"edit{subscription_id}_"


def clear(prefix: str) -> None:
    """Forget what the form with ``prefix`` holds: it is drawn empty (or from the stored values) next time."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def subscription_form(
    prefix: str, scope: Scope, submit_label: str, stored: SubscriptionRef | None = None
) -> subs.NewSubscription | None:
    """Draw the form; the subscription as typed once submitted, else None. ``stored`` fills it to edit."""
    zone = scope.account.timezone
    pick_report, pick_frequency = st.columns(2)
    if stored is None:
        report = pick_report.selectbox(
            "Report", list(REPORTS), format_func=lambda r: REPORTS[r].title, key=f"{prefix}report"
        )
    else:  # an edit keeps the report: its filters and the delivery log are the report's
        report = stored.report
        pick_report.markdown(f"**Report**  \n{REPORTS[report].title}")
    schedule = stored.schedule if stored else None
    frequency = pick_frequency.radio(
        "Repeats", FREQUENCIES, index=FREQUENCIES.index(schedule.frequency) if schedule else 0,
        format_func=str.capitalize, horizontal=True, key=f"{prefix}frequency",
    )  # fmt: skip
    # the new form empties itself in the browser once sent (dropping its keys alone leaves the browser's values)
    with st.form(f"{prefix}form", clear_on_submit=stored is None):
        name = st.text_input("Name", value=stored.name if stored else "", max_chars=200, key=f"{prefix}name")
        left, middle, right = st.columns(3)
        fmt = left.selectbox("Format", FORMATS, index=FORMATS.index(stored.format) if stored else 0,
                             format_func=str.upper, key=f"{prefix}format")  # fmt: skip
        send_at = middle.time_input(f"Send at ({zone})", value=schedule.send_at if schedule else time(7, 0),
                                    step=60, key=f"{prefix}time")  # fmt: skip
        weekday = day_of_month = None
        if frequency == "weekly":
            weekday = right.selectbox("On", range(7), index=(schedule.weekday or 0) if schedule else 0,
                                      format_func=lambda d: subs.WEEKDAY_NAMES[d], key=f"{prefix}weekday")  # fmt: skip
        elif frequency == "monthly":
            day_of_month = int(right.number_input("On day", 1, 31, (schedule.day_of_month or 1) if schedule else 1,
                                                  key=f"{prefix}day",
                                                  help="The month's last day when it is shorter."))  # fmt: skip
        recipients = st.text_area("Recipients", value=", ".join(stored.recipients) if stored else "",
                                  key=f"{prefix}recipients",
                                  help="E-mail addresses, separated by commas or new lines.")  # fmt: skip
        filters = _filters(prefix, scope, report, stored.filters if stored else {})
        submitted = st.form_submit_button(submit_label, type="primary")
    if not submitted:
        return None
    return subs.NewSubscription(
        name, report, fmt, frequency, send_at, recipients, weekday, day_of_month, filters
    )


def _filters(prefix: str, scope: Scope, report: str, current: dict[str, str]) -> dict[str, str | None]:
    filters: dict[str, str | None] = {}
    columns = subs.filter_columns(report)
    for column, cell in zip(columns, st.columns(max(len(columns), 1)), strict=False):
        if column in ("queue", "campaign", "agent"):
            options = dimensions.names(column, scope.account.account_id, scope.version)
        else:
            options = list(subs.FILTER_CHOICES.get(column, ()))
        value = current.get(column)
        if options:
            choices = [None, *options, *([value] if value and value not in options else [])]
            filters[column] = cell.selectbox(column.capitalize(), choices, index=choices.index(value),
                                             key=f"{prefix}filter_{column}",
                                             format_func=lambda v: "Any" if v is None else str(v))  # fmt: skip
        else:
            filters[column] = cell.text_input(column.capitalize(), value=value or "", key=f"{prefix}filter_{column}",
                                              placeholder="Any")  # fmt: skip
    return filters
