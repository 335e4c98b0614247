"""The eight reports of the export contract (name, title, columns, SQL), defined once for exports, app and API.

Each report sums the additive parts a published report mart keeps (counts, exact sums of seconds) over the
requested local dates; ratios, averages and rounding are then the warehouse's metric functions over those sums
(``abandon_rate(...)``, ``round_seconds(...)``: defined once in ``transforms/macros/metric_functions.sql``).
The per-call metric logic lives in the dbt models too; nothing here looks at single calls or does arithmetic.
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
        select date, direction, status, sum(calls)::bigint as calls
        from rpt_call_status_daily
        where {IN_RANGE}
        group by date, direction, status
        having sum(calls) > 0
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
        with parts as (
            select date, queue_name as queue,
                   sum(offered)::bigint as offered, sum(answered)::bigint as answered,
                   sum(abandoned)::bigint as abandoned, sum(short_abandoned)::bigint as short_abandoned,
                   sum(answered_within_sl)::bigint as answered_within_sl,
                   sum(answered_wait_seconds) as answered_wait_seconds
            from rpt_abandon_rate_daily
            where {IN_RANGE}
            group by date, queue_name
        )
        select date, queue, offered, answered, abandoned, short_abandoned,
               abandon_rate(abandoned, short_abandoned, offered) as abandon_rate,
               answered_within_sl,
               service_level(answered_within_sl, answered, abandoned, short_abandoned) as service_level,
               asa_seconds(answered_wait_seconds, answered) as asa_seconds
        from parts
        where offered > 0
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
        with parts as (
            select date, campaign_name as campaign, agent_name as agent,
                   sum(attempts)::bigint as attempts, sum(human_answered)::bigint as human_answered,
                   sum(machine_answered)::bigint as machine_answered, sum(no_answer)::bigint as no_answer,
                   sum(busy)::bigint as busy, sum(failed)::bigint as failed, sum(talk_seconds) as talk_seconds
            from rpt_outgoing_calls_daily
            where {IN_RANGE}
            group by date, campaign_name, agent_name
        )
        select date, campaign, agent, attempts, human_answered, machine_answered, no_answer, busy, failed,
               connect_rate(human_answered, attempts) as connect_rate,
               round_seconds(talk_seconds) as talk_seconds
        from parts
        where attempts > 0
        order by date, campaign, agent
        """,
        "Outbound attempts per day, campaign and connected agent, by outcome.",
    ),
    ReportSpec(
        "dispositions",
        "Dispositions",
        ("date", "disposition", "calls", "share"),
        f"""
        with parts as (
            select date, disposition, sum(calls)::bigint as calls
            from rpt_dispositions_daily
            where {IN_RANGE}
            group by date, disposition
        )
        select date, disposition, calls,
               disposition_share(calls, sum(calls) over (partition by date)) as share
        from parts
        where calls > 0
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
        with parts as (
            select date, agent_name as agent,
                   sum(available_seconds) as available, sum(busy_seconds) as busy,
                   sum(after_call_work_seconds) as acw, sum(break_seconds) as brk,
                   sum(logged_in_seconds) as logged_in
            from rpt_user_status_daily
            where {IN_RANGE}
            group by date, agent_name
        )
        select date, agent,
               round_seconds(available) as available_seconds,
               round_seconds(busy) as busy_seconds,
               round_seconds(acw) as after_call_work_seconds,
               round_seconds(brk) as break_seconds,
               round_seconds(logged_in) as logged_in_seconds,
               occupancy(available, busy, acw) as occupancy
        from parts
        where logged_in > 0
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
        with parts as (
            select date, direction, channel,
                   sum(messages)::bigint as messages, sum(segments)::bigint as segments,
                   sum(media)::bigint as media, sum(delivered)::bigint as delivered,
                   sum(undelivered)::bigint as undelivered, sum(failed)::bigint as failed,
                   sum(opt_outs)::bigint as opt_outs
            from rpt_messages_daily
            where {IN_RANGE}
            group by date, direction, channel
        )
        select date, direction, channel, messages, segments, media, delivered, undelivered, failed,
               delivery_rate(delivered, undelivered, failed) as delivery_rate,
               opt_outs
        from parts
        where messages > 0
        order by date, direction, channel
        """,
        "Messages per day, direction and channel: segments, media, delivery outcome (outbound), opt-outs (inbound).",
    ),
    ReportSpec(
        "dialer-compliance",
        "Dialer compliance",
        ("campaign", "window", "window_end", "human_answered", "drops", "drop_rate", "compliant"),
        """
        with days as (
            select cast(unnest(generate_series(cast($start as timestamp), cast($end as timestamp),
                                               interval 1 day)) as date) as window_end
        ),
        daily as (
            select date, campaign_name, human_answered, drops
            from rpt_dialer_daily
            where account_id = $account_id
              and date between cast($start - interval 29 day as date) and $end
        ),
        windows as (
            select daily.campaign_name, '30d' as "window", days.window_end,
                   sum(daily.human_answered)::bigint as human_answered, sum(daily.drops)::bigint as drops
            from days
            join daily on daily.date between cast(days.window_end - interval 29 day as date) and days.window_end
            group by daily.campaign_name, days.window_end
            union all
            select campaign_name, '24h', date, sum(human_answered)::bigint, sum(drops)::bigint
            from daily
            where date between $start and $end
            group by campaign_name, date
        )
        select campaign_name as campaign, "window", window_end, human_answered, drops,
               drop_rate(drops, human_answered) as drop_rate,
               cast(is_drop_compliant(drops, human_answered) as varchar) as compliant
        from windows
        where human_answered > 0
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
