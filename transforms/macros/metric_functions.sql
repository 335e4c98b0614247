{#-
    The catalogue's range ratios, defined once and created in the warehouse as SQL functions (DuckDB macros,
    PostgreSQL functions) by the on-run-start hook; the publish copies them into the served file, so the
    exports, the app and an analyst's own session call the same definition over summed report-mart parts.

    Rounding (DESIGN.md): rates to 4 places, seconds to 1, half away from zero, from the exact value, with
    exact integer arithmetic (a float division could round 0.00005 the wrong way); empty on a zero denominator.
    Every body is self-contained (no function calls another), so a function works whatever the caller's
    catalog or search path.
-#}

{#- The functions, in creation order: (name, parameters, returns 'number' or 'flag', body).
    per_day is left unrounded: it is the staffing what-if's load (an interval's calls over the days it recurs). -#}
{% macro metric_functions() %}
    {% set rate = metric_rounded_rate %}
    {% set average = metric_rounded_average_seconds %}
    {{ return([
        ('round_rate', ['numerator', 'denominator'], 'number', rate('numerator', 'denominator')),
        ('round_seconds', ['total_seconds'], 'number', metric_rounded_seconds('total_seconds')),
        ('round_average_seconds', ['total_seconds', 'how_many'], 'number', average('total_seconds', 'how_many')),
        ('per_day', ['total', 'days'], 'number', 'case when days > 0 then total / days end'),
        ('abandon_rate', ['abandoned', 'short_abandoned', 'offered'], 'number',
            rate('abandoned - short_abandoned', 'offered - short_abandoned')),
        ('service_level', ['answered_within_sl', 'answered', 'abandoned', 'short_abandoned'], 'number',
            rate('answered_within_sl', 'answered + abandoned - short_abandoned')),
        ('asa_seconds', ['answered_wait_seconds', 'answered'], 'number', average('answered_wait_seconds', 'answered')),
        ('aht_seconds', ['handle_seconds', 'handled'], 'number', average('handle_seconds', 'handled')),
        ('conversion_rate', ['conversions', 'handled'], 'number', rate('conversions', 'handled')),
        ('connect_rate', ['human_answered', 'attempts'], 'number', rate('human_answered', 'attempts')),
        ('drop_rate', ['drops', 'human_answered'], 'number', rate('drops', 'human_answered')),
        ('is_drop_compliant', ['drops', 'human_answered'], 'flag',
            'case when human_answered > 0 then drops * 100 <= human_answered * 3 end'),
        ('delivery_rate', ['delivered', 'undelivered', 'failed'], 'number',
            rate('delivered', 'delivered + undelivered + failed')),
        ('opt_out_rate', ['opt_outs', 'outbound_messages'], 'number', rate('opt_outs', 'outbound_messages')),
        ('disposition_share', ['calls', 'dispositioned_calls'], 'number', rate('calls', 'dispositioned_calls')),
        ('occupancy', ['available_seconds', 'busy_seconds', 'after_call_work_seconds'], 'number',
            rate(metric_micros('busy_seconds + after_call_work_seconds'),
                 metric_micros('available_seconds + busy_seconds + after_call_work_seconds'))),
    ]) }}
{% endmacro %}

