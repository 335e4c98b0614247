{#-
  Generic test: none of ``columns`` is null, in one read of the model instead of one test (and one scan) per
  column. Each failing row names the columns it left empty (``null_columns``), so dbt's stored failures still
  say which column broke. In an incremental build ``get_where_subquery`` hands it only the new rows, as it
  does every row-by-row test.
-#}
{% test not_null_columns(model, columns) %}
select
    concat_ws(
        ', ',
        {%- for column in columns %}
        case when {{ column }} is null then '{{ column }}' end{{ "," if not loop.last }}
        {%- endfor %}
    ) as null_columns
from {{ model }}
where
    {%- for column in columns %}
    {{ "or " if not loop.first }}{{ column }} is null
    {%- endfor %}
{% endtest %}
