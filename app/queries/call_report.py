"""The Call Report: the calls behind a count, searchable and a page at a time, from ``fct_calls``.

A drill-down names a measure (``abandoned``, ``drops``, …): the same flag ``fct_calls`` carries and the
report marts count, so the calls listed are exactly the calls a tile or a report row counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

import polars as pl

from app.filters.scope import Scope
from app.queries import listing
from app.queries.listing import PAGE_SIZE
from app.signin.access import REPORT_ROLES, require_role

_OUTBOUND_AGENT = "connected_agent_name"  # outgoing-calls groups by the agent of the last call.connected

# measure → (condition on fct_calls, the agent column a report counting it groups by)
MEASURES: dict[str, tuple[str, str]] = {
    "offered": ("direction = 'inbound'", "agent_name"),
    "answered": ("is_answered", "agent_name"),
    "abandoned": ("is_abandoned", "agent_name"),
    "short_abandoned": ("is_short_abandoned", "agent_name"),
    "counted_abandoned": ("is_counted_abandoned", "agent_name"),
    "answered_within_sl": ("is_answered_within_sl", "agent_name"),
    "missed_sl": ("is_missed_sl", "agent_name"),
    "handled": ("is_handled and agent_name <> ''", "agent_name"),
    "conversions": ("is_conversion and agent_name <> ''", "agent_name"),
    "attempts": ("direction = 'outbound'", _OUTBOUND_AGENT),
    "human_answered": ("is_human_answered", _OUTBOUND_AGENT),
    "machine_answered": ("is_machine_answered", _OUTBOUND_AGENT),
    "no_answer": ("direction = 'outbound' and status = 'no_answer'", _OUTBOUND_AGENT),
    "busy": ("direction = 'outbound' and status = 'busy'", _OUTBOUND_AGENT),
    "failed": ("direction = 'outbound' and status = 'failed'", _OUTBOUND_AGENT),
    "drops": ("is_drop and campaign_name <> ''", _OUTBOUND_AGENT),
    "campaign_human_answered": ("is_human_answered and campaign_name <> ''", _OUTBOUND_AGENT),
    "in_progress": ("not is_ended", "agent_name"),
    "dispositioned": ("disposition <> ''", "agent_name"),
}
COLUMNS = """
    call_id, started_local_at as started, direction, status, queue_name as queue, campaign_name as campaign,
    agent_name as agent, from_number, to_number, coalesce(disposition, '') as disposition, wait_seconds, talk_seconds, hold_seconds,
    wrap_seconds, answered_by, end_reason
"""


@dataclass(frozen=True)
class CallQuery:
    """What the Call Report lists besides the shared filters; None means no restriction."""

    direction: str | None = None
    status: str | None = None
    measure: str | None = None
    disposition: str | None = None
    search: str | None = None
    weekday: int | None = None  # ISO: 1 Monday … 7 Sunday
    interval_minute: int | None = None  # local 15-minute interval start, minutes after midnight
    time_from: time | None = None
    time_to: time | None = None


def search_clause(text: str | None) -> tuple[str, dict[str, Any]] | None:
    """A phone number (digits, maybe +, spaces, dots, dashes, brackets) matches either number; anything else
    is part of a call id (case as typed: ids are machine text). Lowering every id costs 10 M rows a scan."""
    if not text or not text.strip():
        return None
    text = text.strip()
    digits = re.sub(r"[\s().-]", "", text)
    if re.fullmatch(r"\+?\d+", digits):
        return "(contains(from_number, $digits) or contains(to_number, $digits))", {"digits": digits}
    return "contains(call_id, $text)", {"text": text}


def _where(scope: Scope, query: CallQuery) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and its bound parameters; only the filters that are set appear in it."""
    if query.measure is not None and query.measure not in MEASURES:
        raise ValueError(f"unknown measure {query.measure!r}")
    condition, agent_column = MEASURES.get(query.measure or "", ("true", "agent_name"))
    clauses = ["account_id = $account_id", "started_date between $start and $end", condition]
    params: dict[str, Any] = {"start": scope.start, "end": scope.end}
    optional_filters = {
        # parameter: (clause, value); a clause is used only when its value is set
        "queue": ("queue_name = $queue", scope.filters.queue),
        "campaign": ("campaign_name = $campaign", scope.filters.campaign),
        "agent": (f"{agent_column} = $agent", scope.agent),
        "direction": ("direction = $direction", query.direction),
        "status": ("status = $status", query.status),
        "disposition": ("disposition = $disposition", query.disposition),
        "weekday": ("isodow(started_date) = $weekday", query.weekday),
        "interval_minute": ("interval_minute = $interval_minute", query.interval_minute),
        "time_from": ("cast(started_local_at as time) >= $time_from", query.time_from),
        "time_to": ("cast(started_local_at as time) < $time_to", query.time_to),
    }
    for name, (clause, value) in optional_filters.items():
        if value is not None:
            clauses.append(clause)
            params[name] = value
    search = search_clause(query.search)
    if search is not None:
        clauses.append(search[0])
        params.update(search[1])
    if scope.viewer.is_agent:  # an agent lists only calls they were on
        clauses.append("(agent_name = $me or connected_agent_name = $me)")
        params["me"] = scope.viewer.agent
    return " and ".join(clauses), params


def _check(scope: Scope) -> None:
    if not scope.viewer.is_agent:
        require_role(scope.viewer, REPORT_ROLES, "the call report")


TABLE, DAY, ORDER = "fct_calls", "started_date", "started_at desc, call_id"


def count_calls(scope: Scope, query: CallQuery) -> int:
    """How many calls match: the number a drill-down promises."""
    _check(scope)
    where, params = _where(scope, query)
    days = listing.day_counts(
        TABLE, DAY, where, scope.viewer.account_id, tuple(params.items()), scope.version
    )
    return listing.total(days)


def calls_page(scope: Scope, query: CallQuery, page: int) -> pl.DataFrame:
    """One page (``PAGE_SIZE`` calls, newest first) of the matching calls; ``page`` counts from 1."""
    _check(scope)
    where, params = _where(scope, query)
    offset = (max(1, page) - 1) * PAGE_SIZE
    account, bound = scope.viewer.account_id, tuple(params.items())
    return listing.page(TABLE, COLUMNS, ORDER, DAY, where, account, bound, offset, scope.version)


def calls_for_download(scope: Scope, query: CallQuery) -> pl.DataFrame:
    """Every matching call, newest first (at most ``listing.DOWNLOAD_LIMIT``)."""
    _check(scope)
    where, params = _where(scope, query)
    return listing.everything(TABLE, COLUMNS, ORDER, where, scope.viewer.account_id, tuple(params.items()))
