"""The names the sidebar filters offer: the account's queues, campaigns and agents."""

from __future__ import annotations

import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

_SQL = {
    "queue": "select queue_name as name from dim_queues where account_id = $account_id order by name",
    "campaign": "select campaign_name as name from dim_campaigns where account_id = $account_id order by name",
    "agent": "select agent_name as name from dim_agents where account_id = $account_id order by name",
}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def names(kind: str, account_id: int, version: str) -> list[str]:
    """Every queue, campaign or agent name of the account, sorted; ``version`` keys the cache."""
    return [name for name in warehouse.query(_SQL[kind], account_id)["name"].to_list() if name]
