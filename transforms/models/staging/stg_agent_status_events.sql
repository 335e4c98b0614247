with source as (
    select * from {{ source('raw', 'agent_status_events') }}
),

renamed as (
    select
        account_id,
        event_id,
        agent as agent_name,
        status,
        occurred_at,
        _loaded_at
    from source
)

select * from renamed
