{{
    config(
        materialized=incremental_materialization(),
        unique_key=['account_id', 'call_id'],
        incremental_strategy='delete+insert',
    )
}}

with calls as (
    {{ newly_loaded(ref('stg_calls')) }}
),

accounts as (
    select * from {{ ref('stg_accounts') }}
),

with_settings as (
    select
        calls.*,
        accounts.timezone,
        accounts.short_abandon_seconds,
        accounts.service_level_seconds,
        {{ dbt.position("',' || calls.disposition || ','", "',' || accounts.success_dispositions || ','") }} > 0
            as is_success_disposition,
        {{ elapsed_seconds('calls.answered_at', 'calls.connected_at') }} as connect_delay_seconds
    from calls
    inner join accounts on calls.account_id = accounts.account_id
    where calls.started_at is not null
),

flagged as (
    -- every flag is true or false, never null (a null would drop rows from an analyst's `where not …`)
    select
        *,
        ended_at is not null as is_ended,
        coalesce(direction = 'inbound' and answered_by in ('human', 'ai'), false) as is_answered,
        coalesce(status = 'abandoned', false) as is_abandoned,
        coalesce(status = 'abandoned' and wait_seconds < short_abandon_seconds, false) as is_short_abandoned,
        coalesce(
            direction = 'inbound' and answered_by in ('human', 'ai') and wait_seconds <= service_level_seconds,
            false
        ) as is_answered_within_sl,
        coalesce(ended_at is not null and (
            (direction = 'inbound' and answered_by = 'human')
            or (direction = 'outbound' and connected_at is not null)
        ), false) as is_handled,
        coalesce(direction = 'outbound' and answered_by = 'human', false) as is_human_answered,
        coalesce(direction = 'outbound' and answered_by = 'machine', false) as is_machine_answered,
        -- a dialer drop: a person answered and no agent joined within 2 s (exactly 2.0 s is not a drop)
        coalesce(
            direction = 'outbound' and answered_by = 'human' and ended_at is not null
            and (connected_at is null or connect_delay_seconds > 2),
            false
        ) as is_drop
    from with_settings
),

final as (
    select
        account_id,
        call_id,
        direction,
        status,
        queue_name,
        campaign_name,
        agent_name,
        connected_agent_name,
        answered_by,
        end_reason,
        disposition,
        from_number,
        to_number,
        started_at,
        answered_at,
        connected_at,
        ended_at,
        {{ local_date('started_at', 'timezone') }} as started_date,
        {{ local_timestamp('started_at', 'timezone') }} as started_local_at,
        -- the local 15-minute interval of the start, as minutes after local midnight (0, 15, …, 1425)
        cast(extract(hour from {{ local_timestamp('started_at', 'timezone') }}) as integer) * 60
        + cast(floor(extract(minute from {{ local_timestamp('started_at', 'timezone') }}) / 15) as integer) * 15
            as interval_minute,
        wait_seconds,
        hold_seconds,
        talk_seconds,
        wrap_seconds,
        connect_delay_seconds,
        is_ended,
        is_answered,
        is_abandoned,
        is_short_abandoned,
        -- the abandons the abandon rate counts, and the calls the service level misses (its denominator less
        -- its numerator): the drill-downs list exactly these
        is_abandoned and not is_short_abandoned as is_counted_abandoned,
        is_answered_within_sl,
        (is_answered and not is_answered_within_sl) or (is_abandoned and not is_short_abandoned) as is_missed_sl,
        is_handled,
        is_human_answered,
        is_machine_answered,
        is_drop,
        is_handled and coalesce(is_success_disposition, false) as is_conversion,
        _loaded_at
    from flagged
)

-- stored by account and local day: a report or call list over one account's date range reads few row groups
select * from final
order by account_id, started_date, started_at
