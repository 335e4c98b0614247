with accounts as (
    select * from {{ ref('stg_accounts') }}
),

final as (
    select
        account_id,
        slug,
        name,
        timezone,
        short_abandon_seconds,
        service_level_seconds,
        success_dispositions,
        created_at
    from accounts
)

select * from final
