"""A rule's windowed figure read from the served warehouse: flags counted over the window's calls (or
messages), then the warehouse's own metric function (``abandon_rate(...)``, ``drop_rate(...)``,
``opt_out_rate(...)``: the one definition, ``transforms/macros/metric_functions.sql``). Nothing here divides or
re-derives a metric.

Windows: ``15m``, ``1h``, ``24h`` and ``30d`` trail the evaluation time by start time (calls) or creation time
(messages); ``today`` is the account's local day, exactly the day the reports call that date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from operational.alerts.catalogue import WINDOW_LENGTHS
from operational.alerts.drilldown import drilldown_link
from operational.alerts.firing import Observation
from operational.live import local_day_bounds
from operational.models.alerts import AlertRule
from voxlink import warehouse

# metric → (table, time column, local date column, the value and the volume it is judged on)
_FIGURES: dict[str, tuple[str, str, str, str, str]] = {
    "abandon_rate": ("fct_calls", "started_at", "started_date",
                     "abandon_rate(count_if(is_abandoned), count_if(is_short_abandoned), "
                     "count_if(direction = 'inbound'))",
                     "count_if(direction = 'inbound')"),
    "service_level": ("fct_calls", "started_at", "started_date",
                      "service_level(count_if(is_answered_within_sl), count_if(is_answered), "
                      "count_if(is_abandoned), count_if(is_short_abandoned))",
                      "count_if(direction = 'inbound')"),
    "asa_seconds": ("fct_calls", "started_at", "started_date",
                    "asa_seconds(sum(case when is_answered then wait_seconds else 0 end), count_if(is_answered))",
                    "count_if(is_answered)"),
    "drop_rate_24h": ("fct_calls", "started_at", "started_date",
                      "drop_rate(count_if(is_drop), count_if(is_human_answered))", "count_if(is_human_answered)"),
    "drop_rate_30d": ("fct_calls", "started_at", "started_date",
                      "drop_rate(count_if(is_drop), count_if(is_human_answered))", "count_if(is_human_answered)"),
    "delivery_rate": ("fct_messages", "created_at", "created_date",
                      "delivery_rate(count_if(is_delivered), count_if(is_undelivered), count_if(is_failed))",
                      "count_if(direction = 'outbound')"),
    "opt_out_rate": ("fct_messages", "created_at", "created_date",
                     "opt_out_rate(count_if(is_opt_out), count_if(direction = 'outbound'))",
                     "count_if(direction = 'outbound')"),
}  # fmt: skip
_SCOPE_COLUMNS = {"queue": "queue_name", "campaign": "campaign_name"}


def window_bounds(window: str, timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """The window's [start, end) instants at ``now``; ``today`` starts at the account's local midnight."""
    if window == "today":
        start, _ = local_day_bounds(now.astimezone(ZoneInfo(timezone)).date(), ZoneInfo(timezone))
        return start.astimezone(UTC), now
    return now - WINDOW_LENGTHS[window], now


def windowed_observation(rule: AlertRule, timezone: str, now: datetime) -> Observation:
    """The rule's figure over its window ending at ``now``, as the served warehouse has it."""
    table, time_column, date_column, value, volume = _FIGURES[rule.metric]
    zone = ZoneInfo(timezone)
    start, end = window_bounds(rule.window, timezone, now)
    params: dict[str, Any] = {"start": start, "end": end}
    if rule.window == "today":
        clauses = [f"{date_column} = $day"]
        params = {"day": now.astimezone(zone).date()}
    else:
        clauses = [f"{time_column} >= $start", f"{time_column} < $end"]
    if rule.scope in _SCOPE_COLUMNS:
        clauses.append(f"{_SCOPE_COLUMNS[rule.scope]} = $scope_name")
        params["scope_name"] = rule.scope_name
    sql = (f"select {value} as value, {volume} as volume from {table} "
           f"where account_id = $account_id and {' and '.join(clauses)}")  # fmt: skip
    row = warehouse.query(sql, rule.account_id, params).row(0, named=True)
    figure = float(row["value"]) if row["value"] is not None else None
    link = drilldown_link(rule.metric, rule.scope, rule.scope_name, start.astimezone(zone).date(),
                          end.astimezone(zone).date())  # fmt: skip
    return Observation(figure, int(row["volume"] or 0), start, end, link)
