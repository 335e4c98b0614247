with calls as (
    select * from {{ ref('stg_calls') }}
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
        cast({{ dbt.datediff('calls.answered_at', 'calls.connected_at', 'microsecond') }} as decimal(18, 6))
            / 1000000 as connect_delay_seconds
    from calls
    inner join accounts on calls.account_id = accounts.account_id
    where calls.started_at is not null
),

flagged as (
    select
        *,
        ended_at is not null as is_ended,
        direction = 'inbound' and answered_at is not null as is_answered,
        status = 'abandoned' as is_abandoned,
        status = 'abandoned' and wait_seconds < short_abandon_seconds as is_short_abandoned,
        direction = 'inbound' and answered_at is not null and wait_seconds <= service_level_seconds
            as is_answered_within_sl,
        ended_at is not null and (
            (direction = 'inbound' and answered_by = 'human')
            or (direction = 'outbound' and connected_at is not null)
        ) as is_handled,
        direction = 'outbound' and answered_by = 'human' as is_human_answered,
        direction = 'outbound' and answered_by = 'machine' as is_machine_answered,
        -- a dialer drop: a person answered and no agent joined within 2 s (exactly 2.0 s is not a drop)
        direction = 'outbound' and answered_by = 'human' and ended_at is not null
        and (connected_at is null or connect_delay_seconds > 2) as is_drop
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
        wait_seconds,
        hold_seconds,
        talk_seconds,
        wrap_seconds,
        connect_delay_seconds,
        is_ended,
        is_answered,
        is_abandoned,
        is_short_abandoned,
        is_answered_within_sl,
        is_handled,
        is_human_answered,
        is_machine_answered,
        is_drop,
        is_handled and coalesce(is_success_disposition, false) as is_conversion
    from flagged
)

select * from final
