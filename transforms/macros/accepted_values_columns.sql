{#-
  Generic test: each of ``columns`` (a mapping of column to its accepted values) holds only those values or
  null, as dbt's accepted_values does for one column, but as one test of the model instead of one per column:
  an incremental build runs every test as a node of its own, and dbt's per-node work (its Jinja context,
  compiling, logging) costs more than the query on the new rows. Each failing row names the column, the value
  and how many rows hold it.
-#}
{% test accepted_values_columns(model, columns) %}
{%- for column, values in columns.items() %}
{{ "union all" if not loop.first }}
select
    '{{ column }}' as column_name,
    {{ column }} as value_field,
    count(*) as n_records
from {{ model }}
where {{ column }} not in (
    {%- for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
)
group by {{ column }}
{%- endfor %}
{% endtest %}
