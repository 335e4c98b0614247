"""Extract assets: one per operational table, landing in the working warehouse's ``raw`` schema."""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import dagster as dg
from dagster import AssetExecutionContext

from pipelines.extract_tables import RAW_TABLES, extract_table, reset
from pipelines.resources import DUCKDB_POOL, OperationalDatabase, Warehouse
from voxlink.settings import get_settings


def _extract_asset(table: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", table],
        group_name="raw",
        pool=DUCKDB_POOL,
        description=f"Rows of operational `{table}` changed since the last extract (merged on their keys).",
        kinds={"duckdb", "postgres"},
    )
    def _asset(context: AssetExecutionContext, operational_db: OperationalDatabase, warehouse: Warehouse):
        with warehouse.working() as con:
            result = extract_table(
                operational_db.connectorx_uri(), con, table, get_settings().extract_lookback
            )
        context.log.info(
            f"{table}: {result.rows} new or changed of {result.read} rows read after change_seq "
            f"{result.from_seq} in {result.seconds:.2f}s"
        )
        return dg.MaterializeResult(
            metadata={
                "rows": result.rows,
                "rows_read": result.read,
                "watermark": result.to_seq,
                "seconds": round(result.seconds, 3),
            }
        )

    return _asset


extract_assets = [_extract_asset(table) for table in RAW_TABLES]


def reset_raw(warehouse: Warehouse) -> None:
    """Drop the raw schema so the next extract reads everything (used by ``voxlink refresh --full``)."""
    with warehouse.working() as con:
        reset(con)
