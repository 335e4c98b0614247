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
        -- E.164 is the one form that starts with "+"; ingest normalises the others (client:, sip:, anonymous…)
        from_number like '+%' as is_from_e164,
        to_number like '+%' as is_to_e164,
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
