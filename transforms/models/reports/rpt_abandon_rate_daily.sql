{{
    config(
        materialized=incremental_materialization(),
        unique_key=['account_id', 'date'],
        incremental_strategy='delete+insert',
    )
}}

{#- The daily grain is the sum of the day's 15-minute intervals: one definition of each count. -#}
with intervals as (
    {{ rows_of_changed_days(ref('rpt_abandon_rate_interval'), 'date') }}
),

final as (
    select
        account_id,
        date,
        queue_name,
        cast(sum(offered) as bigint) as offered,
        cast(sum(answered) as bigint) as answered,
        cast(sum(abandoned) as bigint) as abandoned,
        cast(sum(short_abandoned) as bigint) as short_abandoned,
        cast(sum(answered_within_sl) as bigint) as answered_within_sl,
        sum(answered_wait_seconds) as answered_wait_seconds,
        max(_loaded_at) as _loaded_at
    from intervals
    group by
        account_id,
        date,
        queue_name
)

select * from final
