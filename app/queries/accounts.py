"""The signed-in user's account (name, time zone, thresholds) and, for agents, which warehouse agent they are."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

ACCOUNT_SQL = """
    select account_id, slug, name, timezone, short_abandon_seconds, service_level_seconds
    from dim_accounts
    where account_id = $account_id
"""

AGENT_SQL = """
    select agent_name
    from dim_agents
    where account_id = $account_id and agent_name in (select unnest($names))
"""


@dataclass(frozen=True)
class Account:
    account_id: int
    slug: str
    name: str
    timezone: str
    short_abandon_seconds: Decimal = Decimal(5)
    service_level_seconds: Decimal = Decimal(20)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def account(account_id: int, version: str) -> Account | None:
    """The account as published (None until its first refresh); ``version`` keys the cache."""
    frame = warehouse.query(ACCOUNT_SQL, account_id)
    if frame.is_empty():
        return None
    row = frame.row(0, named=True)
    return Account(
        account_id=int(row["account_id"]),
        slug=row["slug"],
        name=row["name"],
        timezone=row["timezone"],
        short_abandon_seconds=Decimal(row["short_abandon_seconds"]),
        service_level_seconds=Decimal(row["service_level_seconds"]),
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def agent_named(account_id: int, candidates: tuple[str, ...], version: str) -> str | None:
    """The first of ``candidates`` that is an agent of the account (None if none is)."""
    found = set(warehouse.query(AGENT_SQL, account_id, {"names": list(candidates)})["agent_name"].to_list())
    return next((name for name in candidates if name in found), None)
