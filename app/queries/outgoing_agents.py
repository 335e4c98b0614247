"""Outgoing calls per agent: what each agent's connected calls amount to, and the attempts no agent joined.

An outbound call belongs to an agent only once it is bridged to one (``call.connected``), so an agent's
attempts are all connected and a per-agent connect rate would read 100 % everywhere. Per agent this shows the
connected calls and their talk time; the attempts never connected to an agent form one row of their own, with
their outcomes (a person answered and nobody joined, a machine, no answer, busy, failed).
"""

from __future__ import annotations

import polars as pl

from app.filters.scope import Scope
from app.queries import totals

# The attempts never bridged to an agent carry the empty agent name in the mart (see rpt_outgoing_calls_daily).
BY_AGENT_SQL = f"""
    with by_agent as ({totals.build_sql(totals.OUTBOUND, ("agent",))})
    select
        agent,
        case when agent <> '' then attempts end as connected_calls,
        case when agent <> '' then talk_seconds end as talk_seconds,
        case when agent = '' then attempts end as not_connected,
        case when agent = '' then human_answered end as answered_no_agent,
        case when agent = '' then machine_answered end as machine_answered,
        case when agent = '' then no_answer end as no_answer,
        case when agent = '' then busy end as busy,
        case when agent = '' then failed end as failed
    from by_agent
    where attempts > 0
    order by agent = '', agent
"""


def by_agent(scope: Scope) -> pl.DataFrame:
    """One row per connected agent (connected calls, talk time), then the not-connected row (agent "")."""
    return totals.over_parts(scope, totals.OUTBOUND, BY_AGENT_SQL)
