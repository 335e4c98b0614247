"""KPI tiles and series: a report mart's additive parts summed over the range (or per day, queue, …), ratios last.

Each family names the report mart it reads, its additive parts and the catalogue ratios taken from their sums
by the warehouse's metric functions (``abandon_rate(...)``, ``round_seconds(...)``: defined once in
``transforms/macros/metric_functions.sql``, the very calls the exports make). Nothing here does arithmetic or
looks at single calls: the per-call metric logic is the dbt models'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.queries.sql import optional
from app.signin.access import REPORT_ROLES as _REPORT_ROLES
from app.signin.access import NotPermitted, require_role
from voxlink import warehouse


@dataclass(frozen=True)
class Family:
    table: str
    counts: tuple[str, ...]  # summed as whole numbers
    durations: tuple[str, ...]  # exact sums of seconds, shown rounded to 0.1 s
    ratios: dict[str, str]  # name → a metric function's call over the summed parts
    filters: dict[str, str] = field(default_factory=dict)  # shared filter → column
    # the column an agent-role viewer is restricted to; None: no agent figures here, agents are refused
    agent_column: str | None = None
    date_column: str = "date"  # the local day the range selects on


INBOUND = Family(
    table="rpt_abandon_rate_daily",
    counts=("offered", "answered", "abandoned", "short_abandoned", "answered_within_sl"),
    durations=("answered_wait_seconds",),
    ratios={
        "abandon_rate": "abandon_rate(abandoned, short_abandoned, offered)",
        "service_level": "service_level(answered_within_sl, answered, abandoned, short_abandoned)",
        "asa_seconds": "asa_seconds(answered_wait_seconds, answered)",
    },
    filters={"queue": "queue_name"},
)
# The same parts per weekday and 15-minute interval, with handling time for the staffing what-if.
INTERVALS = Family(
    table="rpt_abandon_rate_interval",
    counts=(*INBOUND.counts, "handled"),
    durations=(*INBOUND.durations, "handle_seconds"),
    ratios={**INBOUND.ratios, "aht_seconds": "aht_seconds(handle_seconds, handled)"},
    filters=INBOUND.filters,
)
AGENTS = Family(
    table="rpt_agent_daily",
    counts=("handled", "conversions"),
    durations=("talk_seconds", "handle_seconds"),
    ratios={
        "aht_seconds": "aht_seconds(handle_seconds, handled)",
        "conversion_rate": "conversion_rate(conversions, handled)",
    },
    filters={"agent": "agent_name"},
    agent_column="agent_name",
)
OUTBOUND = Family(
    table="rpt_outgoing_calls_daily",
    counts=("attempts", "human_answered", "machine_answered", "no_answer", "busy", "failed"),
    durations=("talk_seconds",),
    ratios={"connect_rate": "connect_rate(human_answered, attempts)"},
    filters={"campaign": "campaign_name", "agent": "agent_name"},
    agent_column="agent_name",
)
DIALER = Family(
    table="rpt_dialer_daily",
    counts=("human_answered", "drops"),
    durations=(),
    ratios={"drop_rate": "drop_rate(drops, human_answered)"},
    filters={"campaign": "campaign_name"},
)
MESSAGES = Family(
    table="rpt_messages_daily",
    counts=("messages", "segments", "media", "delivered", "undelivered", "failed", "opt_outs"),
    durations=(),
    ratios={"delivery_rate": "delivery_rate(delivered, undelivered, failed)"},
)
# Per-call flags of the facts summed, for the parts no report mart carries: the abandons the abandon rate counts
# (``is_counted_abandoned``: abandoned and not short), the very calls the drill-down lists.
CALL_FLAGS = Family(
    table="fct_calls",
    counts=("is_counted_abandoned",),
    durations=(),
    ratios={},
    filters={"queue": "queue_name"},
    date_column="started_date",
)
CALL_STATUS = Family(table="rpt_call_status_daily", counts=("calls",), durations=(), ratios={})
DISPOSITIONS = Family(
    table="rpt_dispositions_daily",
    counts=("calls",),
    durations=(),
    ratios={"share": "disposition_share(calls, sum(calls) over ())"},
)
STATUS = Family(
    table="rpt_user_status_daily",
    counts=(),
    durations=(
        "available_seconds",
        "busy_seconds",
        "after_call_work_seconds",
        "break_seconds",
        "logged_in_seconds",
    ),
    ratios={"occupancy": "occupancy(available_seconds, busy_seconds, after_call_work_seconds)"},
    filters={"agent": "agent_name"},
    agent_column="agent_name",
)

# Grouping keys a caller may ask for, as SQL over the mart (never text from a user).
KEYS = {
    "date": "date",
    "queue": "queue_name",
    "campaign": "campaign_name",
    "agent": "agent_name",
    "direction": "direction",
    "status": "status",
    "channel": "channel",
    "weekday": "isodow(date)",
    "interval_minute": "interval_minute",
    "disposition": "disposition",
}


def build_sql(family: Family, keys: tuple[str, ...]) -> str:
    keys_sql = {**KEYS, "date": family.date_column}
    key_sql = [f"{keys_sql[key]} as {key}" for key in keys]
    sums = [f"coalesce(sum({c}), 0)::bigint as {c}" for c in family.counts]
    sums += [f"coalesce(sum({d}), 0) as {d}" for d in family.durations]
    where = ["account_id = $account_id", f"{family.date_column} between $start and $end"]
    where += [optional(column, name) for name, column in family.filters.items()]
    group = f"group by {', '.join(keys_sql[key] for key in keys)}" if keys else ""
    shown = [*keys, *family.counts, *(f"round_seconds({d}) as {d}" for d in family.durations)]
    shown += [f"{sql} as {name}" for name, sql in family.ratios.items()]
    order = f"order by {', '.join(keys)}" if keys else ""
    return f"""
        with parts as (
            select {", ".join([*key_sql, *sums])}
            from {family.table}
            where {" and ".join(where)}
            {group}
        )
        select {", ".join(shown)}
        from parts
        {order}
    """


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _run(sql: str, account_id: int, params: tuple[tuple[str, Any], ...], version: str) -> pl.DataFrame:
    return warehouse.query(sql, account_id, dict(params))


def _params(family: Family, scope: Scope, start: date, end: date) -> tuple[tuple[str, Any], ...]:
    if scope.viewer.is_agent and family.agent_column is None:
        raise NotPermitted(f"{family.table} holds no agent's own figures: not available to the agent role")
    if not scope.viewer.is_agent:
        require_role(scope.viewer, _REPORT_ROLES, family.table)
    values = {"queue": scope.filters.queue, "campaign": scope.filters.campaign, "agent": scope.agent}
    return (("start", start), ("end", end), *((name, values[name]) for name in family.filters))


def totals(scope: Scope, family: Family) -> dict[str, Any]:
    """One row: the family's parts and ratios over the scope's whole range."""
    frame = _run(
        build_sql(family, ()),
        scope.viewer.account_id,
        _params(family, scope, scope.start, scope.end),
        scope.version,
    )
    return frame.row(0, named=True)


def over_parts(scope: Scope, family: Family, sql: str) -> pl.DataFrame:
    """A query built on ``build_sql(family, …)`` (e.g. joined to a calendar), with the same parameters, access
    check and cache as ``by``; ``$start`` and ``$end`` bind the scope's range."""
    return _run(sql, scope.viewer.account_id, _params(family, scope, scope.start, scope.end), scope.version)


def by(scope: Scope, family: Family, *keys: str) -> pl.DataFrame:
    """The parts and ratios per value of ``keys`` (e.g. ``"date"``), in key order; groups without rows are absent."""
    sql = build_sql(family, keys)
    return _run(sql, scope.viewer.account_id, _params(family, scope, scope.start, scope.end), scope.version)
