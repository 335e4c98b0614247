"""Run suites on frames read from a DuckDB warehouse file with great-expectations (pandas route)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import duckdb

from data_tests.suites import Rule, Suite

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class RuleOutcome:
    suite: str
    expectation: str
    column: str
    severity: str
    why: str
    success: bool
    failing: int
    sample: list[Any]


@dataclass
class SuiteOutcome:
    suite: str
    asset: list[str]
    target: str
    rows: int
    seconds: float
    checked_at: str
    outcomes: list[RuleOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def blocking_failures(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def warnings(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.blocking_failures

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}

    def summary(self) -> str:
        if self.error:
            return f"{self.suite}: could not run ({self.error})"
        failed = [
            f"{o.expectation}({o.column}) {o.failing} failing" for o in self.blocking_failures + self.warnings
        ]
        return f"{self.suite}: {'passed' if self.passed else 'FAILED'} on {self.rows:,} rows" + (
            f" — {'; '.join(failed)}" if failed else ""
        )


@lru_cache(maxsize=1)
def _context() -> Any:
    """One ephemeral great-expectations context per process (importing the library takes seconds)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def warm_up() -> None:
    """Import great-expectations ahead of time (e.g. in a thread while the extract runs)."""
    _context()


def _expectation(rule: Rule) -> Any:
    import great_expectations as gx

    return getattr(gx.expectations, rule.expectation)(**rule.kwargs, meta={"severity": rule.severity})


def run_suite(
    con: duckdb.DuckDBPyConnection, suite: Suite, refresh_at: datetime, target: str
) -> SuiteOutcome:
    """Validate one suite; a query that cannot run (a missing table) is a blocking failure of its own."""
    started = time.perf_counter()
    outcome = SuiteOutcome(suite.name, list(suite.asset), target, 0, 0.0, refresh_at.isoformat())
    try:
        frame = con.sql(
            suite.sql, params={"refresh_at": refresh_at} if "$refresh_at" in suite.sql else None
        ).df()
    except duckdb.Error as err:
        outcome.error = str(err).splitlines()[0]
        outcome.seconds = time.perf_counter() - started
        return outcome
    outcome.rows = len(frame)
    import great_expectations as gx

    context = _context()
    name = f"{target}_{suite.name}"
    try:
        source = context.data_sources.get(name)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(name)
    asset = source.add_dataframe_asset(f"{suite.name}_{time.monotonic_ns()}")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(
        name=f"{name}_{time.monotonic_ns()}", expectations=[_expectation(r) for r in suite.rules]
    )
    result = batch.validate(
        gx_suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS}
    )
    for rule, item in zip(suite.rules, result.results, strict=True):
        details = item.result or {}
        index = details.get("unexpected_index_list") or []
        sample = frame.iloc[index[:SAMPLE_ROWS]].astype(str).to_dict("records") if index else []
        outcome.outcomes.append(
            RuleOutcome(
                suite=suite.name,
                expectation=rule.expectation,
                column=str(rule.kwargs.get("column") or rule.kwargs.get("column_list") or ""),
                severity=rule.severity,
                why=rule.why,
                success=bool(item.success),
                failing=int(details.get("unexpected_count") or (0 if item.success else 1)),
                sample=sample,
            )
        )
    outcome.seconds = time.perf_counter() - started
    return outcome
