{{
    config(
        materialized=incremental_materialization(),
        unique_key=['account_id', 'message_id'],
        incremental_strategy='delete+insert',
    )
}}

with messages as (
    {{ newly_loaded(ref('stg_messages')) }}
),

accounts as (
    select * from {{ ref('stg_accounts') }}
),

with_account as (
    select
        messages.*,
        accounts.timezone,
        -- opt-out keywords are matched on the body with all surrounding whitespace removed, upper-cased; only a
        -- message that may be inbound needs it (the flags below are false for any other direction whatever the
        -- keyword), and the whitespace regex is a large share of this model's build
        case
            when messages.direction is null or messages.direction = 'inbound'
                then upper({{ trim_whitespace("coalesce(messages.body, '')") }})
            else ''
        end as keyword
    from messages
    inner join accounts on messages.account_id = accounts.account_id
    where messages.created_at is not null
),

final as (
    select
        account_id,
        message_id,
        direction,
        channel,
        campaign_name,
        agent_name,
        from_number,
        to_number,
        body,
        created_at,
        {{ local_date('created_at', 'timezone') }} as created_date,
        media_count,
        {{ sms_segments('body') }} as segments,
        final_status,
        final_status_at,
        error_code,
        direction = 'outbound' and final_status = 'delivered' as is_delivered,
        direction = 'outbound' and final_status = 'undelivered' as is_undelivered,
        direction = 'outbound' and final_status = 'failed' as is_failed,
        direction = 'inbound'
        and keyword in (
            'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'
        ) as is_opt_out,
        direction = 'inbound' and keyword in ('START', 'UNSTOP', 'YES') as is_resubscribe,
        _loaded_at
    from with_account
)

select * from final
