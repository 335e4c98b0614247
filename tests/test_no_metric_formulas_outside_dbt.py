"""No metric formula outside ``transforms/``: Python and the SQL it holds select and format, never re-derive.

Every ratio and per-call flag is defined once in the dbt project (the facts' flags, the report marts, the metric
functions of ``transforms/macros/metric_functions.sql``). This scan reads the Python under ``app/``,
``exports/``, ``cli/`` and ``voxlink/`` and fails on what a re-derivation looks like:

- a division (``/``, ``//``) whose operands name a metric part (a catalogue column such as ``offered``) or
  aggregate a frame (``pl.col(...)``, ``.sum()``, ``.mean()``, ``.count()``, ``.len()``);
- a sum or difference of two metric parts (``abandoned - short_abandoned``, ``undelivered + failed``), in Python
  or in a string of SQL: a part made of parts is a flag or a column of the facts (``is_counted_abandoned``);
- a frame re-ranked (``.rank(``): a rank is the warehouse's ``rank() over`` (the leaderboard's SQL);
- a string of SQL dividing: ``/ nullif(``, an aggregate divided (``sum(x) / …``), ``case when … > 0 then … /``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from voxlink.catalogue import TEXTS

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("app", "exports", "cli", "voxlink")

# A word in an operand that makes a division a metric's: every catalogue column and the parts they are made of.
METRIC_WORDS = frozenset(TEXTS) | {
    "calls",
    "counted",
    "missed",
    "conversions",
    "drops",
    "delivered",
    "handled",
}
# Catalogue words that name a dimension or a label, not a number: adding or subtracting them is no metric.
DIMENSIONS = frozenset({"date", "agent", "campaign", "channel", "direction", "disposition", "queue", "status",
                        "window", "window_end", "compliant", "rank", "leaderboard_rank"})  # fmt: skip
PARTS = METRIC_WORDS - DIMENSIONS
_PART = "|".join(sorted(PARTS, key=len, reverse=True))
SQL_PART_ARITHMETIC = re.compile(
    rf"\b({_PART})\b\s*\)?\s*[-+]\s*(sum\s*\(\s*)?(\w+\.)?\b({_PART})\b", re.IGNORECASE
)
SQL_TEXT = re.compile(r"\bselect\b|\bsum\s*\(", re.IGNORECASE)
FRAME_AGGREGATE = re.compile(r"\bpl\.col\(|\.(sum|mean|count|len|n_unique)\(")
SQL_DIVISIONS = {
    "divides by nullif(…)": re.compile(r"/\s*nullif\s*\(", re.IGNORECASE),
    "divides an aggregate": re.compile(r"\b(sum|count|avg)\s*\([^()]*\)\s*(::\s*\w+\s*)?/", re.IGNORECASE),
    "case when … > 0 then … /": re.compile(
        r"case\s+when\b[^;]*?>\s*0\s+then\b[^;]*?/", re.IGNORECASE | re.DOTALL
    ),
}

# Seconds to minutes, hours or days (a chart's hours, Excel's day fractions): a change of unit, which is formatting.
UNIT_DIVISORS = frozenset({60, 3600, 86400})

# (file, enclosing function) → why the arithmetic there is not a metric. Keep it short: a metric never belongs here.
ALLOWED: dict[tuple[str, str], str] = {
    # the Erlang C what-if: a queueing model run on the warehouse's figures (load, AHT), not a reported metric
    ("app/staffing/erlang.py", "traffic"): "Erlang C: offered load in Erlangs",
    (
        "app/staffing/erlang.py",
        "with_agents",
    ): "Erlang C: probability of waiting and service level of a what-if roster",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.function}): {self.what}"


def _words(node: ast.AST) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            names.update(re.findall(r"\w+", child.value))
    return names


def _is_metric_division(node: ast.BinOp) -> bool:
    if isinstance(node.right, ast.Constant) and node.right.value in UNIT_DIVISORS:
        return False
    operands = (node.left, node.right)
    if any(FRAME_AGGREGATE.search(ast.unparse(side)) for side in operands):
        return True
    return any(_words(side) & METRIC_WORDS for side in operands)


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add)
        and (_is_text(node.left) or _is_text(node.right))
    )


def _is_part_arithmetic(node: ast.BinOp) -> bool:
    """Two metric parts added or subtracted (text joined with ``+`` is not arithmetic)."""
    if _is_text(node):
        return False
    return all(_words(side) & PARTS for side in (node.left, node.right))


def findings_in(source: str, path: str) -> list[Finding]:
    """Every metric re-derivation in one module's source (``path`` only labels the findings)."""
    tree = ast.parse(source)
    found: list[Finding] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        what = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv)):
            if _is_metric_division(node):
                what = f"divides a metric in Python: {ast.unparse(node)}"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            if _is_part_arithmetic(node):
                what = f"adds or subtracts metric parts in Python: {ast.unparse(node)}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rank":
            what = f"re-ranks in Python: {ast.unparse(node)}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for name, pattern in SQL_DIVISIONS.items():
                if pattern.search(node.value):
                    what = f"SQL {name}"
            # only in SQL: the catalogue's prose states formulas such as "delivered + undelivered + failed"
            if SQL_TEXT.search(node.value) and SQL_PART_ARITHMETIC.search(node.value):
                what = "SQL adds or subtracts metric parts"
        if what and (path, function) not in ALLOWED:
            found.append(Finding(path, getattr(node, "lineno", 0), function, what))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def scanned_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def test_no_python_outside_transforms_derives_a_metric() -> None:
    found = [
        finding
        for path in scanned_files()
        for finding in findings_in(path.read_text(), path.relative_to(ROOT).as_posix())
    ]
    assert [str(f) for f in found] == []


