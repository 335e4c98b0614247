{#- Every date from the smallest ``first_col`` to the largest ``last_col`` of ``relation`` (column date_day). -#}
{% macro date_spine_between(relation, first_col, last_col) -%}
    {{ return(adapter.dispatch('date_spine_between', 'voxlink')(relation, first_col, last_col)) }}
{%- endmacro %}

{% macro default__date_spine_between(relation, first_col, last_col) -%}
    select cast(day_value as date) as date_day
    from generate_series(
        (select min({{ first_col }}) from {{ relation }}),
        (select max({{ last_col }}) from {{ relation }}),
        interval '1 day'
    ) as spine(day_value)
{%- endmacro %}

{% macro spark__date_spine_between(relation, first_col, last_col) -%}
    select explode(sequence(
        cast((select min({{ first_col }}) from {{ relation }}) as date),
        cast((select max({{ last_col }}) from {{ relation }}) as date),
        interval 1 day
    )) as date_day
{%- endmacro %}

{% macro duckdb__date_spine_between(relation, first_col, last_col) -%}
    select cast(unnest(generate_series(
        cast((select min({{ first_col }}) from {{ relation }}) as timestamp),
        cast((select max({{ last_col }}) from {{ relation }}) as timestamp),
        interval '1 day'
    )) as date) as date_day
{%- endmacro %}
