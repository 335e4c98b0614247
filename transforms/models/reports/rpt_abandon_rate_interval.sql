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

inbound as (
    select * from calls where direction = 'inbound'
),

final as (
    select
        account_id,
        started_date as date,
        interval_minute,
        queue_name,
        count(*) as offered,
        {{ count_if('is_answered') }} as answered,
        {{ count_if('is_abandoned') }} as abandoned,
        {{ count_if('is_short_abandoned') }} as short_abandoned,
        {{ count_if('is_answered_within_sl') }} as answered_within_sl,
        sum(case when is_answered then wait_seconds else 0 end) as answered_wait_seconds,
        sum(case when is_handled then {{ handle_seconds() }} else 0 end) as handle_seconds,
        {{ count_if('is_handled') }} as handled,
        max(_loaded_at) as _loaded_at
    from inbound
    group by
        account_id,
        started_date,
        interval_minute,
        queue_name
)

-- stored by account and day: a date range of one account reads a few row groups, not all of them
select * from final
order by account_id, date, interval_minute, queue_name
