with calls as (
    select * from {{ ref('fct_calls') }}
),

final as (
    select
        account_id,
        started_date as date,
        direction,
        status,
        count(*) as calls
    from calls
    group by
        account_id,
        started_date,
        direction,
        status
)

select * from final
