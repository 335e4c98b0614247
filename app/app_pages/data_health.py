"""Data health: when the warehouse was last published, how fresh each source is, and the data checks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from app.components.freshness import banner as freshness_banner
from app.components.quarantine_view import quarantine_section
from app.display import formatting as fmt
from app.display.layout import table
from app.filters.scope import PageRead, current_scope
from app.queries import health, publish

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (health.freshness, health.check_results)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    zone = ZoneInfo(scope.account.timezone)
    st.title("Data health")
    freshness_banner(scope.version, scope.account.timezone)

    info = publish.publish_info(scope.version)
    age = (datetime.now(UTC) - info.published_at).total_seconds()
    first, second, third = st.columns([2, 1, 1])
    first.metric(
        "Last refresh",
        f"{info.published_at.astimezone(zone):%Y-%m-%d %H:%M %Z}",
        help="When the served warehouse was published.",
    )
    second.metric("Age", fmt.duration(age) if age >= 3600 else f"{age / 60:.0f} min")
    third.metric("Publish version", f"{info.version}", help=f"The build took {info.built_seconds:.1f} s.")

    st.subheader("Freshness per source")
    st.caption(
        "The newest event of each source for your account, and when the pipeline last loaded its rows (local time)."
    )
    local = "%Y-%m-%d %H:%M"
    sources = health.freshness(scope).with_columns(  # a source with no rows yet, or never loaded: "never"
        pl.col(c).dt.convert_time_zone(scope.account.timezone).dt.strftime(local).fill_null(fmt.NEVER)
        for c in ("newest_event_at", "loaded_at")
    )
    table(sources, "data-health-freshness", scope, key="freshness")

    quarantine_section(scope)

    st.subheader("Data checks")
    checks = health.check_results(scope)
    if checks is None:
        st.info(
            "No data check has run yet: `voxlink refresh` runs them before every publish, `voxlink check` any time."
        )
    else:
        failed = checks.filter(~pl.col("passed"))
        blocking = failed.filter(pl.col("severity") == "blocking")
        if blocking.is_empty():
            warned = f"; {failed.height} warning(s), listed first" if failed.height else ""
            st.success(f"No blocking check failed in the newest refresh ({checks.height - failed.height} of "
                       f"{checks.height} passed{warned}).")  # fmt: skip
        else:
            st.error(f"{blocking.height} blocking check(s) failed in the newest refresh: it was not published, and "
                     "the data above is the last good publish.")  # fmt: skip
        st.caption(
            "Checks run over the whole warehouse, so failing values are not shown here; `voxlink check` has them."
        )
        checks = checks.with_columns(  # the store's UTC ISO text, shown as local time to the minute
            pl.col("checked_at").str.to_datetime(time_zone="UTC", strict=False).dt.convert_time_zone(zone.key)
        )
        table(checks, "data-health-checks", scope, key="checks")
