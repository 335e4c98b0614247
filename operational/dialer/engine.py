"""The dialer engine: one pacing step for a running campaign, with every decision recorded.

A step (``tick``) reads the campaign's recent drop rate and the free agents, decides contact by contact with
the pure rules, records the decisions and the contacts' new state in one transaction, then places the calls
through the carrier and ingests what the carrier reports, like any provider callback.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.dialer.campaigns import owned
from operational.dialer.carrier import Carrier, DialRequest, outcome_events
from operational.dialer.rules import (
    Contact,
    Decision,
    Rules,
    Verdict,
    decide,
    lines_to_dial,
    over_drop_limit,
)
from operational.errors import Invalid
from operational.ingest import ingest_events
from operational.models import DialerDecision

_ROUNDS = 10  # pages of due contacts looked at per step; each page is 4× the free lines (≥ 50)

_DROP_STATS = sa.text(
    """
select count(*) filter (where connected_at is null or connected_at - answered_at > interval '2 seconds') as drops,
       count(*) as human_answered
from calls
where account_id = :account_id and campaign = :campaign and direction = 'outbound' and answered_by = 'human'
  and started_at >= :since and started_at < :now and (connected_at is not null or ended_at is not null)
"""
)
_AVAILABLE_AGENTS = sa.text(
    """
select agent from (
    select distinct on (agent) agent, status from agent_status_events
    where account_id = :account_id and occurred_at <= :now
    order by agent, occurred_at desc, event_id desc
) latest
where status = 'available'
order by agent
"""
)
_LINES_IN_USE = sa.text(
    """
select count(*) from calls
where account_id = :account_id and campaign = :campaign and ended_at is null and started_at > :since
"""
)
# A contact whose call reached a person or a machine is done; the call may have been answered after the
# step that dialled it, so this runs at the start of each step.
_RECONCILE = sa.text(
    """
update dialer_contacts c set state = 'done', next_attempt_at = null
from calls k
where c.campaign_id = :campaign_id and c.state = 'pending' and c.attempts > 0
  and k.account_id = :account_id and k.campaign = :campaign and k.contact_id = c.external_id
  and k.answered_at is not null
"""
)
_DUE = sa.text(
    """
select id, external_id, phone, timezone, attempts, last_attempt_at from dialer_contacts
where campaign_id = :campaign_id and state = 'pending' and (next_attempt_at is null or next_attempt_at <= :now)
  and id > :after
order by id
limit :limit
"""
)
_ON_ANY_DNC = sa.text(
    """
select phone from dnc_entries where account_id = :account_id and phone = any(:phones)
union
select phone from sms_consent where account_id = :account_id and opted_out and phone = any(:phones)
"""
)
_APPLY = sa.text(
    """
update dialer_contacts c set
    state = v.state,
    attempts = c.attempts + v.attempted,
    last_attempt_at = case when v.attempted = 1 then :now else c.last_attempt_at end,
    next_attempt_at = v.next_attempt_at
from unnest(cast(:ids as bigint[]), cast(:states as text[]), cast(:attempted as int[]),
            cast(:next as timestamptz[])) as v(id, state, attempted, next_attempt_at)
