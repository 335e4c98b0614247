"""``voxlink kiosk-token issue|revoke``: device tokens that sign a wall screen in to one account's wallboard."""

from __future__ import annotations

import argparse
import sys

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add


def add_parsers(add: Add) -> None:
    kiosk = add(
        "kiosk-token", kiosk_token_command, "wallboard sign-in for a wall screen (a revocable device token)"
    )
    sub = kiosk.add_subparsers(dest="action", required=True)
    issue = sub.add_parser("issue", help="issue a token and print its one-time activation link")
    issue.add_argument("--account", required=True, help="account slug")
    issue.add_argument("--name", required=True, help="which screen it is for (e.g. 'floor 2 TV')")
    revoke = sub.add_parser(
        "revoke", help="revoke a token by its id: the screen is signed out within a minute"
    )
    revoke.add_argument("token_id", type=int)


def kiosk_token_command(args: argparse.Namespace) -> int:
    from operational.device_tokens import DeviceTokenError, issue_device_token, revoke_device_token
    from voxlink.settings import get_settings

    engine = ready_engine()
    try:
        if args.action == "issue":
            token = issue_device_token(engine, args.account, args.name)
        else:
            revoke_device_token(engine, args.token_id)
            print(f"revoked device token {args.token_id}")
            return 0
    except DeviceTokenError as err:
        raise CliError(str(err)) from None
    settings = get_settings()
    base = (settings.app_public_url or f"http://localhost:{settings.app_port}/").rstrip("/")
    print(base + token.activation_path())
    print(
        f"device token {token.token_id}: open this link once on the screen within 24 h; it is shown only now",
        file=sys.stderr,
    )
    return 0
