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

campaign_calls as (
    select * from calls where direction = 'outbound' and campaign_name <> ''
),

final as (
    select
        account_id,
        started_date as date,
        campaign_name,
        {{ count_if('is_human_answered') }} as human_answered,
        {{ count_if('is_drop') }} as drops,
        max(_loaded_at) as _loaded_at
    from campaign_calls
    group by
        account_id,
        started_date,
        campaign_name
)

select * from final
