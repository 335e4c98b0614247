"""Asset checks: the great-expectations suites gate the raw extracts and the report marts before publish.

Blocking: a failed blocking rule makes the check fail with severity ERROR, so nothing downstream — in
the end the publish — runs, and the last good warehouse stays served. Warnings fail with severity WARN and
publish anyway. Every outcome is also saved under VOXLINK_HOME/quality for the app's Data Health page.

Tenants are isolated: when a raw suite's blocking failures all belong to known accounts, those accounts' new
rows are quarantined (``pipelines.quarantine``) and the check fails with severity WARN, its metadata naming
them, so every other account publishes on the same run; the held accounts' admins are e-mailed once.
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
from pipelines import quarantine
from pipelines.alerts import notify_quarantined
from pipelines.quarantine_requests import apply_requests
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
        **(
            {
                "quarantined_accounts": sorted({h["account_id"] for h in outcome.quarantined}),
                "quarantined": dg.MetadataValue.json(outcome.quarantined),
            }
            if outcome.quarantined
            else {}
        ),
    }


def _check_raw(context: AssetCheckExecutionContext, con, suite: Suite, since: datetime | None):  # type: ignore[no-untyped-def]
    """Apply pending release/drop requests, run the suite (quarantining what it can), and tell who is held."""
    table = suite.asset[-1]
    for done in apply_requests(con, table):
        context.log.info(f"quarantine: {done['action']} of account {done['account_id']}: {done['rows']} rows")
    outcome = quarantine.check_raw(con, suite, datetime.now(UTC), since)
    quarantine.write_snapshot(con)
    notices = quarantine.pending_notices(con)
    if notices:
        from operational.database import get_engine

        quarantine.mark_notified(con, notify_quarantined(get_engine(), notices))
    return outcome


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
            if suite.asset[0] == "raw":
                outcome = _check_raw(context, con, suite, since)
            else:
                outcome = run_suite(con, suite, datetime.now(UTC), "working")
        store.save(outcome)
        context.log.info(outcome.summary())
        blocking = not outcome.passed
        return dg.AssetCheckResult(
            passed=not blocking and not outcome.warnings and not outcome.quarantined,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata=_metadata(outcome),
        )

    return _check


quality_checks = [_suite_check(suite) for suite in ALL_SUITES]
