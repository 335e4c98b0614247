"""Run suites on frames read from a DuckDB warehouse file with great-expectations (pandas route)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import duckdb

from data_tests import one_pass
from data_tests.suites import Rule, Suite

SAMPLE_ROWS = 5
SAMPLE_KEYS = 20  # offending keys kept per account and rule (what an account's admins are told)
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)  # loaded_after that selects every row
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS}


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
    # failing rows per tenant, when the suite's frame carries account_id: [{account_id, rows, keys}]
    accounts: list[dict[str, Any]] = field(default_factory=list)
    unattributed: int = 0  # failing rows that name no account (or a failure not tied to rows at all)


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
    # accounts whose new rows were moved out of the way before this outcome (pipelines.quarantine)
    quarantined: list[dict[str, Any]] = field(default_factory=list)

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
        held = sorted({str(h["account_id"]) for h in self.quarantined})
        failed += [f"new rows of account(s) {', '.join(held)} quarantined"] if held else []
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


def _expectation(rule: Rule, index: int) -> Any:
    import great_expectations as gx

    meta = {"severity": rule.severity, "rule": index}
    return getattr(gx.expectations, rule.expectation)(**rule.kwargs, meta=meta)


def _gx_suite(name: str, suite: Suite) -> Any:
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=name, expectations=[_expectation(r, i) for i, r in enumerate(suite.rules)]
    )


def _validate(context: Any, name: str, frame: Any, suite: Suite) -> Any:
    unique = f"{name}_{time.monotonic_ns()}"
    source = context.data_sources.add_or_update_pandas(name)
    batch = source.add_dataframe_asset(unique).add_batch_definition_whole_dataframe("all")
    return batch.get_batch(batch_parameters={"dataframe": frame}).validate(
        _gx_suite(unique, suite), result_format=RESULT_FORMAT
    )


def _validate_with_docs(context: Any, name: str, frame: Any, suite: Suite) -> Any:
    import great_expectations as gx

    source = context.data_sources.add_or_update_pandas(name)
    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(suite.name)
    try:
        batch = asset.get_batch_definition("all")
    except (KeyError, LookupError, ValueError):
        batch = asset.add_batch_definition_whole_dataframe("all")
    gx_suite = context.suites.add_or_update(_gx_suite(name, suite))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format=RESULT_FORMAT,
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    return next(iter(run.run_results.values()))


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    refresh_at: datetime,
    target: str,
    docs_context: Any | None = None,
    loaded_after: datetime | None = None,
    key_columns: Sequence[str] = (),
) -> SuiteOutcome:
    """Validate one suite; a query that cannot run (a missing table) is a blocking failure of its own.

    ``loaded_after``: validate only raw rows loaded after it (None: every row). Without ``docs_context`` a
    suite whose rules are all per-row predicates reads its table once (:mod:`data_tests.one_pass`).
    With ``docs_context`` (a file-backed great-expectations context) the validation runs through a
    checkpoint that stores its result and updates the Data Docs site; otherwise it runs in memory.
    When the frame has ``account_id``, each failed rule says which accounts its failing rows belong to,
    with a sample of their ``key_columns`` values.
    """
    started = time.perf_counter()
    outcome = SuiteOutcome(suite.name, list(suite.asset), target, 0, 0.0, refresh_at.isoformat())
    # Data Docs show the whole frame; a refresh only needs the verdicts, so it scans once (data_tests.one_pass)
    found = one_pass.predicates(suite) if docs_context is None else None
    try:
        bound = {"refresh_at": refresh_at, "loaded_after": loaded_after or EVERYTHING}
        params = {name: value for name, value in bound.items() if f"${name}" in suite.sql} or None
        if found is None:
            frame = con.sql(suite.sql, params=params).df()
            outcome.rows = len(frame)
        else:
            counts = con.execute(one_pass.count_sql(suite, found), params or {}).fetchall()[0]
            outcome.rows, broken = int(counts[0]), counts[1:]
            frame = (
                con.sql(one_pass.failing_rows_sql(suite, found), params=params).df() if any(broken) else None
            )
    except duckdb.Error as err:
        outcome.error = str(err).splitlines()[0]
        outcome.seconds = time.perf_counter() - started
        return outcome
    if frame is None:  # no row breaks any rule: nothing for great-expectations to judge
        outcome.outcomes = [_passed(suite, rule) for rule in suite.rules]
        outcome.seconds = time.perf_counter() - started
        return outcome
    result = (_validate_with_docs if docs_context is not None else _validate)(
        docs_context or _context(), f"{target}_{suite.name}", frame, suite
    )
    # results do not come back in the suite's order: each carries its rule's index in its meta
    results = sorted(result.results, key=lambda item: item.expectation_config.meta["rule"])
    for rule, item in zip(suite.rules, results, strict=True):
        details = item.result or {}
        index = details.get("unexpected_index_list") or []
        sample = frame.iloc[index[:SAMPLE_ROWS]].astype(str).to_dict("records") if index else []
        failing = int(details.get("unexpected_count") or (0 if item.success else 1))
        accounts, unattributed = _attribute(frame, index, key_columns) if index else ([], failing)
        outcome.outcomes.append(
            RuleOutcome(
                suite=suite.name,
                expectation=rule.expectation,
                column=_column_of(rule),
                severity=rule.severity,
                why=rule.why,
                success=bool(item.success),
                failing=failing,
                sample=sample,
                accounts=[] if item.success else accounts,
                unattributed=0 if item.success else unattributed,
            )
        )
    outcome.seconds = time.perf_counter() - started
    return outcome


def _column_of(rule: Rule) -> str:
    return str(rule.kwargs.get("column") or rule.kwargs.get("column_list") or "")


def _passed(suite: Suite, rule: Rule) -> RuleOutcome:
    return RuleOutcome(suite.name, rule.expectation, _column_of(rule), rule.severity, rule.why, True, 0, [])


def _attribute(frame: Any, index: list[int], key_columns: Sequence[str]) -> tuple[list[dict[str, Any]], int]:
    """Failing rows per account (rows, a sample of their keys) and how many name no account."""
    if "account_id" not in frame.columns:
        return [], len(index)
    failing = frame.iloc[index]
    owned = failing[failing["account_id"].notna()]
    keys = [c for c in key_columns if c in frame.columns and c != "account_id"]
    accounts = []
    for account_id, rows in owned.groupby("account_id", sort=True):
        sample = (
            [_key_text(values) for values in rows[keys].head(SAMPLE_KEYS).itertuples(index=False)]
            if keys
            else []
        )
        accounts.append({"account_id": int(account_id), "rows": len(rows), "keys": sample})
    return accounts, len(failing) - len(owned)


def _key_text(values: Sequence[Any]) -> str:
    """One failing row's key as its admins read it; a missing part reads "(null)" (pandas keeps NaN through str)."""
    from pandas import isna  # the frames are pandas already; imported here so the runner's import stays light

    return "/".join("(null)" if isna(v) else str(v) for v in values)
