with source as (
    select * from {{ source('raw', 'queues') }}
),

renamed as (
    select
        id as queue_id,
        account_id,
        name as queue_name,
        created_at,
        _loaded_at
    from source
)

select * from renamed
