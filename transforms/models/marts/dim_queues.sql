with queues as (
    select * from {{ ref('stg_queues') }}
),

final as (
    select
        queue_id,
        account_id,
        queue_name,
        created_at
    from queues
)

select * from final
