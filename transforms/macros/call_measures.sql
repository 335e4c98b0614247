{#- A call's handling time: talk + hold + wrap-up (exact seconds); AHT = Σ handle_seconds / handled. -#}
{% macro handle_seconds() -%}
    (talk_seconds + hold_seconds + wrap_seconds)
{%- endmacro %}
