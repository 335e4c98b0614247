{#-
  The rows of ``relation`` to (re)aggregate in an incremental report: on a full build all of them; on an
  incremental build every row of each (account, local date) that received a newly loaded row, so the
  report's rows for those days are replaced whole (delete+insert on account_id and date).
-#}
{% macro rows_of_changed_days(relation, date_column) -%}
    {%- if is_incremental() -%}
    select source_rows.*
    from {{ relation }} as source_rows
    inner join (
        select distinct
            account_id,
            {{ date_column }} as changed_date
        from {{ relation }}
        where _loaded_at > (select coalesce(max(_loaded_at), cast('1970-01-01 00:00:00+00' as {{ instant_type() }})) from {{ this }})
    ) as changed
        on source_rows.account_id = changed.account_id
        and source_rows.{{ date_column }} = changed.changed_date
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Newly loaded rows of a staging relation for an incremental fact (all rows on a full build). -#}
{% macro newly_loaded(relation) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where _loaded_at > (select coalesce(max(_loaded_at), cast('1970-01-01 00:00:00+00' as {{ instant_type() }})) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#-
  The moment open intervals run to: var ``refresh_at`` when given on the command line, else the pipeline's
  refresh time from the environment (VOXLINK_REFRESH_AT), else the build's clock. The pipeline uses the
  environment, read only while executing: a var that changes every run would make dbt re-parse the whole
  project each time (seconds), an environment variable read at execution does not.
-#}
{% macro refresh_at() -%}
    {%- set moment = var('refresh_at', none) or (env_var('VOXLINK_REFRESH_AT', '') if execute else '') -%}
    {%- if moment -%}
    cast('{{ moment }}' as {{ instant_type() }})
    {%- else -%}
    current_timestamp
    {%- endif -%}
{%- endmacro %}