where c.id = v.id
"""
)
_STATE_AFTER = {
    Verdict.EXHAUSTED: "exhausted",
    Verdict.SKIPPED_DNC: "dnc",
    Verdict.SKIPPED_WINDOW: "pending",
    Verdict.NOT_DUE: "pending",
}


@dataclass
class TickReport:
    campaign_id: int
    running: bool = True
    lines: int = 0
    throttled: bool = False
    drops_24h: int = 0
    human_answered_24h: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    call_ids: list[str] = field(default_factory=list)


def tick(
    engine: Engine,
    account_id: int,
    campaign_id: int,
    carrier: Carrier,
    *,
    now: datetime | None = None,
    agents: Sequence[str] | None = None,
) -> TickReport:
    """One pacing step. ``agents``: the free agents (default: those whose latest status is available)."""
    now = now or datetime.now(UTC)
    report = TickReport(campaign_id)
    with engine.begin() as conn:
        camp = owned(conn, account_id, campaign_id, lock=True)  # one step at a time per campaign
        if camp.state != "running":
            report.running = False
            return report
        if not camp.caller_id:
            raise Invalid("the campaign needs a caller_id to dial from", [{"field": "caller_id"}])
        params = {"account_id": account_id, "campaign": camp.name, "campaign_id": campaign_id, "now": now}
        conn.execute(_RECONCILE, params)
        stats = conn.execute(_DROP_STATS, params | {"since": now - timedelta(hours=24)}).one()
        report.drops_24h, report.human_answered_24h = stats.drops, stats.human_answered
        report.throttled = over_drop_limit(stats.drops, stats.human_answered)
        decisions: list[dict[str, Any]] = []
        if report.throttled != camp.throttled:
            decisions.append(_flag(conn, camp, report, now))
        free = list(agents) if agents is not None else list(conn.scalars(_AVAILABLE_AGENTS, params))
        in_use = conn.scalar(_LINES_IN_USE, params | {"since": now - timedelta(hours=1)}) or 0
        report.lines = lines_to_dial(camp.type, camp.lines_per_agent, report.throttled, len(free), in_use)
        rules = Rules(camp.max_attempts, timedelta(minutes=camp.retry_minutes))
        chosen = _choose(conn, params, rules, report.lines, now)
        dials: list[tuple[DialRequest, dict[str, Any]]] = []
        for decision, contact in chosen:
            row: dict[str, Any] = {"contact_id": decision.contact_id, "decision": decision.verdict.value,
                                   "detail": decision.detail, "call_id": None}  # fmt: skip
            if decision.verdict is Verdict.DIALED:
                row["call_id"] = f"dial-{uuid.uuid4().hex[:16]}"
                request = DialRequest(row["call_id"], camp.caller_id, contact["phone"], camp.name,
                                      contact["external_id"], now)  # fmt: skip
                dials.append((request, contact))
            if decision.verdict is not Verdict.NOT_DUE:
                decisions.append(row)
            report.decisions[decision.verdict.value] = report.decisions.get(decision.verdict.value, 0) + 1
        _apply(conn, chosen, rules, now)
        if decisions:
            conn.execute(
                sa.insert(DialerDecision),
                [
                    {"account_id": account_id, "campaign_id": campaign_id, "decided_at": now, **d}
                    for d in decisions
                ],
            )
    report.call_ids = [request.call_id for request, _ in dials]
    _place(engine, account_id, carrier, [request for request, _ in dials], free)
    return report


def _flag(conn: Connection, camp: Any, report: TickReport, now: datetime) -> dict[str, Any]:
    rate = report.drops_24h / report.human_answered_24h if report.human_answered_24h else 0.0
    detail = f"24 h drop rate {rate:.2%} ({report.drops_24h} of {report.human_answered_24h} human answers)"
    values: dict[str, Any] = {"throttled": report.throttled}
    if report.throttled:
        values |= {"flagged_at": now, "flag_reason": detail + " over 3 %: one line per agent"}
    conn.execute(sa.text("update campaigns set " + ", ".join(f"{k} = :{k}" for k in values) + " where id = :id"),
                 values | {"id": camp.id})  # fmt: skip
    kind = "throttled" if report.throttled else "unthrottled"
    return {"contact_id": None, "decision": kind, "detail": detail, "call_id": None}


def _choose(
    conn: Connection, params: dict[str, Any], rules: Rules, lines: int, now: datetime
) -> list[tuple[Decision, dict[str, Any]]]:
    """Due contacts in id order, decided until ``lines`` are to be dialled or none are left."""
    chosen: list[tuple[Decision, dict[str, Any]]] = []
    dialled, after = 0, 0
    for _ in range(_ROUNDS):
        if dialled >= lines:
            break
        page = [
            dict(r)
            for r in conn.execute(_DUE, params | {"after": after, "limit": max(4 * lines, 50)}).mappings()
        ]
        if not page:
            break
        blocked = set(conn.scalars(_ON_ANY_DNC, params | {"phones": [c["phone"] for c in page]}))
        for contact in page:
            after = contact["id"]
            view = Contact(contact["id"], contact["phone"], contact["timezone"], contact["attempts"],
                           contact["last_attempt_at"])  # fmt: skip
            decision = decide(view, now, contact["phone"] in blocked, rules)
            if decision.verdict is Verdict.DIALED:
                if dialled >= lines:
                    break
                dialled += 1
            chosen.append((decision, contact))
    return chosen


def _apply(
    conn: Connection, chosen: list[tuple[Decision, dict[str, Any]]], rules: Rules, now: datetime
) -> None:
    """The contacts' new state, in one statement: a dialled contact counts an attempt and waits the spacing."""
    if not chosen:
        return
    ids: list[int] = []
    states: list[str] = []
    attempted: list[int] = []
    next_at: list[datetime | None] = []
    for decision, _ in chosen:
        ids.append(decision.contact_id)
        if decision.verdict is Verdict.DIALED:
            states.append("pending")
            attempted.append(1)
            next_at.append(now + rules.retry_spacing)
        else:
            states.append(_STATE_AFTER[decision.verdict])
            attempted.append(0)
            next_at.append(decision.next_attempt_at)
    conn.execute(_APPLY, {"ids": ids, "states": states, "attempted": attempted, "next": next_at, "now": now})


def _place(
    engine: Engine,
    account_id: int,
    carrier: Carrier,
    requests: list[DialRequest],
    agents: list[str],
) -> None:
    """Place the calls; for outcomes known at once (the simulated carrier) bridge each agent's first
    human answer to that agent, drop the others, and ingest the events."""
    if not requests:
        return
    per_agent = max(1, -(-len(requests) // max(len(agents), 1)))
    outcomes = [(i, request, carrier.place_call(request)) for i, request in enumerate(requests)]
    bridged: set[str] = set()
    events: list[dict[str, Any]] = []
    for i, request, outcome in sorted(outcomes, key=lambda o: o[2].after_seconds if o[2] else 0.0):
        if outcome is None:
            continue
        agent = agents[i // per_agent] if agents and i // per_agent < len(agents) else None
        if outcome.answered_by == "human" and agent is not None and agent not in bridged:
            bridged.add(agent)
        else:
            agent = None
        events.extend(outcome_events(request, outcome, agent))
    if events:
        ingest_events(engine, account_id, enumerate(events))
