"""Live wallboard: calls waiting, longest wait, today's abandon rate and service level, agents now — live from
the system of record every 2 s, red/amber/green against the queue's targets, with the published history beside it.

``?kiosk=1`` is the big-screen (TV) mode: large numbers, no sidebar or navigation, no settings. The queue is the
shared sidebar filter (``f_queue`` in the URL, so a kiosk link can name one queue).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from app.components import live_tiles as lt
from app.components.charts import AGENT_STATUS_COLOURS, status_label
from app.components.freshness import banner as freshness_banner
from app.display import formatting as fmt
from app.display.metric_help import help_for
from app.filters import url_state
from app.filters.scope import PageRead, Scope, current_scope
from app.queries import live, publish, wallboard_today
from app.signin import password_gate
from voxlink import warehouse

REFRESH_SECONDS = 2
# The live tiles' help (app.display.metric_help): abandon rate and service level follow the catalogue's formulas.
LIVE_HELP = {
    "Calls waiting": "live_waiting",
    "Longest wait": "live_longest_wait",
    "In progress": "live_in_progress",
    "Offered today": "live_offered",
    "Abandon rate": "abandon_rate",
    "Service level": "service_level",
}
HISTORY_DAYS = 7


def _today(scope: Scope) -> date:
    return datetime.now(ZoneInfo(scope.account.timezone)).date()


# What the page reads from the warehouse with its widgets at their defaults (the live reads are never cached).
READS: tuple[PageRead, ...] = (
    lambda s: wallboard_today.inbound(s.with_range(_today(s), _today(s))),
    lambda s: wallboard_today.inbound(s.with_range(_today(s) - timedelta(days=HISTORY_DAYS - 1), _today(s))),
)


def queue_label(queue: str | None) -> str:
    return "All queues" if queue is None else (queue or "(no queue)")


def live_column(scope: Scope, kiosk: bool) -> None:
    queue = scope.filters.queue
    state = live.now(scope)
    figures, goal = state.queue(queue), live.targets(scope, queue)
    wait = figures.longest_wait_seconds
    row = [
        ("Calls waiting", fmt.count(figures.waiting), lt.longest_wait_rag(wait, goal.longest_wait_seconds), ""),
        ("Longest wait", fmt.seconds(wait) if wait is not None else "0 s",
         lt.longest_wait_rag(wait, goal.longest_wait_seconds), f"target ≤ {goal.longest_wait_seconds} s"),
        ("In progress", fmt.count(figures.in_progress), "none", ""),
        ("Offered today", fmt.count(figures.offered), "none", ""),
        ("Abandon rate", fmt.percent(figures.abandon_rate), lt.abandon_rate_rag(figures.abandon_rate, goal.abandon_rate),
         f"target ≤ {fmt.percent(goal.abandon_rate)}"),
        ("Service level", fmt.percent(figures.service_level),
         lt.service_level_rag(figures.service_level, goal.service_level), f"target ≥ {fmt.percent(goal.service_level)}"),
    ]  # fmt: skip
    for column, pair in zip(st.columns(3), [row[0:2], row[2:4], row[4:6]], strict=True):
        with column:
            for tile in pair:
                st.markdown(lt.tile_html(*tile[:3], kiosk=kiosk, note=tile[3]), unsafe_allow_html=True)
    if not kiosk:  # the live tiles are drawn as HTML, without a help icon: their definitions under them
        st.caption(" · ".join(f"{label}: {help_for(key)}" for label, key in LIVE_HELP.items()))
    agents = [a for a in state.agents if not scope.viewer.is_agent or a.agent == scope.viewer.agent]
    counts = {status: sum(1 for a in agents if a.status == status) for status in AGENT_STATUS_COLOURS}
    st.subheader("Agents now")
    for column, status in zip(st.columns(len(AGENT_STATUS_COLOURS)), AGENT_STATUS_COLOURS, strict=True):
        column.metric(status_label(status), counts[status], help=help_for("agents_now"))
    if agents and not kiosk:
        shown = pl.DataFrame(
            {
                "agent": [a.agent for a in agents],
                "status": [status_label(a.status) for a in agents],
                "for": [fmt.duration((state.at - a.since).total_seconds()) for a in agents],
            }
        )
        st.dataframe(shown, hide_index=True)


def history_column(scope: Scope, today: date) -> None:
    version = warehouse.file_version()
    published = replace(scope, version=version)
    zone = ZoneInfo(scope.account.timezone)
    as_of = publish.publish_info(version).published_at.astimezone(zone)
    st.subheader("Published")
    st.caption(f"Warehouse as of {as_of:%H:%M %Z}")
    freshness_banner(version, scope.account.timezone)
    for label, start in (
        ("Today", today),
        (f"Last {HISTORY_DAYS} days", today - timedelta(days=HISTORY_DAYS - 1)),
    ):
        figures = wallboard_today.inbound(published.with_range(start, today))
        st.metric(f"{label}: offered", fmt.count(figures["offered"]), help=help_for("offered"))
        st.metric(
            f"{label}: abandon rate", fmt.percent(figures["abandon_rate"]), help=help_for("abandon_rate")
        )
        st.metric(
            f"{label}: service level", fmt.percent(figures["service_level"]), help=help_for("service_level")
        )


def targets_form(scope: Scope) -> None:
    queue = scope.filters.queue
    current = live.targets(scope, queue)
    with st.expander(f"Targets · {queue_label(queue)}"), st.form("wallboard_targets"):
        sl = st.text_input("Service level target (%)", f"{current.service_level * 100:.1f}", key="t_sl")
        ab = st.text_input("Abandon rate target (%)", f"{current.abandon_rate * 100:.1f}", key="t_ab")
        wait = st.text_input("Longest wait target (seconds)", str(current.longest_wait_seconds), key="t_wait")
        if st.form_submit_button("Save targets"):
            try:
                live.save_targets(scope.viewer, queue, live.parse_targets(sl, ab, wait))
            except live.TargetError as bad:
                st.error(str(bad))
            else:
                st.success(f"Targets saved for {queue_label(queue)}.")


if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    kiosk = st.query_params.get("kiosk") == "1"
    if kiosk:
        url_state.publish(
            "kiosk", "1"
        )  # the shell rewrites the URL from what pages claim: a reload stays a kiosk
        st.markdown(lt.KIOSK_CSS, unsafe_allow_html=True)
    st.title(f"Live wallboard · {queue_label(scope.filters.queue)}")
    if not kiosk and scope.viewer.role in live.TARGET_ROLES:
        targets_form(scope)  # above the board: a save shows on the board in the same run

    @st.fragment(run_every=REFRESH_SECONDS)
    def board() -> None:
        if password_gate.current_session(activity=False) is None:  # timed out while nobody touched the screen
            st.rerun()
        zone = ZoneInfo(scope.account.timezone)
        today = _today(scope)
        st.caption(f"Today {today} · live from the system of record · checked {datetime.now(zone):%H:%M:%S}")
        now_side, history_side = st.columns([3, 1])
        with now_side:
            live_column(scope, kiosk)
        with history_side:
            history_column(scope, today)

    board()
