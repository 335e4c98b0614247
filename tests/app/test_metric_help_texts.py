"""Each tile's help says what its own number counts, with the account's thresholds, not the defaults."""

from __future__ import annotations

from decimal import Decimal

from app.display.metric_help import help_for, with_thresholds


def test_sms_failed_has_its_own_definition_not_the_delivery_rate_formula() -> None:
    assert help_for("sms_failed") == "Outbound messages whose final status is failed."
    assert help_for("sms_failed") != help_for("delivery_rate")


def test_each_call_status_tile_has_its_own_sentence() -> None:
    texts = [
        help_for(key) for key in ("calls_total", "status_completed", "status_abandoned", "status_in_progress")
    ]

    assert len(set(texts)) == 4
    assert texts[0] == "Every call started in the range, in the chosen direction, whatever its status."
    assert texts[2].startswith("Inbound calls never answered that the caller ended (hung up or cancelled)")


def test_thresholds_show_the_accounts_values() -> None:
    text = with_thresholds(help_for("service_level"), Decimal(5), Decimal(30))

    assert "wait ≤ service-level seconds, 30 s for this account" in text
    assert "20 s" not in text
    short = with_thresholds(help_for("abandon_rate"), Decimal("7.5"), Decimal(30))
    assert "threshold, 7.5 s for this account) are left out" in short


def test_the_dialer_drop_and_the_erlang_outputs_are_defined() -> None:
    assert help_for("drops") == (
        "Outbound calls answered by a person and connected to an agent more than 2 s after the answer, or never "
        "(exactly 2.0 s is not a drop)."
    )
    assert help_for("erlang_roster").endswith("⌈N / (1 − shrinkage)⌉.")
    assert help_for("erlang_asa").startswith("Predicted average speed of answer with N agents")
    assert help_for("live_waiting").startswith("Inbound calls started and neither answered nor ended yet")
