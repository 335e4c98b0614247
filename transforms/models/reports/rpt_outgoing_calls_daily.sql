{{
    config(
        materialized=incremental_materialization(),
        unique_key=['account_id', 'date'],
        incremental_strategy='delete+insert',
    )
}}

with calls as (
    {{ rows_of_changed_days(ref('fct_calls'), 'started_date') }}
),

outbound as (
    select * from calls where direction = 'outbound'
),

final as (
    select
        account_id,
        started_date as date,
        campaign_name,
        -- grouped by the agent of the last call.connected, whatever the call's agent is elsewhere
        connected_agent_name as agent_name,
        count(*) as attempts,
        {{ count_if('is_human_answered') }} as human_answered,
        {{ count_if('is_machine_answered') }} as machine_answered,
        {{ count_if("status = 'no_answer'") }} as no_answer,
        {{ count_if("status = 'busy'") }} as busy,
        {{ count_if("status = 'failed'") }} as failed,
        sum(talk_seconds) as talk_seconds,
        max(_loaded_at) as _loaded_at
    from outbound
    group by
        account_id,
        started_date,
        campaign_name,
        connected_agent_name
)

select * from final
