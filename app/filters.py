"""The sidebar filters every page shares: the account (until login) and the date range."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from app.queries.accounts import Account

DEFAULT_DAYS = 30


def default_range(newest: date) -> tuple[date, date]:
    """The last ``DEFAULT_DAYS`` local days, ending with ``newest`` (both ends inclusive)."""
    return newest - timedelta(days=DEFAULT_DAYS - 1), newest


def account_chooser(accounts: list[Account]) -> Account:
    """Pick one of the warehouse's accounts; the choice lives in ``st.session_state["account_id"]``."""
    by_id = {account.account_id: account for account in accounts}
    chosen = st.sidebar.selectbox(
        "Account",
        options=list(by_id),
        format_func=lambda account_id: by_id[account_id].name,
        key="account_id",
    )
    return by_id[chosen]


def date_range_filter(account: Account, newest: date | None) -> tuple[date, date]:
    """The shared range of local dates; defaults to the last 30 days with data for the account.

    The widget's key carries the account so each account starts from its own newest date; the picked range
    lives in ``st.session_state`` under that key and survives page changes.
    """
    if newest is None:  # no calls yet: the range ends today, in the account's time zone
        newest = datetime.now(ZoneInfo(account.timezone)).date()
    default = default_range(newest)
    picked = st.sidebar.date_input(
        "Dates", value=default, format="YYYY-MM-DD", key=f"date_range_{account.account_id}"
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        return picked[0], picked[1]
    if isinstance(picked, tuple | list) and len(picked) == 1:  # mid-pick: the start alone is a one-day range
        return picked[0], picked[0]
    return default
