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

{#- Spark has no `at time zone`: from_utc_timestamp shifts a UTC instant to the zone's wall clock. -#}
{% macro spark__local_date(ts, tz) -%}
    to_date(from_utc_timestamp({{ ts }}, {{ tz }}))
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

{% macro spark__local_timestamp(ts, tz) -%}
    from_utc_timestamp({{ ts }}, {{ tz }})
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

{% macro spark__local_midnight(day, tz) -%}
    to_utc_timestamp(cast({{ day }} as timestamp), {{ tz }})
{%- endmacro %}


{#- Elapsed seconds between two instants, exact to the microsecond. -#}
{% macro elapsed_seconds(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('elapsed_seconds', 'voxlink')(start_ts, end_ts)) }}
{%- endmacro %}

{#- multiplied, not divided: decimal × decimal stays an exact decimal on every engine -#}
{% macro default__elapsed_seconds(start_ts, end_ts) -%}
    (cast({{ dbt.datediff(start_ts, end_ts, 'microsecond') }} as decimal(18, 0)) * cast(0.000001 as decimal(18, 6)))
{%- endmacro %}

{#- dbt-spark's datediff reads microseconds out of the timestamp's text; unix_micros is exact. -#}
{% macro spark__elapsed_seconds(start_ts, end_ts) -%}
    (cast(unix_micros({{ end_ts }}) - unix_micros({{ start_ts }}) as decimal(18, 0)) * cast(0.000001 as decimal(18, 6)))
{%- endmacro %}


{#- The SQL type of a UTC instant (timestamps in this project are instants, never wall-clock times). -#}
{% macro instant_type() -%}
    {{ return(adapter.dispatch('instant_type', 'voxlink')()) }}
{%- endmacro %}

{% macro default__instant_type() -%}
    timestamp with time zone
{%- endmacro %}

{#- Spark's timestamp is already an instant (TIMESTAMP_LTZ); the session time zone is UTC. -#}
{% macro spark__instant_type() -%}
    timestamp
{%- endmacro %}
