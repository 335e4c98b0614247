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

handled as (
    select * from calls where is_handled and agent_name <> ''
),

final as (
    select
        account_id,
        started_date as date,
        agent_name,
        count(*) as handled,
        sum(talk_seconds) as talk_seconds,
        sum({{ handle_seconds() }}) as handle_seconds,
        {{ count_if('is_conversion') }} as conversions,
        max(_loaded_at) as _loaded_at
    from handled
    group by
        account_id,
        started_date,
        agent_name
)

-- stored by account and day (the one report table of over a row group at scale): the leaderboard's date range of
-- one account reads the row groups holding that account, not every one
select * from final
order by account_id, date, agent_name
