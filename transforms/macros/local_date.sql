{#- The account-local calendar day of a UTC timestamp; days bucket by the account's time zone. -#}
{% macro local_date(ts, tz) -%}
    {{ return(adapter.dispatch('local_date', 'voxlink')(ts, tz)) }}
{%- endmacro %}

{% macro default__local_date(ts, tz) -%}
    cast(({{ ts }} at time zone {{ tz }}) as date)
{%- endmacro %}

{% macro duckdb__local_date(ts, tz) -%}
    cast(timezone({{ tz }}, {{ ts }}) as date)
{%- endmacro %}


{#- The account-local wall-clock time of a UTC timestamp (no zone attached). -#}
{% macro local_timestamp(ts, tz) -%}
    {{ return(adapter.dispatch('local_timestamp', 'voxlink')(ts, tz)) }}
{%- endmacro %}

{% macro default__local_timestamp(ts, tz) -%}
    ({{ ts }} at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__local_timestamp(ts, tz) -%}
    timezone({{ tz }}, {{ ts }})
{%- endmacro %}


{#- The UTC instant at which local day ``day`` begins in time zone ``tz`` (23 or 25 h apart across DST). -#}
{% macro local_midnight(day, tz) -%}
    {{ return(adapter.dispatch('local_midnight', 'voxlink')(day, tz)) }}
{%- endmacro %}

{% macro default__local_midnight(day, tz) -%}
    (cast({{ day }} as timestamp) at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__local_midnight(day, tz) -%}
    timezone({{ tz }}, cast({{ day }} as timestamp))
{%- endmacro %}


{#- Elapsed seconds between two instants, exact to the microsecond. -#}
{% macro elapsed_seconds(start_ts, end_ts) -%}
    {#- multiplied, not divided: decimal × decimal stays an exact decimal on every engine -#}
    (cast({{ dbt.datediff(start_ts, end_ts, 'microsecond') }} as decimal(18, 0)) * cast(0.000001 as decimal(18, 6)))
{%- endmacro %}
