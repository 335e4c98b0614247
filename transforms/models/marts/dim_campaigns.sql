with campaigns as (
    select * from {{ ref('stg_campaigns') }}
),

final as (
    select
        campaign_id,
        account_id,
        campaign_name,
        created_at
    from campaigns
)

select * from final
