"""The accounts the sidebar offers, read from ``dim_accounts``."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

ACCOUNTS_SQL = """
    select account_id, slug, name, timezone
    from dim_accounts
    order by name, account_id
"""


@dataclass(frozen=True)
class Account:
    account_id: int
    slug: str
    name: str
    timezone: str


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def all_accounts(version: str) -> list[Account]:
    """Every account in the served warehouse, by name; ``version`` keys the cache.

    This is the app's only read that is not scoped to one account, so it cannot pass through
    ``warehouse.query``: it lists names and time zones for the account chooser, never a figure. When login
    arrives the chooser goes and the signed-in user's account is read through the scoped path instead.
    """
    cursor = warehouse.connection().cursor()
    try:
        rows = cursor.execute(ACCOUNTS_SQL).fetchall()
    finally:
        cursor.close()
    return [Account(int(account_id), slug, name, timezone) for account_id, slug, name, timezone in rows]
