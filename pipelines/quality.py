"""Asset checks: the great-expectations suites gate the raw extracts and the report marts before publish.

Blocking: a failed blocking rule makes the check fail with severity ERROR, so nothing downstream — in
the end the publish — runs, and the last good warehouse stays served. Warnings fail with severity WARN and
publish anyway. Every outcome is also saved under VOXLINK_HOME/quality for the app's Data Health page.
"""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetCheckExecutionContext

from data_tests import store
from data_tests.runner import run_suite
from data_tests.suites import ALL_SUITES, Suite
from pipelines.resources import DUCKDB_POOL, Warehouse
from pipelines.tested import published_loads


def _metadata(outcome) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    failing = outcome.blocking_failures + outcome.warnings
    return {
        "rows": outcome.rows,
        "seconds": round(outcome.seconds, 3),
        "failing_rules": len(failing),
        "failures": dg.MetadataValue.json(
            [
                {
                    "rule": f"{o.expectation}({o.column})",
                    "why": o.why,
                    "severity": o.severity,
                    "failing": o.failing,
                    "sample": o.sample,
                }
                for o in failing
            ]  # fmt: skip
        ),
        **({"error": outcome.error} if outcome.error else {}),
    }


def _suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=suite.name,
        blocking=True,
        pool=DUCKDB_POOL,
        additional_deps=[dg.AssetKey(list(key)) for key in suite.reads],
        description="; ".join(dict.fromkeys(rule.why for rule in suite.rules)),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        # raw rows already published passed this suite then; only newer loads need checking
        since = (
            published_loads(Path(warehouse.served_path)).get(suite.asset[-1])
            if suite.asset[0] == "raw"
            else None
        )
        with warehouse.working() as con:
            outcome = run_suite(con, suite, datetime.now(UTC), "working", loaded_after=since)
        store.save(outcome)
        context.log.info(outcome.summary())
        blocking = bool(outcome.error or outcome.blocking_failures)
        return dg.AssetCheckResult(
            passed=not blocking and not outcome.warnings,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata=_metadata(outcome),
        )

    return _check


quality_checks = [_suite_check(suite) for suite in ALL_SUITES]
