"""Data Health's quarantine section: the signed-in account's rows held back by the data checks."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.display.layout import table
from app.filters.scope import Scope
from app.queries import health


def quarantine_section(scope: Scope) -> None:
    """What of this account the newest refreshes hold in quarantine, and how it gets released."""
    st.subheader("Quarantine")
    held = health.quarantined(scope)
    if held.is_empty():
        st.success("None of your account's data is held back: every new row passed the blocking checks.")
        return
    rows = held.unique(["table"], keep="first").get_column("held_rows").sum()
    st.warning(
        f"{rows:,} new row(s) of your account failed a blocking data check and are held in quarantine: they are "
        "not in the reports yet (other data of your account loaded before them is). Correct them at the source "
        "and the next refresh checks them again; an operator can also run `voxlink quarantine release|drop`."
    )
    held = held.with_columns(pl.col("since").dt.convert_time_zone(scope.account.timezone))
    table(held, "data-health-quarantine", scope, key="quarantine",
          column_config={"since": st.column_config.DatetimeColumn("since", format="YYYY-MM-DD HH:mm")})  # fmt: skip
