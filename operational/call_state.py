"""Set-based derivation of call and message state from their events, in ``occurred_at`` order.

Each statement recomputes, from the whole event ledger, every call (message) touched by the batch in
``touched``; so the stored state is the one the events' ``occurred_at`` order implies, whatever order
they arrived in, and replaying an event (which touches nothing) changes nothing. Ties on ``occurred_at``
are broken by ``event_id`` so the result is deterministic. Each also keeps, in ``touched_calls`` /
``touched_messages``, the queue and agent it left on the rows, which the outbox (operational/outbox.py) names
with the batch's stream events without a second look at ``calls``/``messages``.

The touched ids reach the ledger through ``lateral`` lookups: ``touched`` is a temp table without
statistics, and a plain join let the planner scan every event of the account on each batch (O(ledger) per
batch, ~10 ms at 30 k events and growing), where an index probe per touched call costs microseconds.
"""

from __future__ import annotations

from operational.database import driver_sql

# Σ hold → unhold: each hold lasts until the next hold/unhold/end of the call. Consecutive holds add up
# to the same span, and an open hold closes at the call's end; before the end it counts nothing yet.
RECOMPUTE_CALLS = driver_sql(
    """
with ev as (
    select e.call_id, e.event_id, e.type, e.occurred_at, e.payload
    from (select distinct call_id from touched where call_id is not null) t
    cross join lateral (
        select * from events e where e.account_id = :account_id and e.call_id = t.call_id offset 0
    ) e
),
holds as (
    select call_id,
           sum(case when type = 'call.hold' and next_at is not null
                    then extract(epoch from next_at - occurred_at) else 0 end) as hold_seconds
    from (
        select call_id, type, occurred_at,
               lead(occurred_at) over (partition by call_id order by occurred_at, event_id) as next_at
        from ev where type in ('call.hold', 'call.unhold', 'call.ended')
    ) h
    group by call_id
),
agg as (
    select call_id,
           count(*) as event_count,
           min(occurred_at) filter (where type = 'call.started') as started_at,
           (array_agg(payload order by occurred_at, event_id) filter (where type = 'call.started'))[1] as started,
           min(occurred_at) filter (where type = 'call.queued') as queued_at,
           (array_agg(payload ->> 'queue' order by occurred_at, event_id)
                filter (where type = 'call.queued'))[1] as first_queue,
           min(occurred_at) filter (where type = 'call.answered') as answered_at,
           (array_agg(payload ->> 'answered_by' order by occurred_at, event_id)
                filter (where type = 'call.answered'))[1] as answered_by,
           min(occurred_at) filter (where type = 'call.connected') as connected_at,
           (array_agg(payload ->> 'agent' order by occurred_at desc, event_id desc)
                filter (where type = 'call.connected'))[1] as connected_agent,
           (array_agg(payload ->> 'agent' order by occurred_at desc, event_id desc)
                filter (where type in ('call.answered', 'call.connected')
                       and coalesce(payload ->> 'agent', '') <> ''))[1] as agent,
           min(occurred_at) filter (where type = 'call.ended') as ended_at,
           (array_agg(payload ->> 'reason' order by occurred_at, event_id)
                filter (where type = 'call.ended'))[1] as end_reason,
           max(occurred_at) filter (where type = 'call.wrapup_ended') as wrapup_ended_at,
           (array_agg(payload ->> 'disposition' order by occurred_at desc, event_id desc)
                filter (where type = 'call.disposition'))[1] as disposition
    from ev
    group by call_id
),
state as (
    select a.*,
           coalesce(h.hold_seconds, 0) as hold_seconds,
           a.started ->> 'direction' as direction,
           case
               when a.ended_at is null then 'in_progress'
               when a.answered_at is not null then 'completed'
               when a.started ->> 'direction' = 'inbound' and a.end_reason in ('caller_hangup', 'canceled')
                   then 'abandoned'
               else a.end_reason
           end as status,
           -- the moment a human agent (or an AI) is on the call; talk is 0 without one
           case
               when a.answered_by = 'ai' then a.answered_at
               when a.started ->> 'direction' = 'inbound' and a.answered_by = 'human' then a.answered_at
               when a.started ->> 'direction' = 'outbound' then a.connected_at
           end as talk_from
    from agg a
    left join holds h on h.call_id = a.call_id
),
upserted as (
insert into calls (
    account_id, call_id, direction, from_number, to_number, queue, campaign, contact_id, ai_agent,
    agent, connected_agent, started_at, queued_at, answered_at, answered_by, connected_at, ended_at,
    end_reason, wrapup_ended_at, disposition, status, wait_seconds, hold_seconds, talk_seconds,
    wrap_seconds, event_count
)
select
    :account_id,
    call_id,
    direction,
    started ->> 'from',
    started ->> 'to',
    coalesce(first_queue, started ->> 'queue'),
    started ->> 'campaign',
    started ->> 'contact_id',
    started ->> 'ai_agent',
    agent,
    connected_agent,
    started_at,
    queued_at,
    answered_at,
    answered_by,
    connected_at,
    ended_at,
    end_reason,
    wrapup_ended_at,
    disposition,
    status,
    -- an answer (or hang-up) stamped before the call started or queued waited 0 s, never less: the
    -- raw_calls gate wants every duration >= 0, like talk and wrap below
    case
        when direction <> 'inbound' then null
        when answered_at is not null
            then greatest(extract(epoch from answered_at - coalesce(queued_at, started_at)), 0)
        when status = 'abandoned'
            then greatest(extract(epoch from ended_at - coalesce(queued_at, started_at)), 0)
    end,
    hold_seconds,
    case
        when ended_at is null or talk_from is null then 0
        else greatest(extract(epoch from ended_at - talk_from) - hold_seconds, 0)
    end,
    case
        when ended_at is null or wrapup_ended_at is null then 0
        else greatest(extract(epoch from wrapup_ended_at - ended_at), 0)
    end,
    event_count
from state
on conflict (account_id, call_id) do update set
    direction = excluded.direction,
    from_number = excluded.from_number,
    to_number = excluded.to_number,
    queue = excluded.queue,
    campaign = excluded.campaign,
    contact_id = excluded.contact_id,
    ai_agent = excluded.ai_agent,
    agent = excluded.agent,
    connected_agent = excluded.connected_agent,
    started_at = excluded.started_at,
    queued_at = excluded.queued_at,
    answered_at = excluded.answered_at,
    answered_by = excluded.answered_by,
    connected_at = excluded.connected_at,
    ended_at = excluded.ended_at,
    end_reason = excluded.end_reason,
    wrapup_ended_at = excluded.wrapup_ended_at,
    disposition = excluded.disposition,
    status = excluded.status,
    wait_seconds = excluded.wait_seconds,
    hold_seconds = excluded.hold_seconds,
    talk_seconds = excluded.talk_seconds,
    wrap_seconds = excluded.wrap_seconds,
    event_count = excluded.event_count,
    change_seq = nextval('change_seq')
returning call_id, queue, agent
)
insert into touched_calls select * from upserted
"""
)

