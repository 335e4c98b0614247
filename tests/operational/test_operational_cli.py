"""``voxlink users|apikeys|webhooks|dialer`` on the module's database."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cli.main import main
from operational.accounts import create_account
from operational.api import create_app
from operational.users import authenticate


def test_users_keys_and_webhook_token(engine: sa.Engine, capsys) -> None:  # type: ignore[no-untyped-def]
    create_account(engine, "cli-co", "America/Chicago")
    assert (
        main(
            [
                "users",
                "create",
                "ada",
                "--account",
                "cli-co",
                "--role",
                "manager",
                "--password",
                "s3cret-pass",
            ]
        )
        == 0
    )
    user = authenticate(engine, "ada", "s3cret-pass")
    assert user is not None and (user.role, user.account_slug) == ("manager", "cli-co")
    assert authenticate(engine, "ada", "wrong-pass") is None and authenticate(engine, "nobody", "x") is None
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select password_hash from users where username = 'ada'")).startswith(
            "$argon2id$"
        )
    assert (
        main(
            ["users", "create", "ada", "--account", "cli-co", "--role", "agent", "--password", "another-pass"]
        )
        == 1
    )
    capsys.readouterr()

    assert main(["apikeys", "create", "--account", "cli-co", "--name", "crm"]) == 0
    key = capsys.readouterr().out.strip()
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select key_id, secret_hash from api_keys")).one()
    assert key.startswith(f"vxk_{stored.key_id}_") and key.split("_", 2)[2] not in stored.secret_hash
    client = TestClient(create_app(engine))
    assert (
        client.post("/api/v1/events", json=[], headers={"Authorization": f"Bearer {key}"}).status_code == 200
    )
    assert main(["apikeys", "revoke", stored.key_id]) == 0
    assert (
        client.post("/api/v1/events", json=[], headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )
    assert main(["apikeys", "revoke", stored.key_id]) == 1

    assert main(["webhooks", "twilio-token", "cli-co", "--token", "tok"]) == 0
    assert main(["dialer", "run", "--once"]) == 0
