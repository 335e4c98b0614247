{#- Portable conditional aggregates (no FILTER clause or count_if on every engine). -#}
{% macro count_if(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}

{% macro sum_if(value, condition) -%}
    sum(case when {{ condition }} then {{ value }} else 0 end)
{%- endmacro %}