RECOMPUTE_MESSAGES = driver_sql(
    """
with ev as (
    select e.message_id, e.event_id, e.type, e.occurred_at, e.payload
    from (select distinct message_id from touched where message_id is not null) t
    cross join lateral (
        select * from events e where e.account_id = :account_id and e.message_id = t.message_id offset 0
    ) e
),
agg as (
    select message_id,
           min(occurred_at) filter (where type = 'message.created') as created_at,
           (array_agg(payload order by occurred_at, event_id)
                filter (where type = 'message.created'))[1] as created,
           (array_agg(payload order by occurred_at desc, event_id desc)
                filter (where type = 'message.status'))[1] as last_status,
           max(occurred_at) filter (where type = 'message.status') as status_at
    from ev
    group by message_id
),
upserted as (
insert into messages (
    account_id, message_id, direction, channel, from_number, to_number, body, media_count, campaign,
    agent, created_at, status, status_at, error_code
)
select
    :account_id,
    message_id,
    created ->> 'direction',
    created ->> 'channel',
    created ->> 'from',
    created ->> 'to',
    created ->> 'body',
    coalesce((created ->> 'media_count')::int, case when created is null then null else 0 end),
    created ->> 'campaign',
    created ->> 'agent',
    created_at,
    last_status ->> 'status',
    status_at,
    last_status ->> 'error_code'
from agg
on conflict (account_id, message_id) do update set
    direction = excluded.direction,
    channel = excluded.channel,
    from_number = excluded.from_number,
    to_number = excluded.to_number,
    body = excluded.body,
    media_count = excluded.media_count,
    campaign = excluded.campaign,
    agent = excluded.agent,
    created_at = excluded.created_at,
    status = excluded.status,
    status_at = excluded.status_at,
    error_code = excluded.error_code,
    change_seq = nextval('change_seq')
returning message_id, agent
)
insert into touched_messages select * from upserted
"""
)