def test_every_allowed_place_still_exists() -> None:
    # an allow-list entry for code that moved or went away would silently allow its next occupant
    for path, function in ALLOWED:
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assert function in names, f"{path}: no function {function} (drop its ALLOWED entry)"


@pytest.mark.parametrize(
    ("planted", "caught"),
    [
        ("rate = totals['abandoned'] / totals['offered']", "divides a metric in Python"),
        ("frame.with_columns(pl.col('offered') / 7)", "divides a metric in Python"),
        ("share = frame['calls'].sum() / 3", "divides a metric in Python"),
        ("ranked = frame.with_columns(pl.col('handled').rank('min', descending=True))", "re-ranks in Python"),
        ("SQL = 'select conversions / nullif(handled, 0) from rpt_agent_daily'", "SQL divides by nullif"),
        (
            "SQL = 'select sum(drops)::double / sum(human_answered) from rpt_dialer_daily'",
            "SQL divides an aggregate",
        ),
        (
            "SQL = '''select case when offered > 0 then abandoned * 1.0 / offered end\n from t'''",
            "SQL case when",
        ),
        ("counted = inbound['abandoned'] - inbound['short_abandoned']", "adds or subtracts metric parts"),
        ("lost = messages['undelivered'] + messages['failed']", "adds or subtracts metric parts"),
        ("frame.with_columns(pl.col('answered') + pl.col('abandoned'))", "adds or subtracts metric parts"),
        ("SQL = 'select sum(abandoned) - sum(short_abandoned) from rpt_abandon_rate_daily'", "SQL adds or"),
        ("SQL = 'select r.answered + r.abandoned from rpt_abandon_rate_daily r'", "SQL adds or"),
    ],
)
def test_a_planted_formula_is_caught(planted: str, caught: str) -> None:
    found = findings_in(f"def page() -> None:\n    {planted}\n", "app/app_pages/planted.py")

    assert len(found) == 1 and found[0].what.startswith(caught) and found[0].line == 2


def test_selecting_and_formatting_is_not_a_formula() -> None:
    source = (
        "def tile(now: dict) -> str:\n"
        "    seconds, rest = divmod(now['talk_seconds'], 60)\n"
        "    hours = pl.col('logged_in_seconds') / 3600\n"
        "    label = 'Offered ' + now['queue'] + ' calls'\n"
        "    note = 'Occupancy: ' + help_for('occupancy') + ' Logged-in: ' + help_for('logged_in_seconds')\n"
        "    days = (scope.end - scope.start).days + 1\n"
        "    return f\"{now['abandon_rate'] * 100:.1f} %\"\n"
        "SQL = 'select abandon_rate(abandoned, short_abandoned, offered) from rpt_abandon_rate_daily'\n"
        "HELP = 'delivered / (delivered + undelivered + failed), outbound messages by final status.'\n"
    )

    assert findings_in(source, "app/display/formatting.py") == []
