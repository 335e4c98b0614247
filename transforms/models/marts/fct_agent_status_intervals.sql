{#-
  Agent status time: each agent.status event opens an interval that the agent's next event (by occurred_at)
  closes; the last one stays open until the refresh time. Intervals are split at local midnight, and every
  piece is measured in elapsed seconds between UTC instants, so local days of 23 or 25 hours come out right.
-#}
with events as (
    select * from {{ ref('stg_agent_status_events') }}
),

accounts as (
    select * from {{ ref('stg_accounts') }}
),

intervals as (
    select
        events.account_id,
        events.agent_name,
        events.status,
        events.event_id,
        accounts.timezone,
        events.occurred_at as started_at,
        lead(events.occurred_at) over (
            partition by events.account_id, events.agent_name
            order by events.occurred_at, events.event_id
        ) as next_started_at
    from events
    inner join accounts on events.account_id = accounts.account_id
),

bounded as (
    select
        *,
        next_started_at is null as is_open,
        coalesce(next_started_at, greatest(started_at, {{ refresh_at() }})) as ended_at
    from intervals
),

with_days as (
    select
        *,
        {{ local_date('started_at', 'timezone') }} as first_date,
        {{ local_date('ended_at', 'timezone') }} as last_date
    from bounded
),

day_spine as (
    {{ date_spine_between('with_days', 'first_date', 'last_date') }}
),

pieces as (
    select
        with_days.account_id,
        with_days.agent_name,
        with_days.status,
        with_days.event_id,
        with_days.is_open,
        day_spine.date_day as status_date,
        greatest(with_days.started_at, {{ local_midnight('day_spine.date_day', 'with_days.timezone') }})
            as piece_started_at,
        least(
            with_days.ended_at,
            {{ local_midnight(dbt.dateadd('day', 1, 'day_spine.date_day'), 'with_days.timezone') }}
        ) as piece_ended_at
    from with_days
    inner join day_spine
        on day_spine.date_day >= with_days.first_date
        and day_spine.date_day <= with_days.last_date
),

final as (
    select
        account_id,
        agent_name,
        status,
        event_id,
        status_date,
        piece_started_at as started_at,
        piece_ended_at as ended_at,
        {{ elapsed_seconds('piece_started_at', 'piece_ended_at') }} as status_seconds,
        is_open
    from pieces
    where piece_ended_at > piece_started_at
)

select * from final
