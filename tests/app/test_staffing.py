"""Erlang C against published worked examples (the figures below are the publishers', not this code's)."""

from __future__ import annotations

import math

import pytest

from app.staffing.erlang import agents_needed, erlang_c, scheduled, traffic, with_agents

HALF_HOUR = 1800


def test_call_centre_helpers_worked_example() -> None:
    # Call Centre Helper, "Erlang C formula – example" (callcentrehelper.com/erlang-c-formula-example-121281.htm),
    # as reproduced by pyworkforce's README and R's ErlangC package docs: 100 calls in 30 min, AHT 180 s,
    # 80 % in 20 s, 30 % shrinkage → 10 Erlangs; 14 agents: P(wait) 0.1741319, SL 0.88835, ASA 7.8359 s,
    # occupancy 0.7142857; 20 agents rostered.
    result = agents_needed(100, 180, HALF_HOUR, target_seconds=20, target_service_level=0.80, shrinkage=0.30)

    assert result.traffic_erlangs == pytest.approx(10.0)
    assert result.agents == 14
    assert result.wait_probability == pytest.approx(0.1741319, abs=5e-8)
    assert result.service_level == pytest.approx(0.88835, abs=5e-6)
    assert result.asa_seconds == pytest.approx(7.83593701, abs=5e-8)
    assert result.occupancy == pytest.approx(0.7142857, abs=5e-8)
    assert result.scheduled_agents == 20


def test_the_same_example_with_too_few_agents() -> None:
    # The same source's first iteration: 11 agents → P(wait) 0.6821182, far below the target
    eleven = with_agents(11, 100, 180, HALF_HOUR, 20, 0.30)

    assert eleven.wait_probability == pytest.approx(0.6821182, abs=5e-8)
    assert eleven.service_level < 0.80


def test_textbook_identities() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: a call waits with probability ρ
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # (1/2 · 2) / (1 + 1 + 1) for two servers, one Erlang
    assert traffic(360, 240, HALF_HOUR) == pytest.approx(48.0)  # 360 calls of 4 min per half hour


def test_agents_who_cannot_keep_up() -> None:
    result = with_agents(10, 100, 180, HALF_HOUR, 20, 0.0)  # exactly 10 Erlangs on 10 agents

    assert result.wait_probability == 1.0 and result.service_level == 0.0 and math.isinf(result.asa_seconds)


def test_scheduling_rounds_up_but_not_for_floating_point_noise() -> None:
    assert scheduled(14, 0.30) == 20  # 14 / 0.7 is 20.000000000000004 in binary floating point
    assert scheduled(15, 0.30) == 22
    assert scheduled(7, 0.0) == 7


def test_no_calls_need_no_queueing() -> None:
    result = with_agents(1, 0, 180, HALF_HOUR, 20, 0.0)

    assert result.service_level == 1.0 and result.asa_seconds == 0.0
