with source as (
    select * from {{ source('raw', 'accounts') }}
),

renamed as (
    select
        id as account_id,
        slug,
        name,
        timezone,
        cast(short_abandon_seconds as decimal(18, 6)) as short_abandon_seconds,
        cast(service_level_seconds as decimal(18, 6)) as service_level_seconds,
        success_dispositions,
        created_at,
        _loaded_at
    from source
)

select * from renamed
