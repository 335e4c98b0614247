{{
    config(
        materialized=incremental_materialization(),
        unique_key=['account_id', 'date'],
        incremental_strategy='delete+insert',
    )
}}

with messages as (
    {{ rows_of_changed_days(ref('fct_messages'), 'created_date') }}
),

final as (
    select
        account_id,
        created_date as date,
        direction,
        channel,
        count(*) as messages,
        sum(segments) as segments,
        sum(media_count) as media,
        {{ count_if('is_delivered') }} as delivered,
        {{ count_if('is_undelivered') }} as undelivered,
        {{ count_if('is_failed') }} as failed,
        {{ count_if('is_opt_out') }} as opt_outs,
        max(_loaded_at) as _loaded_at
    from messages
    group by
        account_id,
        created_date,
        direction,
        channel
)

select * from final
