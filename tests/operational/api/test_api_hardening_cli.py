"""``voxlink webhooks twilio-token``: the token comes from stdin (never argv), is stored encrypted, and works."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from cli.main import main
from operational.accounts import create_account

TOKEN = "fedcba9876543210fedcba9876543210"


def stored(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        value = conn.scalar(sa.text("select twilio_auth_token from accounts where slug = 'cli-token'"))
    assert isinstance(value, str)
    return value


def test_token_from_stdin_is_stored_encrypted_and_checks_signatures(
    engine: sa.Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    create_account(engine, "cli-token", "Europe/Paris")
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["webhooks", "twilio-token", "cli-token", "--token-stdin"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert TOKEN not in stored(engine)
    url = "http://testserver/webhooks/twilio/cli-token/voice"
    form = {"CallSid": "CA9", "CallStatus": "initiated", "From": "+14155552671", "To": "+12125550123"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    assert client.post(url, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200


def test_token_on_the_command_line_still_works_but_warns(
    engine: sa.Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    create_account(engine, "cli-argv", "Europe/Paris")
    assert main(["webhooks", "twilio-token", "cli-argv", "--token", "argv-token"]) == 0
    assert "process list" in capsys.readouterr().err


def test_a_token_too_long_to_store_is_a_one_line_error(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    create_account(engine, "cli-long", "Europe/Paris")
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 500 + "\n"))
    assert main(["webhooks", "twilio-token", "cli-long", "--token-stdin"]) == 1
    assert "at most 64 characters" in capsys.readouterr().err
