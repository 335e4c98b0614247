"""Which local dates hold data for an account: the anchor of the default date range."""

from __future__ import annotations

from datetime import date

import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

NEWEST_DATE_SQL = """
    select max(date) as newest
    from rpt_call_status_daily
    where account_id = $account_id
"""


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def newest_date(account_id: int, version: str) -> date | None:
    """The newest local date with calls for the account (None if it has none); ``version`` keys the cache."""
    frame = warehouse.query(NEWEST_DATE_SQL, account_id)
    return frame["newest"][0]
