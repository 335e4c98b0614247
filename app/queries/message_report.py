"""The messages behind an SMS/MMS count (``fct_messages``), and failures by carrier error code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL, listing
from app.queries.listing import PAGE_SIZE
from app.queries.sql import optional
from app.signin.access import REPORT_ROLES, require_role
from voxlink import warehouse

# measure → condition on fct_messages: the flags rpt_messages_daily counts
MEASURES: dict[str, str] = {
    "messages": "true",
    "delivered": "is_delivered",
    "undelivered": "is_undelivered",
    "failed": "is_failed",
    "not_delivered": "(is_undelivered or is_failed)",
    "opt_outs": "is_opt_out",
}
COLUMNS = """
    message_id, timezone($timezone, created_at) as created, direction, channel, from_number, to_number,
    final_status, error_code, segments, media_count as media, campaign_name as campaign, agent_name as agent, body
"""
ERRORS_SQL = """
    select coalesce(error_code, '') as error_code, final_status, count(*) as messages
    from fct_messages
    where account_id = $account_id and created_date between $start and $end
      and (is_undelivered or is_failed)  -- the mart's own flags: outbound, ended undelivered or failed
    group by all
    order by messages desc, error_code, final_status
"""


@dataclass(frozen=True)
class MessageQuery:
    direction: str | None = None
    channel: str | None = None
    measure: str | None = None
    error_code: str | None = None
    search: str | None = None


def _where(scope: Scope, query: MessageQuery) -> tuple[str, dict[str, Any]]:
    require_role(scope.viewer, REPORT_ROLES, "the message report")
    if query.measure is not None and query.measure not in MEASURES:
        raise ValueError(f"unknown measure {query.measure!r}")
    clauses = [
        "account_id = $account_id",
        "created_date between $start and $end",
        MEASURES.get(query.measure or "", "true"),
        optional("direction", "direction"),
        optional("channel", "channel"),
        optional("coalesce(error_code, '')", "error_code"),
        "(cast($text as varchar) is null or contains(lower(message_id), $text) or contains(from_number, $text)"
        " or contains(to_number, $text) or contains(lower(coalesce(body, '')), $text))",
    ]
    text = query.search.strip().lower() if query.search and query.search.strip() else None
    params = {
        "start": scope.start,
        "end": scope.end,
        "direction": query.direction,
        "channel": query.channel,
        "error_code": query.error_code,
        "text": text,
    }
    return " and ".join(clauses), params


TABLE, DAY, ORDER = "fct_messages", "created_date", "created_at desc, message_id"


def count_messages(scope: Scope, query: MessageQuery) -> int:
    where, params = _where(scope, query)
    days = listing.day_counts(
        TABLE, DAY, where, scope.viewer.account_id, tuple(params.items()), scope.version
    )
    return listing.total(days)


def messages_page(scope: Scope, query: MessageQuery, page: int) -> pl.DataFrame:
    where, params = _where(scope, query)
    offset = (max(1, page) - 1) * PAGE_SIZE
    account, bound, zone = (
        scope.viewer.account_id,
        tuple(params.items()),
        (("timezone", scope.account.timezone),),
    )
    return listing.page(TABLE, COLUMNS, ORDER, DAY, where, account, bound, offset, scope.version, zone)


def messages_for_download(scope: Scope, query: MessageQuery) -> pl.DataFrame:
    """Every matching message, newest first (at most ``listing.DOWNLOAD_LIMIT``)."""
    where, params = _where(scope, query)
    zone = (("timezone", scope.account.timezone),)
    return listing.everything(
        TABLE, COLUMNS, ORDER, where, scope.viewer.account_id, tuple(params.items()), zone
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _errors(account_id: int, start: Any, end: Any, version: str) -> pl.DataFrame:
    return warehouse.query(ERRORS_SQL, account_id, {"start": start, "end": end})


def failures_by_error_code(scope: Scope) -> pl.DataFrame:
    """Outbound messages that ended undelivered or failed, per carrier error code (empty: none given)."""
    require_role(scope.viewer, REPORT_ROLES, "message failures")
    return _errors(scope.viewer.account_id, scope.start, scope.end, scope.version)
