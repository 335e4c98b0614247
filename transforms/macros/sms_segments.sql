{#-
  SMS segments of a message body (DESIGN.md metric catalogue, 3GPP TS 23.038):
  a body whose every character is in the GSM-7 default alphabet or its extension table is GSM-7, counted in
  septets (extension characters count twice): 1 segment up to 160 septets, else ceil(septets / 153).
  Any other body is UCS-2, counted in UTF-16 code units (a character outside the BMP, such as most emoji,
  is two): 1 segment up to 70 units, else ceil(units / 67). An empty body is one segment.
-#}

{#- GSM-7 default alphabet (0x09 is capital C-cedilla; lower-case c-cedilla is not in it), as a regex class body. -#}
{% macro gsm7_basic_class() -%}
@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà
{%- endmacro %}

{#- The extension table: each costs two septets. -#}
{% macro gsm7_extension_class() -%}
\^{}\\\[~\]|€\f
{%- endmacro %}

{% macro sms_segments(body) -%}
    {{ return(adapter.dispatch('sms_segments', 'voxlink')(body)) }}
{%- endmacro %}

{#- Each body pays for one regex in the common case: a body of the basic alphabet alone is its length in septets;
    only a body with an extension character, or a UCS-2 one, is scanned again to count what costs double. -#}
{% macro default__sms_segments(body) -%}
    case
        when coalesce({{ body }}, '') = '' then 1
        when {{ regex_full_match(body, '[' ~ gsm7_basic_class() ~ ']*') }} then
            {{ segments_of(dbt.length(body), 160, 153) }}
        when {{ regex_full_match(body, '[' ~ gsm7_basic_class() ~ gsm7_extension_class() ~ ']*') }} then
            {{ segments_of(gsm7_septets(body), 160, 153) }}
        -- at most two UTF-16 units a character: a UCS-2 body of up to 35 characters fits one segment
        when {{ dbt.length(body) }} <= 35 then 1
        else {{ segments_of(utf16_units(body), 70, 67) }}
    end
{%- endmacro %}

{#- 1 segment up to ``single`` units, else ceil(units / ``part``). -#}
{% macro segments_of(units, single, part) -%}
    case
        when {{ units }} <= {{ single }} then 1
        else cast(ceil({{ units }} / {{ part }}.0) as integer)
    end
{%- endmacro %}

{% macro gsm7_septets(body) -%}
    ({{ dbt.length(body) }} + {{ dbt.length(body) }} - {{ dbt.length(strip_chars(body, '[' ~ gsm7_extension_class() ~ ']')) }})
{%- endmacro %}

{% macro strip_chars(body, pattern) -%}
    {{ return(adapter.dispatch('strip_chars', 'voxlink')(body, pattern)) }}
{%- endmacro %}

{% macro default__strip_chars(body, pattern) -%}
    regexp_replace({{ body }}, '{{ pattern | replace("'", "''") }}', '', 'g')
{%- endmacro %}

{#- Spark: a raw literal keeps the backslashes for Java's regex; it replaces every match without a flag. -#}
{% macro spark__strip_chars(body, pattern) -%}
    regexp_replace({{ body }}, {{ spark_regex_literal(pattern) }}, '')
{%- endmacro %}

{#- A Spark raw string literal holding a regex; a quote cannot be escaped inside one, so it is spelled \x{27}. -#}
{% macro spark_regex_literal(pattern) -%}
    r'{{ pattern | replace("'", "\\x{27}") }}'
{%- endmacro %}

{#- Characters outside the Basic Multilingual Plane take two UTF-16 code units. -#}
{% macro utf16_units(body) -%}
    {{ return(adapter.dispatch('utf16_units', 'voxlink')(body)) }}
{%- endmacro %}

{% macro default__utf16_units(body) -%}
    ({{ dbt.length(body) }} * 2 - {{ dbt.length(strip_chars(body, '[\\U00010000-\\U0010FFFF]')) }})
{%- endmacro %}

{% macro spark__utf16_units(body) -%}
    {{ duckdb__utf16_units(body) }}
{%- endmacro %}

{% macro duckdb__utf16_units(body) -%}
    ({{ dbt.length(body) }} * 2 - {{ dbt.length(strip_chars(body, '[\\x{10000}-\\x{10FFFF}]')) }})
{%- endmacro %}

{% macro regex_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'voxlink')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    ({{ value }} ~ '^{{ pattern | replace("'", "''") }}$')
{%- endmacro %}

{% macro spark__regex_full_match(value, pattern) -%}
    ({{ value }} rlike {{ spark_regex_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}

{% macro duckdb__regex_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}


{#- Remove all leading and trailing whitespace, Unicode spaces included (as Python's str.strip does). -#}
{% macro trim_whitespace(value) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'voxlink')(value)) }}
{%- endmacro %}

{% macro default__trim_whitespace(value) -%}
    regexp_replace(
        {{ value }},
        '^[[:space:]\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[[:space:]\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$',
        '',
        'g'
    )
{%- endmacro %}

{% macro spark__trim_whitespace(value) -%}
    regexp_replace({{ value }}, r'^[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]+|[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]+$', '')
{%- endmacro %}

{% macro duckdb__trim_whitespace(value) -%}
    regexp_replace({{ value }}, '^[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]+|[\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]+$', '', 'g')
{%- endmacro %}
