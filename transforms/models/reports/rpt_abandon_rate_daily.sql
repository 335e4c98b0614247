{#-
    Rebuilt whole from rpt_abandon_rate_interval on every build (a few rows per account, queue and day: ~18 k at
    10 M calls, ~30 ms), so the day's ratios below reach every row without a full refresh.
-#}
{{ config(materialized='table') }}

{#- The daily grain is the sum of the day's 15-minute intervals: one definition of each count. -#}
with intervals as (
    select * from {{ ref('rpt_abandon_rate_interval') }}
),

parts as (
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
),

{#-
    The day's own ratios, by the catalogue's definitions (macros/metric_functions.sql: the same bodies as the SQL
    functions, whose parameters are these columns): the abandon-rate export reads a day's row as it is, and
    planning three function expansions per query was over half of its ~3 ms. A range still sums the parts.
-#}
final as (
    select
        parts.*,
        {{ metric_expression('abandon_rate') }} as abandon_rate,
        {{ metric_expression('service_level') }} as service_level,
        {{ metric_expression('asa_seconds') }} as asa_seconds
    from parts
)

-- stored by account and day, like the interval table it is summed from
select * from final
order by account_id, date, queue_name