{#- numerator / denominator of whole numbers, half away from zero to 4 places; empty when the denominator is 0. -#}
{% macro metric_rounded_rate(numerator, denominator) -%}
    {%- set num = metric_exact(numerator) -%}
    {%- set den = metric_exact(denominator) -%}
    case when {{ den }} > 0
        then {{ metric_scaled(metric_div('2 * ' ~ num ~ ' * 10000 + ' ~ den, '2 * ' ~ den), 4) }} end
{%- endmacro %}

{#- total seconds / how many, half away from zero to 1 place; empty when how many is 0. -#}
{% macro metric_rounded_average_seconds(total, count) -%}
    {%- set num = metric_micros(total) -%}
    {%- set den = metric_exact(count) -%}
    case when {{ den }} > 0
        then {{ metric_scaled(metric_div('2 * ' ~ num ~ ' + ' ~ den ~ ' * 100000', '2 * ' ~ den ~ ' * 100000'), 1) }} end
{%- endmacro %}

{#- The per-engine pieces: exact whole numbers, their floor division, and the decimal result. -#}
{% macro metric_exact(expr) %}{{ return(adapter.dispatch('metric_exact', 'voxlink')(expr)) }}{% endmacro %}
{% macro duckdb__metric_exact(expr) %}{{ return('cast((' ~ expr ~ ') as hugeint)') }}{% endmacro %}
{% macro spark__metric_exact(expr) %}{{ return('cast((' ~ expr ~ ') as decimal(38, 0))') }}{% endmacro %}
{% macro default__metric_exact(expr) %}{{ return('cast((' ~ expr ~ ') as numeric)') }}{% endmacro %}

{#- An exact decimal number of seconds as whole microseconds (widened first: whole seconds may be int32). -#}
{% macro metric_micros(expr) %}
    {{ return(metric_exact('cast((' ~ expr ~ ') as decimal(38, 6)) * 1000000')) }}
{% endmacro %}

{% macro metric_div(num, den) %}{{ return(adapter.dispatch('metric_div', 'voxlink')(num, den)) }}{% endmacro %}
{% macro duckdb__metric_div(num, den) %}{{ return('((' ~ num ~ ') // (' ~ den ~ '))') }}{% endmacro %}
{% macro spark__metric_div(num, den) %}{{ return('((' ~ num ~ ') div (' ~ den ~ '))') }}{% endmacro %}
{% macro default__metric_div(num, den) %}{{ return('div(' ~ num ~ ', ' ~ den ~ ')') }}{% endmacro %}

{% macro metric_scaled(units, places) %}
    {{ return(adapter.dispatch('metric_scaled', 'voxlink')(units, places)) }}
{% endmacro %}
{% macro duckdb__metric_scaled(units, places) %}
    {%- set step = '0.' ~ '0' * (places - 1) ~ '1' -%}
    {{ return('cast(' ~ units ~ ' as decimal(18, 0)) * cast(' ~ step ~ ' as decimal(18, ' ~ places ~ '))') }}
{% endmacro %}
{% macro default__metric_scaled(units, places) %}
    {%- set step = '0.' ~ '0' * (places - 1) ~ '1' -%}
    {{ return('(' ~ units ~ ') * ' ~ step) }}
{% endmacro %}

{#- A sum of seconds to 1 place; round() on an exact decimal is half away from zero on both engines. -#}
{% macro metric_rounded_seconds(total) %}
    {{ return(adapter.dispatch('metric_rounded_seconds', 'voxlink')(total)) }}
{% endmacro %}
{% macro duckdb__metric_rounded_seconds(total) %}
    {{ return('cast(round(' ~ total ~ ', 1) as decimal(18, 1))') }}
{% endmacro %}
{#- Spark's `numeric` is decimal(10, 0): the sum is widened to the micro-second scale first. -#}
{% macro spark__metric_rounded_seconds(total) %}
    {{ return('round(cast(' ~ total ~ ' as decimal(38, 6)), 1)') }}
{% endmacro %}
{% macro default__metric_rounded_seconds(total) %}
    {{ return('round(cast(' ~ total ~ ' as numeric), 1)') }}
{% endmacro %}

{#- The on-run-start hook: (re)create every function in the target schema. -#}
{% macro create_metric_functions() %}
    {%- set statements = [] -%}
    {%- for name, params, returns, body in metric_functions() -%}
        {%- do statements.append(adapter.dispatch('metric_function_ddl', 'voxlink')(name, params, returns, body)) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('run_metric_ddl', 'voxlink')(statements)) }}
{% endmacro %}

{#- The hook's SQL: one script of every statement, where the engine takes several statements at once ... -#}
{% macro default__run_metric_ddl(statements) %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{#- ... Spark takes one statement per call: run each here (only while executing) and leave the hook a no-op. -#}
{% macro spark__run_metric_ddl(statements) %}
    {%- if execute -%}
        {%- for statement in statements -%}{%- do run_query(statement) -%}{%- endfor -%}
    {%- endif -%}
    {{ return('select 1') }}
{% endmacro %}

{% macro duckdb__metric_function_ddl(name, params, returns, body) %}
    {{ return('create or replace macro ' ~ target.schema ~ '.' ~ name ~ '(' ~ params | join(', ') ~ ') as ' ~ body) }}
{% endmacro %}

{#- Spark: SQL functions (Spark 4) with decimal parameters wide enough for summed micro-seconds. -#}
{% macro spark__metric_function_ddl(name, params, returns, body) %}
    {%- set typed = [] -%}
    {%- for param in params -%}{%- do typed.append(param ~ ' decimal(38, 6)') -%}{%- endfor -%}
    {%- set result = 'boolean' if returns == 'flag' else 'decimal(38, 6)' -%}
    {{ return('create or replace function ' ~ target.schema ~ '.' ~ name ~ '(' ~ typed | join(', ') ~ ') returns '
              ~ result ~ ' return ' ~ body) }}
{% endmacro %}

{#- PostgreSQL: typed, immutable SQL functions (a sum of bigints is numeric; bigint arguments cast implicitly). -#}
{% macro default__metric_function_ddl(name, params, returns, body) %}
    {%- set typed = [] -%}
    {%- for param in params -%}{%- do typed.append(param ~ ' numeric') -%}{%- endfor -%}
    {%- set result = 'boolean' if returns == 'flag' else 'numeric' -%}
    {{ return('create or replace function ' ~ target.schema ~ '.' ~ name ~ '(' ~ typed | join(', ') ~ ') returns '
              ~ result ~ ' language sql immutable as $metric$ select ' ~ body ~ ' $metric$') }}
{% endmacro %}

{#- A catalogue function's body, to compute it in a model whose columns carry the function's parameter names: the
    same definition as the SQL function, expanded where the model is built instead of where it is read. -#}
{% macro metric_expression(name) %}
    {%- for function, params, returns, body in metric_functions() if function == name -%}
        {{ return('(' ~ body ~ ')') }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no catalogue function named ' ~ name) }}
{% endmacro %}
