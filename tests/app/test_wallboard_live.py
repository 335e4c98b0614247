"""The wallboard's live half: a scripted minute of events shows the hand-computed figures, coloured against the
queue targets a manager sets on the page; kiosk mode drops the chrome and the settings."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from operational.ingest import ingest_events
from operational.models import QueueTarget
from tests.app.apptest import follow, signed_in
from tests.app.conftest import DEMO_PASSWORD, Stack
from tests.events_factory import CALLER, LINE

TILE = re.compile(r'data-tile="([^"]+)" data-rag="(\w+)".*?class="live-value"[^>]*>([^<]*)<', re.S)


def scripted_minute(now: datetime) -> list[dict[str, Any]]:
    """Five inbound calls in the minute before ``now`` (globex's published data ends in 2025: today is only these)."""
    run = uuid.uuid4().hex[:8]
    events: list[dict[str, Any]] = []

    def call(name: str, start: int, *rest: tuple[str, int, dict[str, str]]) -> None:
        def when(ago: int) -> str:
            return (now - timedelta(seconds=ago)).isoformat()

        call_id = f"wb-{run}-{name}"
        events.append({"event_id": f"{call_id}-s", "type": "call.started", "occurred_at": when(start),
                       "call_id": call_id, "direction": "inbound", "from": CALLER, "to": LINE})  # fmt: skip
        for i, (kind, ago, fields) in enumerate(rest):
            events.append({"event_id": f"{call_id}-{i}", "type": kind, "occurred_at": when(ago), "call_id": call_id}
                          | fields)  # fmt: skip

    queued, human = {"queue": "wallboard-live"}, {"answered_by": "human", "agent": "zed"}
    call(
        "a",
        60,
        ("call.queued", 59, queued),
        ("call.answered", 50, human),
        ("call.ended", 20, {"reason": "completed"}),
    )  # answered after 9 s: within the 20 s service level
    call("b", 58, ("call.queued", 58, queued), ("call.ended", 55, {"reason": "caller_hangup"}))  # 3 s: short
    call(
        "c", 57, ("call.queued", 57, queued), ("call.ended", 27, {"reason": "caller_hangup"})
    )  # 30 s: abandoned
    call(
        "d", 56, ("call.queued", 56, queued), ("call.answered", 26, human)
    )  # 30 s: outside SL, still talking
    call("e", 40, ("call.queued", 40, queued))  # waiting since 40 s ago
    return events  # fmt: skip


def live_tiles(app: AppTest) -> dict[str, tuple[str, str]]:
    """Each live tile on screen: label → (red/amber/green, shown value)."""
    found: dict[str, tuple[str, str]] = {}
    for block in app.markdown:
        for label, rag, value in TILE.findall(block.value):
            found[label] = (rag, value)
    return found


@pytest.fixture(scope="module")
def _minute_stored(stack: Stack) -> None:
    engine = sa.create_engine(stack.database_url)
    try:
        events = scripted_minute(datetime.now(UTC))
        assert ingest_events(engine, stack.accounts["globex"], enumerate(events)).rejected == []
    finally:
        engine.dispose()


@pytest.fixture
def globex_minute(app_env: Stack, _minute_stored: None) -> Stack:
    """The scripted minute is stored (once), and globex has no targets set: the defaults apply."""
    engine = sa.create_engine(app_env.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.delete(QueueTarget).where(QueueTarget.account_id == app_env.accounts["globex"]))
    finally:
        engine.dispose()
    return app_env


def test_wallboard_live_figures_of_a_scripted_minute_are_the_hand_computed_ones(globex_minute: Stack) -> None:
    app = signed_in("globex-manager", "wallboard", password=DEMO_PASSWORD)

    shown = live_tiles(app)
    assert shown["Calls waiting"] == ("green", "1")  # e; longest wait ~40 s against the default 60 s
    assert shown["In progress"][1] == "1"  # d
    assert shown["Offered today"][1] == "5"
    assert shown["Abandon rate"] == ("red", "25.0 %")  # (2 abandoned − 1 short) / (5 − 1) vs the default 5 %
    assert shown["Service level"] == ("red", "33.3 %")  # 1 within 20 s / (2 + 2 − 1) vs the default 80 %


def test_targets_a_manager_sets_recolour_the_live_tiles(globex_minute: Stack) -> None:
    app = signed_in("globex-manager", "wallboard", password=DEMO_PASSWORD)

    app.text_input(key="t_sl").input("30")
    app.text_input(key="t_ab").input("26")
    app.text_input(key="t_wait").input("600")
    next(b for b in app.button if b.label == "Save targets").click().run()

    assert [box.value for box in app.success] == ["Targets saved for All queues."]
    shown = live_tiles(app)
    assert shown["Service level"] == ("green", "33.3 %")  # ≥ 30 %
    assert shown["Abandon rate"] == ("green", "25.0 %")  # ≤ 26 %
    assert shown["Longest wait"][0] == "green"  # ~40 s ≤ 600 s


def test_a_target_out_of_range_is_refused_and_nothing_is_stored(globex_minute: Stack) -> None:
    app = signed_in("globex-manager", "wallboard", password=DEMO_PASSWORD)

    app.text_input(key="t_sl").input("180")
    next(b for b in app.button if b.label == "Save targets").click().run()

    assert [box.value for box in app.error] == [
        "service level must be a percentage between 0 and 100, not '180'"
    ]
    assert live_tiles(app)["Service level"][0] == "red"  # still against the default 80 %


def test_kiosk_mode_hides_the_chrome_and_the_settings_but_shows_the_live_figures(
    globex_minute: Stack,
) -> None:
    app = follow(signed_in("globex-manager", password=DEMO_PASSWORD), "wallboard", {"kiosk": "1"})

    assert any('[data-testid="stSidebar"]' in block.value for block in app.markdown)
    assert not [b for b in app.button if b.label == "Save targets"]
    assert live_tiles(app)["Offered today"][1] == "5"
    assert app.query_params["kiosk"] == "1"  # kept in the URL: a reload of the TV stays in kiosk mode


def test_an_analyst_sees_the_live_board_but_no_target_settings(globex_minute: Stack) -> None:
    app = signed_in("globex-analyst", "wallboard", password=DEMO_PASSWORD)

    assert live_tiles(app)["Offered today"][1] == "5"
    assert not [b for b in app.button if b.label == "Save targets"]
