{#-
  dbt calls this for the relation every generic test reads. The pipeline passes, per model, the newest
  `_loaded_at` the served warehouse was tested and published from (a JSON object in the environment,
  VOXLINK_TESTS_LOADED_AFTER, read only while executing; var ``tests_loaded_after`` also works); for those
  models a test reads only what the rows loaded since could have broken:
    - row-by-row tests (not-null, accepted values, references from the row): the new rows;
    - uniqueness tests: every row sharing a key with a new row (an older copy counts as a duplicate).
  Everything older passed the same tests before it was published. For the incremental report models, which
  replace whole (account_id, date) days, VOXLINK_TESTS_DAYS_LOADED_AFTER (var ``tests_days_loaded_after``)
  gives the same per model; a test then reads every row of each day holding a row loaded since (the days the
  build replaced, uniqueness included: a duplicate shares its key's day). A full build passes nothing, so
  every row is tested. A test's own ``where`` still applies.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set loaded_after = var('tests_loaded_after', none)
            or (fromjson(env_var('VOXLINK_TESTS_LOADED_AFTER', '{}')) if execute else {}) -%}
    {%- set days_loaded_after = var('tests_days_loaded_after', none)
            or (fromjson(env_var('VOXLINK_TESTS_DAYS_LOADED_AFTER', '{}')) if execute else {}) -%}
    {%- set since = loaded_after.get(relation.identifier) -%}
    {%- set day_since = days_loaded_after.get(relation.identifier) -%}
    {%- set filters = [] -%}
    {%- if day_since -%}
        {%- do filters.append("exists (select 1 from " ~ relation ~ " as fresh where fresh._loaded_at > cast('"
                              ~ day_since ~ "' as " ~ instant_type() ~ ") and fresh.account_id = tested.account_id"
                              ~ " and fresh.date = tested.date)") -%}
    {%- elif since -%}
        {%- set fresh = "_loaded_at > cast('" ~ since ~ "' as " ~ instant_type() ~ ")" -%}
        {%- set keys = _tested_key_columns() -%}
        {%- if keys -%}
            {%- set same_key = [] -%}
            {%- for key in keys -%}
                {%- do same_key.append("fresh." ~ key ~ " = tested." ~ key) -%}
            {%- endfor -%}
            {%- do filters.append("exists (select 1 from " ~ relation ~ " as fresh where fresh." ~ fresh
                                  ~ " and " ~ same_key | join(" and ") ~ ")") -%}
        {%- else -%}
            {%- do filters.append("tested." ~ fresh) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- do filters.append("(" ~ where ~ ")") -%}
    {%- endif -%}
    {%- if filters -%}
        {%- do return("(select * from " ~ relation ~ " as tested where " ~ filters | join(" and ") ~ ") dbt_subquery") -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The key columns of the test being compiled when it is a uniqueness test, else an empty list. -#}
{% macro _tested_key_columns() -%}
    {%- set metadata = model.get('test_metadata') or {} if model is mapping else {} -%}
    {%- set kwargs = metadata.get('kwargs', {}) -%}
    {%- if metadata.get('name') == 'unique' -%}
        {%- do return([kwargs.get('column_name')]) -%}
    {%- elif metadata.get('name') == 'unique_combination_of_columns' -%}
        {%- do return(kwargs.get('columns', [])) -%}
    {%- endif -%}
    {%- do return([]) -%}
{%- endmacro %}
