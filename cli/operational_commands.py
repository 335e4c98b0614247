"""``voxlink users|apikeys|webhooks|dialer``: the operational core's tenants, API keys, webhooks and dialer."""

from __future__ import annotations

import argparse
import getpass
import random
import sys
import time
from typing import Any

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add


def add_parsers(add: Add) -> None:
    users = add("users", users_command, "manage the people who sign in to the app")
    users_sub = users.add_subparsers(dest="action", required=True)
    create = users_sub.add_parser("create", help="create a user (prompts for the password when absent)")
    create.add_argument("username")
    create.add_argument("--account", required=True, help="account slug")
    create.add_argument("--role", required=True, choices=["admin", "manager", "analyst", "agent"])
    create.add_argument("--password", help="at least 8 characters (default: prompt)")

    keys = add("apikeys", apikeys_command, "API keys for the HTTP API (shown once, stored hashed)")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    new = keys_sub.add_parser("create", help="create a key for an account and print it once")
    new.add_argument("--account", required=True, help="account slug")
    new.add_argument("--name", help="what the key is for")
    new.add_argument("--rate-limit", type=int, default=6000, help="requests per minute (default 6000)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id (the part after vxk_)")
    revoke.add_argument("key_id")

    hooks = add("webhooks", webhooks_command, "provider webhook settings")
    hooks_sub = hooks.add_subparsers(dest="action", required=True)
    token = hooks_sub.add_parser("twilio-token", help="set the Twilio auth token callbacks are signed with")
    token.add_argument("account", help="account slug")
    given = token.add_mutually_exclusive_group()
    given.add_argument("--token-stdin", action="store_true", help="read the auth token from standard input")
    given.add_argument("--token", help="the auth token (visible in the process list and shell history; prefer "
                       "--token-stdin or the prompt, the default)")  # fmt: skip

    dialer = add("dialer", dialer_command, "run the dialer engine over running campaigns")
    dialer_sub = dialer.add_subparsers(dest="action", required=True)
    run = dialer_sub.add_parser("run", help="pace every running campaign through the simulated carrier")
    run.add_argument("--interval", type=float, default=5.0, help="seconds between pacing steps")
    run.add_argument("--once", action="store_true", help="one step, then exit")


def _account_id(engine: Any, slug: str) -> int:
    from operational.accounts import AccountError, get_account

    try:
        return get_account(engine, slug).id
    except AccountError as err:
        raise CliError(str(err)) from None


def users_command(args: argparse.Namespace) -> int:
    from operational.users import UserError, create_user

    engine = ready_engine()
    account_id = _account_id(engine, args.account)
    password = args.password
    if password is None:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the passwords differ")
    try:
        user = create_user(engine, account_id, args.username, args.role, password)
    except UserError as err:
        raise CliError(str(err)) from None
    print(f"created user {user.username} ({user.role}) in account {user.account_slug}")
    return 0


def apikeys_command(args: argparse.Namespace) -> int:
    from operational.keys import ApiKeyError, create_api_key, revoke_api_key

    engine = ready_engine()
    if args.action == "create":
        key = create_api_key(engine, _account_id(engine, args.account), args.name, args.rate_limit)
        print(key.secret)
        print(f"key id {key.key_id}: this is the only time the key is shown", file=sys.stderr)
        return 0
    try:
        revoke_api_key(engine, args.key_id)
    except ApiKeyError as err:
        raise CliError(str(err)) from None
    print(f"revoked {args.key_id}")
    return 0


def webhooks_command(args: argparse.Namespace) -> int:
    from operational.accounts import set_twilio_auth_token

    if args.token is not None:
        print("warning: --token is visible to other users in the process list and stays in your shell "
              "history; use --token-stdin or the prompt", file=sys.stderr)  # fmt: skip
        token = args.token
    elif args.token_stdin:
        token = sys.stdin.readline().strip()
    else:
        token = getpass.getpass("Twilio auth token: ").strip()  # no echo
    try:
        set_twilio_auth_token(ready_engine(), args.account, token or None)
    except ValueError as err:  # AccountError, or a token too long to store encrypted
        raise CliError(str(err)) from None
    print(f"Twilio callbacks for {args.account} are checked against the new token")
    return 0


def dialer_command(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from operational.dialer.carrier import SimulatedCarrier
    from operational.dialer.engine import tick
    from operational.models import Campaign

    engine = ready_engine()
    carrier = SimulatedCarrier(random.Random())
    while True:
        with engine.connect() as conn:
            running = conn.execute(
                sa.select(Campaign.account_id, Campaign.id, Campaign.name).where(Campaign.state == "running")
            ).all()
        for account_id, campaign_id, name in running:
            report = tick(engine, account_id, campaign_id, carrier)
            if report.decisions or report.throttled:
                flag = "  THROTTLED (24 h drop rate over 3 %)" if report.throttled else ""
                print(f"{name}: {report.lines} lines, {report.decisions}{flag}", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)
