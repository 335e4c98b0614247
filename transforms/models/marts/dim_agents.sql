with agents as (
    select * from {{ ref('stg_agents') }}
),

final as (
    select
        agent_id,
        account_id,
        agent_name,
        created_at
    from agents
)

select * from final
