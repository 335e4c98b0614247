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


def refresh_instant(context: AssetCheckExecutionContext) -> datetime:
    """The run's one clock: the ``refresh_at`` its dbt build was given, else the instant the run started.

    Every time-relative rule ("not in the future", "a complete day", "stale") is judged at it, never at the wall
    clock the check happens to run at: a refresh that ends after midnight judges the day it refreshed, not the
    next one, and a refresh at a fixed past instant judges the data as of that instant.
    """
    given: Any = context.run.run_config
    for key in ("ops", "warehouse_models", "config", "refresh_at"):  # run_config → the dbt op's config
        given = given.get(key) if isinstance(given, dict) else None
    if given:
        return datetime.fromisoformat(str(given)).astimezone(UTC)
    record = context.instance.get_run_record_by_id(context.run.run_id)
    started = record.start_time if record is not None else None
    return datetime.fromtimestamp(started, UTC) if started else datetime.now(UTC)


def _check_raw(  # type: ignore[no-untyped-def]
    context: AssetCheckExecutionContext, con, suite: Suite, since: datetime | None, refresh_at: datetime
):
    """Apply pending release/drop requests, run the suite (quarantining what it can), and tell who is held."""
    table = suite.asset[-1]
    for done in apply_requests(con, table):
        context.log.info(f"quarantine: {done['action']} of account {done['account_id']}: {done['rows']} rows")
    outcome = quarantine.check_raw(con, suite, refresh_at, since)
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
        refresh_at = refresh_instant(context)
        with warehouse.working() as con:
            if suite.asset[0] == "raw":
                outcome = _check_raw(context, con, suite, since, refresh_at)
            else:
                outcome = run_suite(con, suite, refresh_at, "working")
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
