{#-
    The dialer-compliance report's two windows per account, campaign and local day: the day itself (24h) and the
    30 local days ending with it (30d), so the report reads a range of rows instead of joining days to days.
    Every day of a campaign's span (its first day to 29 days after its last) has a row, because a 30-day window
    counts calls from up to 29 days before its end. Rebuilt whole from rpt_dialer_daily, a few rows per campaign
    and day: cheaper than working out which windows a late call reaches.
-#}
{{ config(materialized='table') }}

with dialer_days as (
    select * from {{ ref('rpt_dialer_daily') }}
),

campaign_spans as (
    select
        account_id,
        campaign_name,
        min(date) as first_date,
        cast({{ dbt.dateadd('day', 29, 'max(date)') }} as date) as last_date
    from dialer_days
    group by
        account_id,
        campaign_name
),

calendar as (
    {{ date_spine_between('campaign_spans', 'first_date', 'last_date') }}
),

campaign_days as (
    select
        campaign_spans.account_id,
        campaign_spans.campaign_name,
        calendar.date_day as date
    from campaign_spans
    inner join calendar
        on calendar.date_day between campaign_spans.first_date and campaign_spans.last_date
),

every_day as (
    select
        campaign_days.account_id,
        campaign_days.date,
        campaign_days.campaign_name,
        coalesce(dialer_days.human_answered, 0) as human_answered,
        coalesce(dialer_days.drops, 0) as drops
    from campaign_days
    left join dialer_days
        on dialer_days.account_id = campaign_days.account_id
        and dialer_days.campaign_name = campaign_days.campaign_name
        and dialer_days.date = campaign_days.date
),

{#- The span has no gaps, so the 30 local days ending with a row are that row and the 29 before it. -#}
rolling as (
    select
        account_id,
        date,
        campaign_name,
        human_answered,
        drops,
        sum(human_answered) over thirty_days as human_answered_30d,
        sum(drops) over thirty_days as drops_30d
    from every_day
    window thirty_days as (
        partition by account_id, campaign_name
        order by date
        rows between 29 preceding and current row
    )
),

final as (
    select
        account_id,
        date,
        campaign_name,
        '24h' as window_name,
        cast(human_answered as bigint) as human_answered,
        cast(drops as bigint) as drops
    from rolling
    union all
    select
        account_id,
        date,
        campaign_name,
        '30d' as window_name,
        cast(human_answered_30d as bigint) as human_answered,
        cast(drops_30d as bigint) as drops
    from rolling
)

select * from final
