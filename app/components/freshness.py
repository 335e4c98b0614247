"""The served data's age against the refresh schedule: green when fresh, amber when late, a red banner when stale.

The publish is global (one warehouse for every account), so nothing here is account-specific but the clock
shown. The publish record is the page's own cached one (keyed by the file version): no extra warehouse query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from app.queries import publish
from voxlink.freshness import State, assess
from voxlink.warehouse import WarehouseMissing


def banner(version: str, timezone: str = "UTC") -> None:
    """One line under a page's title: "Data as of 14:05 EST — 3 min old; refreshed every 5 min"."""
    try:
        info = publish.publish_info(version)
        freshness = assess(info.version, info.published_at, datetime.now(UTC))
    except WarehouseMissing:
        freshness = assess(None, None, datetime.now(UTC))
    line = freshness.describe(ZoneInfo(timezone), state=False)
    line = line[0].upper() + line[1:]
    # fresh and late are coloured lines, not alert boxes: a page's own success or warning boxes stay its own
    if freshness.state is State.FRESH:
        st.markdown(f":green-background[:material/check_circle: {line}]")
    elif freshness.state is State.LATE:
        st.markdown(
            f":orange-background[:material/schedule: {line} — the latest scheduled refresh has not published yet]"
        )
    elif freshness.state is State.STALE:
        st.error(
            f"Stale data: {line}. Refreshes are failing or stuck; the account admins are e-mailed once. "
            "`voxlink status` shows the last refresh.",
            icon=":material/error:",
        )
    else:
        st.info(f"{line}: run `voxlink refresh`.")
