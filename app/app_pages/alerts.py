"""Alerts: the account's alert rules (create, edit, delete), what is firing now, and the history of firings and
recoveries with a link to the calls behind each number. Managers and admins only."""

from __future__ import annotations

from datetime import time
from typing import Any

import polars as pl
import streamlit as st
from sqlalchemy.engine import Engine

from app.filters.scope import PageRead, current_scope
from app.signin.access import SUBSCRIPTION_ROLES, require_role
from exports.recipients import check_recipients
from operational.alerts import rules
from operational.alerts.catalogue import COMPARISONS, METRICS
from operational.alerts.firing import firing_now, history
from operational.errors import CoreError

NOTICE = "alerts_notice"
NEW = 0  # the rule picker's "new rule" entry

# The page reads the operational database only: nothing of the warehouse to fetch ahead.
READS: tuple[PageRead, ...] = ()


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def _rule_form(account_id: int, current: dict[str, Any] | None) -> None:
    """The form for a new rule (``current`` None) or for editing ``current``."""
    values = current or {}
    metric = st.selectbox("Metric", list(METRICS), format_func=lambda m: METRICS[m].label, key="alert_metric",
                          index=list(METRICS).index(values.get("metric", "abandon_rate")))  # fmt: skip
    spec = METRICS[metric]
    rid = values.get("id", NEW)

    def key(field: str) -> str:  # one key per rule: picking another rule shows that rule's values
        return f"alert_{field}_{rid}"

    unit = {"rate": "a fraction: 0.05 = 5 %", "seconds": "seconds", "calls": "calls"}[spec.unit]
    with st.form("alert_rule"):
        name = st.text_input("Name", value=values.get("name", ""), max_chars=200, key=key("name"))
        left, right = st.columns(2)
        scope = left.selectbox(
            "Scope", spec.scopes, index=_at(spec.scopes, values.get("scope")), key=key("scope")
        )
        scope_name = right.text_input(
            "Queue or campaign name", value=values.get("scope_name") or "", key=key("scope_name")
        )
        window = left.selectbox(
            "Window", spec.windows, index=_at(spec.windows, values.get("window")), key=key("window")
        )
        comparison = right.selectbox(
            "Comparison", COMPARISONS, index=_at(COMPARISONS, values.get("comparison")), key=key("comparison")
        )
        threshold = left.number_input(
            f"Threshold ({unit})", value=float(values.get("threshold", 0.1)), key=key("threshold")
        )
        min_volume = right.number_input(
            "Minimum calls or messages",
            min_value=0,
            value=int(values.get("min_volume", 10)),
            key=key("min_volume"),
        )
        rearm = left.number_input(
            "Re-arm after recovering for (s)",
            min_value=0,
            value=int(values.get("rearm_seconds", 600)),
            key=key("rearm"),
        )
        quiet = right.checkbox(
            "Quiet hours (account local time)", value=values.get("quiet_start") is not None, key=key("quiet")
        )
        quiet_start = left.time_input(
            "Quiet from", value=_time(values.get("quiet_start"), time(22)), key=key("quiet_start")
        )
        quiet_end = right.time_input(
            "Quiet until", value=_time(values.get("quiet_end"), time(7)), key=key("quiet_end")
        )
        recipients = st.text_input(
            "E-mail recipients (comma-separated)",
            value=", ".join(values.get("recipients", [])),
            key=key("recipients"),
        )
        webhook = st.text_input(
            "Webhook URL (optional)", value=values.get("webhook_url") or "", key=key("webhook")
        )
        enabled = st.checkbox("Enabled", value=values.get("enabled", True), key=key("enabled"))
        submitted = st.form_submit_button("Save" if current else "Create")
    if not submitted:
        return
    rule = rules.RuleInput(
        name=name, metric=metric, scope=scope, scope_name=scope_name.strip() or None, window=window,
        comparison=comparison, threshold=threshold, min_volume=int(min_volume), rearm_seconds=int(rearm),
        quiet_start=quiet_start if quiet else None, quiet_end=quiet_end if quiet else None,
        recipients=[a.strip() for a in recipients.split(",") if a.strip()], webhook_url=webhook.strip() or None,
        enabled=enabled,
    )  # fmt: skip
    try:
        if current:
            rules.update_rule(_engine(), account_id, current["id"], rule, check_recipients)
        else:
            rules.create_rule(_engine(), account_id, rule, check_recipients)
    except CoreError as err:
        reasons = "; ".join(f"{d['field']}: {d['reason']}" for d in err.details if d["reason"] != err.message)
        st.error(f"Not saved: {err.message}" + (f" ({reasons})" if reasons else ""))
        return
    st.session_state[NOTICE] = f"Saved “{name}”."
    st.rerun()


def _at(options: tuple[str, ...], value: str | None) -> int:
    return options.index(value) if value in options else 0


def _time(text: str | None, default: time) -> time:
    return time.fromisoformat(text) if text else default


if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    require_role(scope.viewer, SUBSCRIPTION_ROLES, "Alerts")
    account_id = scope.viewer.account_id
    st.title("Alerts")
    st.caption("Rules tell people when a figure goes wrong: once when it starts, again only after it has recovered "
               "for the re-arm time. Rates use the warehouse's own metric definitions after each refresh; calls "
               "waiting and the longest wait are checked every 10 s. The sidebar's filters do not apply here.")  # fmt: skip
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)

    st.subheader("Firing now")
    firing = firing_now(_engine(), account_id)
    if firing:
        st.dataframe(pl.DataFrame(firing), hide_index=True)
    else:
        st.info("Nothing is firing.")

    st.subheader("Rules")
    listed = {r["id"]: r for r in rules.list_rules(_engine(), account_id)}
    if listed:
        st.dataframe(pl.DataFrame(list(listed.values())).drop("id"), hide_index=True)
    chosen_id = st.selectbox("Rule", [NEW, *listed], key="alert_pick",
                             format_func=lambda i: "New rule…" if i == NEW else listed[i]["name"])  # fmt: skip
    chosen = listed.get(chosen_id)
    if chosen is not None and st.button("Delete this rule", key="alert_delete"):
        rules.delete_rule(_engine(), account_id, chosen["id"])
        st.session_state[NOTICE] = f"Deleted “{chosen['name']}” (its history stays)."
        st.rerun()
    _rule_form(account_id, chosen)

    st.subheader("History")
    events = history(_engine(), account_id)
    if events:
        frame = pl.DataFrame(events).with_columns(("/" + pl.col("drilldown")).alias("drilldown"))
        st.dataframe(frame.drop("id", "rule_id"), hide_index=True,
                     column_config={"drilldown": st.column_config.LinkColumn("calls", display_text="open")})  # fmt: skip
    else:
        st.info("No alert has fired yet.")
