with source as (
    select * from {{ source('raw', 'agents') }}
),

renamed as (
    select
        id as agent_id,
        account_id,
        name as agent_name,
        created_at,
        _loaded_at
    from source
)

select * from renamed
