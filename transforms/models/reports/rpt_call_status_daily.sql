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

final as (
    select
        account_id,
        started_date as date,
        direction,
        status,
        count(*) as calls,
        max(_loaded_at) as _loaded_at
    from calls
    group by
        account_id,
        started_date,
        direction,
        status
)

select * from final
