"""The what-if's data-derived inputs are forgotten when the filters they came from change."""

from __future__ import annotations

from typing import Any

from app.staffing.what_if_view import forget_stale_inputs


def test_a_filter_change_drops_the_interval_calls_aht_and_n_but_keeps_the_planners_targets() -> None:
    state: dict[Any, Any] = {}
    forget_stale_inputs(state, ("acme", "sales"))
    state.update({"staff_weekday": 3, "staff_interval": 600, "staff_calls_3_600": 9.0, "staff_aht_3_600": 200.0,
                  "staff_n_6": 6, "staff_target": 0.9, "staff_shrinkage": 0.2, "direction": "inbound"})  # fmt: skip

    forget_stale_inputs(state, ("acme", "sales"))  # same filters: nothing forgotten
    assert state["staff_calls_3_600"] == 9.0

    forget_stale_inputs(state, ("acme", None))
    assert {k: v for k, v in state.items() if k != "staff_source"} == {
        "staff_target": 0.9,
        "staff_shrinkage": 0.2,
        "direction": "inbound",
    }
