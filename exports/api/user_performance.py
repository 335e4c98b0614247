"""The API's ``user-performance`` report: each agent's leaderboard line and status time over the range, in one row.

It reuses the leaderboard report's own query (``exports/report_specs.py``) and sums the user-status mart's
additive parts over the range; ratios and rounding are the warehouse's metric functions, as in every report.
"""

from __future__ import annotations

from exports.report_specs import IN_RANGE, REPORTS, ReportSpec

NAME = "user-performance"

USER_PERFORMANCE = ReportSpec(
    NAME,
    "User performance",
    (
        "rank",
        "agent",
        "handled",
        "talk_seconds",
        "aht_seconds",
        "conversions",
        "conversion_rate",
        "available_seconds",
        "busy_seconds",
        "after_call_work_seconds",
        "break_seconds",
        "logged_in_seconds",
        "occupancy",
    ),  # fmt: skip
    f"""
    with board as ({REPORTS["leaderboard"].sql}),
    status as (
        select agent_name as agent,
               sum(available_seconds) as available, sum(busy_seconds) as busy,
               sum(after_call_work_seconds) as acw, sum(break_seconds) as brk,
               sum(logged_in_seconds) as logged_in
        from rpt_user_status_daily
        where {IN_RANGE}
        group by agent_name
    )
    select board.rank, coalesce(board.agent, status.agent) as agent,
           coalesce(board.handled, 0)::bigint as handled, board.talk_seconds, board.aht_seconds,
           coalesce(board.conversions, 0)::bigint as conversions, board.conversion_rate,
           round_seconds(status.available) as available_seconds,
           round_seconds(status.busy) as busy_seconds,
           round_seconds(status.acw) as after_call_work_seconds,
           round_seconds(status.brk) as break_seconds,
           round_seconds(status.logged_in) as logged_in_seconds,
           occupancy(status.available, status.busy, status.acw) as occupancy
    from board
    full join status on status.agent = board.agent
    where coalesce(board.handled, 0) > 0 or coalesce(status.logged_in, 0) > 0
    order by board.rank nulls last, agent
    """,
    "Per agent over the whole range: the leaderboard (ranked by handled calls) and time in each status.",
)
