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
