{#-
  How the incremental marts and reports are stored on each engine. DuckDB and PostgreSQL replace changed rows in
  place (delete+insert on the model's unique key). Spark's delete+insert and merge need a table format with row
  updates (Delta, Iceberg, Hudi) that plain Parquet tables lack, so there every build rebuilds them whole: same
  rows, more work per refresh. A cluster with Delta or Iceberg can return 'incremental' here.
-#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'voxlink')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
