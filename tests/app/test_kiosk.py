"""A kiosk (a wall screen signed in by a device token) keeps showing the live wallboard through 40 idle minutes,
where a user's session times out after 30; revoking its token signs it out at the next check.

Time passes through the password gate's injectable clock. AppTest cannot send cookies (Streamlit's AppTest seeds
no ``st.context.cookies``), so the kiosk's session is the one its real cookie's holder starts
(``password_gate.session_of``); the cookie's own round trip is tests/app/test_sign_in_persists.py's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from app.signin import browser_sessions, password_gate
from operational.device_tokens import activate, issue_device_token, revoke_device_token
from operational.ingest import ingest_events
from tests.app.apptest import fresh, signed_in
from tests.app.conftest import DEMO_PASSWORD, Stack
from tests.app.test_wallboard_live import live_tiles, scripted_minute

FORTY_MINUTES = 40 * 60


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(password_gate, "CLOCK", clock)
    return clock


@pytest.fixture(scope="module")
def _acme_minute(stack: Stack) -> None:
    """Its own scripted minute, in acme: test_wallboard_live.py counts globex's today, which must hold only its
    own five calls (storing a second minute there from this module doubled its figures in the full run)."""
    engine = sa.create_engine(stack.database_url)
    try:
        assert (
            ingest_events(
                engine, stack.accounts["acme"], enumerate(scripted_minute(datetime.now(UTC)))
            ).rejected
            == []
        )
    finally:
        engine.dispose()


@pytest.fixture
def acme_minute(app_env: Stack, _acme_minute: None) -> Stack:
    return app_env


@pytest.fixture
def engine(acme_minute: Stack) -> Iterator[sa.Engine]:
    engine = sa.create_engine(acme_minute.database_url)
    yield engine
    engine.dispose()


def kiosk_app(engine: sa.Engine, clock: Clock) -> tuple[AppTest, int]:
    """A fresh screen holding the session its activated device token's cookie signs in; and the token's id."""
    token = issue_device_token(engine, "acme", "floor TV")
    device = activate(engine, token.activation, datetime.now(UTC))
    _, cookie = browser_sessions.start_for_device(engine, device.token_id, datetime.now(UTC))
    held = browser_sessions.holder(engine, cookie, datetime.now(UTC))
    assert held is not None and held.kiosk and held.account_id == device.account_id
    app = fresh()
    app.session_state[password_gate.SESSION_KEY] = password_gate.session_of(held, clock())
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app, token.token_id


def test_a_kiosk_wallboard_still_shows_live_figures_after_40_idle_minutes(
    engine: sa.Engine, clock: Clock
) -> None:
    app, _ = kiosk_app(engine, clock)
    assert app.title[0].value == "Live wallboard · All queues"
    assert live_tiles(app)["Offered today"][1] == "5"  # the scripted minute's five inbound calls

    clock.now += FORTY_MINUTES
    app.run()

    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Live wallboard · All queues"
    assert live_tiles(app)["Offered today"][1] == "5"
    assert app.query_params["kiosk"] == "1"  # kiosk mode whatever the URL said
    assert not [b for b in app.button if b.label == "Save targets"]


def test_a_user_left_idle_40_minutes_on_the_same_board_is_signed_out(
    acme_minute: Stack, clock: Clock
) -> None:
    app = signed_in("acme-manager", "wallboard", password=DEMO_PASSWORD)
    assert live_tiles(app)["Offered today"][1] == "5"

    clock.now += FORTY_MINUTES
    app.run()

    assert [t.value for t in app.title] == ["VoxLink Analytics"]
    assert app.warning[0].value == "Your session timed out. Please sign in again."


def test_revoking_the_device_token_signs_the_kiosk_out_at_its_next_check(
    engine: sa.Engine, clock: Clock
) -> None:
    app, token_id = kiosk_app(engine, clock)

    revoke_device_token(engine, token_id)
    clock.now += password_gate.RECHECK + 1
    app.run()

    assert [t.value for t in app.title] == ["VoxLink Analytics"]
    assert not live_tiles(app)
