with source as (
    select * from {{ source('raw', 'messages') }}
),

renamed as (
    select
        account_id,
        message_id,
        direction,
        channel,
        from_number,
        to_number,
        body,
        coalesce(media_count, 0) as media_count,
        coalesce(campaign, '') as campaign_name,
        coalesce(agent, '') as agent_name,
        status as final_status,
        error_code,
        created_at,
        status_at as final_status_at,
        _loaded_at
    from source
)

select * from renamed
