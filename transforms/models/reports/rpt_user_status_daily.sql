{#- Small (one row per agent-day): rebuilt whole each refresh, since open intervals grow every run. -#}
with intervals as (
    select * from {{ ref('fct_agent_status_intervals') }}
),

final as (
    select
        account_id,
        status_date as date,
        agent_name,
        {{ sum_if('status_seconds', "status = 'available'") }} as available_seconds,
        {{ sum_if('status_seconds', "status = 'busy'") }} as busy_seconds,
        {{ sum_if('status_seconds', "status = 'after_call_work'") }} as after_call_work_seconds,
        {{ sum_if('status_seconds', "status = 'break'") }} as break_seconds,
        {{ sum_if('status_seconds', "status = 'offline'") }} as offline_seconds,
        {{ sum_if('status_seconds', "status <> 'offline'") }} as logged_in_seconds
    from intervals
    group by
        account_id,
        status_date,
        agent_name
)

select * from final
