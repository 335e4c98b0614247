"""Sign-in against the operational users: argon2 passwords, roles, session timeout and the failed-login limit."""

from __future__ import annotations

import time

import pytest

from app.signin import password_gate
from app.signin.rate_limit import LIMITER, MAX_FAILURES, keys_for
from tests.app.apptest import fresh, sign_in, signed_in
from tests.app.conftest import Stack


def test_the_app_asks_for_a_sign_in_first(app_env: Stack) -> None:
    app = fresh()
    app.run()

    assert [t.value for t in app.title] == ["VoxLink Analytics"]
    assert not app.metric and not app.dataframe
    assert "Data as of" not in " ".join(c.value for c in app.caption)


def test_a_good_password_opens_the_overview_of_the_users_account(app_env: Stack) -> None:
    app = signed_in("north-manager")

    captions = [c.value for c in app.caption]
    assert any(c.startswith("North · Data as of ") for c in captions), captions
    assert app.title[0].value == "Overview"
    assert "Signed in as **north-manager** (manager) · North" in captions


@pytest.mark.parametrize(
    "username, password", [("north-manager", "wrong-password"), ("nobody", "correct-horse-1")]
)
def test_a_wrong_username_or_password_gets_the_same_answer(
    app_env: Stack, username: str, password: str
) -> None:
    app = sign_in(fresh(), username, password)

    assert [e.value for e in app.error] == [password_gate.WRONG]
    assert not app.metric


def test_repeated_failures_lock_the_username_even_with_the_right_password(app_env: Stack) -> None:
    for _ in range(MAX_FAILURES - 1):
        LIMITER.failed(keys_for("north-analyst", None))
    failed = sign_in(fresh(), "north-analyst", "wrong-password")  # the fifth failure, through the form
    assert [e.value for e in failed.error] == [password_gate.WRONG]

    app = sign_in(fresh(), "north-analyst")  # the right password, but locked

    assert app.error and app.error[0].value.startswith("Too many failed sign-ins")
    assert not app.metric
    assert signed_in("north-manager").metric  # another user is not locked


def test_an_idle_session_times_out(app_env: Stack) -> None:
    app = signed_in("north-manager")
    session = app.session_state[password_gate.SESSION_KEY]
    session.last_active_at = time.time() - password_gate.IDLE_TIMEOUT - 1

    app.run()

    assert [t.value for t in app.title] == ["VoxLink Analytics"]
    assert app.warning[0].value == "Your session timed out. Please sign in again."
    assert not app.metric


def test_signing_out_ends_the_session(app_env: Stack) -> None:
    app = signed_in("north-manager")

    app.button(key="sign_out").click().run()

    assert [t.value for t in app.title] == ["VoxLink Analytics"]
    assert not app.metric
