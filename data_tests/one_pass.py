"""One pass per suite: every rule's violations counted by a single DuckDB aggregate, rows fetched only if any fail.

Handing a whole raw table to great-expectations as a pandas frame costs more than everything else a full
refresh does to that table (tens of millions of rows converted, then scanned once per rule). Each rule the
suites use is a per-row predicate, so its violations can be counted in the same scan for all rules at once;
great-expectations then judges only the rows that break some rule, which yields the same failing counts,
samples and per-account attribution as judging every row, since a passing row adds nothing to any of them.

The predicates follow great-expectations' column-map semantics: a null value is never unexpected except for
``ExpectColumnValuesToNotBeNull``. A suite with a rule this module cannot express (or an option such as
``mostly``) is judged on its whole frame as before.
"""

from __future__ import annotations

from typing import Any

from data_tests.suites import Rule, Suite

_EXPRESSED = {
    "ExpectColumnValuesToNotBeNull": {"column"},
    "ExpectColumnValuesToBeInSet": {"column", "value_set"},
    "ExpectColumnValuesToBeBetween": {"column", "min_value", "max_value", "strict_min", "strict_max"},
}


def _literal(value: Any) -> str:
    """A SQL literal for a rule's constant (suites are code, but quote strings properly all the same)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _column(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def violation(rule: Rule) -> str | None:
    """The SQL predicate true for a row that breaks ``rule``; None when the rule is not expressible here."""
    allowed = _EXPRESSED.get(rule.expectation)
    if allowed is None or not set(rule.kwargs) <= allowed:
        return None
    column = _column(rule.kwargs["column"])
    if rule.expectation == "ExpectColumnValuesToNotBeNull":
        return f"{column} is null"
    if rule.expectation == "ExpectColumnValuesToBeInSet":
        values = [v for v in rule.kwargs["value_set"] if v is not None]
        if not values:
            return f"{column} is not null"
        return f"{column} is not null and {column} not in ({', '.join(_literal(v) for v in values)})"
    low, high = rule.kwargs.get("min_value"), rule.kwargs.get("max_value")
    outside = []
    if low is not None:
        outside.append(f"{column} {'<=' if rule.kwargs.get('strict_min') else '<'} {_literal(low)}")
    if high is not None:
        outside.append(f"{column} {'>=' if rule.kwargs.get('strict_max') else '>'} {_literal(high)}")
    return f"{column} is not null and ({' or '.join(outside)})" if outside else "false"


def predicates(suite: Suite) -> list[str] | None:
    """Every rule's violation predicate, in the suite's order; None if any rule needs the whole frame."""
    found = [violation(rule) for rule in suite.rules]
    return None if any(p is None for p in found) else [p for p in found if p is not None]


def count_sql(suite: Suite, found: list[str]) -> str:
    """One scan of the suite's frame: its row count, then each rule's violating rows."""
    counts = ", ".join(f"count(*) filter (where coalesce({p}, false))" for p in found)
    return f"select count(*), {counts} from ({suite.sql}) as frame"


def failing_rows_sql(suite: Suite, found: list[str]) -> str:
    """The rows of the suite's frame that break at least one rule (what great-expectations is shown)."""
    broken = " or ".join(f"coalesce({p}, false)" for p in found)
    return f"select * from ({suite.sql}) as frame where {broken}"
