with source as (
    select * from {{ source('raw', 'campaigns') }}
),

renamed as (
    select
        id as campaign_id,
        account_id,
        name as campaign_name,
        created_at,
        _loaded_at
    from source
)

select * from renamed
