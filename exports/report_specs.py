"""The eight reports of the export contract (name, title, columns, SQL), defined once for exports, app and API.

Each report reads the additive parts a published report mart keeps (counts, exact sums of seconds) for the
requested local dates; ratios, averages and rounding are then the warehouse's metric functions over those parts
(``abandon_rate(...)``, ``round_seconds(...)``: defined once in ``transforms/macros/metric_functions.sql``).
A per-day report reads each row as it is, with no ``group by``: its mart holds one row per account, day and the
report's other keys (a dbt uniqueness test says so), and planning a grouping costs a query about a millisecond of
its ~5 ms budget (issue 18). The abandon-rate report reads the day's three ratios its mart computed when it was
built, with the same functions (planning their expansion was over half of the query's ~3 ms). Dialer compliance reads the 24h and 30d sums of ``rpt_dialer_compliance_daily``;
only the leaderboard sums days over the range. The per-call and window logic lives in the dbt models; nothing
here looks at single calls or does arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class ReportError(ValueError):
    """A report request that cannot be answered (unknown report, bad range)."""


IN_RANGE = "account_id = $account_id and date between $start and $end"


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    columns: tuple[str, ...]
    sql: str
    description: str


_SPECS = (
    ReportSpec(
        "call-status",
        "Call status",
        ("date", "direction", "status", "calls"),
        f"""
        select date, direction, status, calls::bigint as calls
        from rpt_call_status_daily
        where {IN_RANGE} and calls > 0
        order by date, direction, status
        """,
        "Calls by local day of their start, direction and derived status.",
    ),
    ReportSpec(
        "abandon-rate",
        "Abandon rate and service level",
        (
            "date",
            "queue",
            "offered",
            "answered",
            "abandoned",
            "short_abandoned",
            "abandon_rate",
            "answered_within_sl",
            "service_level",
            "asa_seconds",
        ),  # fmt: skip
        f"""
        select date, queue_name as queue, offered::bigint as offered, answered::bigint as answered,
               abandoned::bigint as abandoned, short_abandoned::bigint as short_abandoned,
               abandon_rate, answered_within_sl::bigint as answered_within_sl, service_level, asa_seconds
        from rpt_abandon_rate_daily
        where {IN_RANGE} and offered > 0
        order by date, queue
        """,
        "Inbound calls per day and queue: abandon rate (short abandons excluded), service level, ASA.",
    ),
    ReportSpec(
        "outgoing-calls",
        "Outgoing calls",
        (
            "date",
            "campaign",
            "agent",
            "attempts",
            "human_answered",
            "machine_answered",
            "no_answer",
            "busy",
            "failed",
            "connect_rate",
            "talk_seconds",
        ),  # fmt: skip
        f"""
        select date, campaign_name as campaign, agent_name as agent, attempts::bigint as attempts,
               human_answered::bigint as human_answered, machine_answered::bigint as machine_answered,
               no_answer::bigint as no_answer, busy::bigint as busy, failed::bigint as failed,
               connect_rate(human_answered, attempts) as connect_rate,
               round_seconds(talk_seconds) as talk_seconds
        from rpt_outgoing_calls_daily
        where {IN_RANGE} and attempts > 0
        order by date, campaign, agent
        """,
        "Outbound attempts per day, campaign and connected agent, by outcome.",
    ),
    ReportSpec(
        "dispositions",
        "Dispositions",
        ("date", "disposition", "calls", "share"),
        f"""
        select date, disposition, calls::bigint as calls,
               disposition_share(calls, sum(calls) over (partition by date)) as share
        from rpt_dispositions_daily
        where {IN_RANGE} and calls > 0
        order by date, disposition
        """,
        "Calls per day and disposition, with each disposition's share of that day's dispositioned calls.",
    ),
    ReportSpec(
        "user-status",
        "User status",
        (
            "date",
            "agent",
            "available_seconds",
            "busy_seconds",
            "after_call_work_seconds",
            "break_seconds",
            "logged_in_seconds",
            "occupancy",
        ),  # fmt: skip
        f"""
        select date, agent_name as agent,
               round_seconds(available_seconds) as available_seconds,
               round_seconds(busy_seconds) as busy_seconds,
               round_seconds(after_call_work_seconds) as after_call_work_seconds,
               round_seconds(break_seconds) as break_seconds,
               round_seconds(logged_in_seconds) as logged_in_seconds,
               occupancy(available_seconds, busy_seconds, after_call_work_seconds) as occupancy
        from rpt_user_status_daily
        where {IN_RANGE} and logged_in_seconds > 0
        order by date, agent
        """,
        "Time per agent and local day in each status (split at local midnight) and occupancy.",
    ),
    ReportSpec(
        "leaderboard",
        "Leaderboard",
        ("rank", "agent", "handled", "talk_seconds", "aht_seconds", "conversions", "conversion_rate"),
        f"""
        with parts as (
            select agent_name as agent, sum(handled)::bigint as handled, sum(talk_seconds) as talk_seconds,
                   sum(handle_seconds) as handle_seconds, sum(conversions)::bigint as conversions
            from rpt_agent_daily
            where {IN_RANGE}
            group by agent_name
        )
        select rank() over (order by handled desc) as rank, agent, handled,
               round_seconds(talk_seconds) as talk_seconds,
               aht_seconds(handle_seconds, handled) as aht_seconds,
               conversions,
               conversion_rate(conversions, handled) as conversion_rate
        from parts
        where handled > 0
        order by rank, agent
        """,
        "Agents ranked by handled calls over the whole range (ties share a rank: 1, 1, 3).",
    ),
    ReportSpec(
        "sms-mms",
        "SMS / MMS",
        (
            "date",
            "direction",
            "channel",
            "messages",
            "segments",
            "media",
            "delivered",
            "undelivered",
            "failed",
            "delivery_rate",
            "opt_outs",
        ),  # fmt: skip
        f"""
        select date, direction, channel, messages::bigint as messages, segments::bigint as segments,
               media::bigint as media, delivered::bigint as delivered, undelivered::bigint as undelivered,
               failed::bigint as failed,
               delivery_rate(delivered, undelivered, failed) as delivery_rate,
               opt_outs::bigint as opt_outs
        from rpt_messages_daily
        where {IN_RANGE} and messages > 0
        order by date, direction, channel
        """,
        "Messages per day, direction and channel: segments, media, delivery outcome (outbound), opt-outs (inbound).",
    ),
    ReportSpec(
        "dialer-compliance",
        "Dialer compliance",
        ("campaign", "window", "window_end", "human_answered", "drops", "drop_rate", "compliant"),
        f"""
        select campaign_name as campaign, window_name as "window", date as window_end,
               human_answered, drops,
               drop_rate(drops, human_answered) as drop_rate,
               cast(is_drop_compliant(drops, human_answered) as varchar) as compliant
        from rpt_dialer_compliance_daily
        where {IN_RANGE} and human_answered > 0
        order by campaign, "window", window_end
        """,
        "Drop rate per campaign over the rolling 30 local days (US FTC) and each local day (UK Ofcom), vs 3 %.",
    ),
)

REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in _SPECS}


def requested_spec(name: str, start: date, end: date) -> ReportSpec:
    """The report's spec, or a :class:`ReportError` for an unknown report or a range that ends before it starts."""
    spec = REPORTS.get(name)
    if spec is None:
        raise ReportError(f"unknown report {name!r}; choose one of: {', '.join(sorted(REPORTS))}")
    if end < start:
        raise ReportError(f"the range ends ({end}) before it starts ({start})")
    return spec
