"""``voxlink subscriptions …`` and ``voxlink mail-sink``: report e-mail from the command line."""

from __future__ import annotations

import argparse
from datetime import datetime, time
from pathlib import Path

from cli.engine import ready_engine
from cli.errors import CliError
from cli.registry import Add
from voxlink.settings import get_settings


def _local_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time in HH:MM form: {value!r}") from None


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the instant with its offset, e.g. {value}+00:00")
    return moment


def add_parsers(add: Add) -> None:
    subs = add("subscriptions", subscriptions, "report subscriptions e-mailed on a schedule")
    actions = subs.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="subscribe recipients to a report")
    create.add_argument("name")
    create.add_argument("--account", required=True)
    create.add_argument("--report", required=True)
    create.add_argument("--format", default="xlsx", choices=["csv", "xlsx", "pdf"])
    when = create.add_mutually_exclusive_group(required=True)
    when.add_argument("--daily", action="store_true", help="every day, reporting the day before")
    when.add_argument(
        "--weekly", metavar="DAY", help="on this weekday (mon…sun), reporting the 7 days before"
    )
    when.add_argument("--monthly", metavar="N", type=int, help="on this day of the month, the previous month")
    create.add_argument("--at", required=True, type=_local_time, help="local time HH:MM (account time zone)")
    create.add_argument("--to", action="append", required=True, help="recipient address (repeat for more)")
    create.add_argument("--filter", action="append", default=[], help="COLUMN=VALUE on a text column")
    for name, text in (("list", "list subscriptions and allowed domains"), ("log", "the delivery log")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--account", required=True)
        action.add_argument("--limit", type=int, default=50)
    delete = actions.add_parser("delete", help="remove a subscription and its delivery log")
    delete.add_argument("id", type=int)
    delete.add_argument("--account", required=True)
    due = actions.add_parser("deliver-due", help="deliver what is due now (what the Dagster sensor runs)")
    due.add_argument("--now", type=_instant, help="pretend it is this instant (ISO-8601 with offset)")
    domain = actions.add_parser("allow-domain", help="let report e-mails go to addresses in this domain")
    domain.add_argument("domain")
    domain.add_argument("--account", required=True)
    domain.add_argument("--remove", action="store_true", help="stop allowing it")
    email = actions.add_parser("user-email", help="set the address a user of the account receives reports at")
    email.add_argument("username")
    email.add_argument("email")
    email.add_argument("--account", required=True)

    sink = add("mail-sink", mail_sink, "a local SMTP server that keeps every e-mail (for the demo and tests)")
    sink.add_argument("--port", type=int, help="port on 127.0.0.1 (default: VOXLINK_SMTP_PORT, 8025)")
    sink.add_argument("--dir", help="Maildir to keep e-mails in (default: VOXLINK_HOME/mail)")
    read = sink.add_mutually_exclusive_group()
    read.add_argument("--list", action="store_true", help="list the e-mails kept so far instead of serving")
    read.add_argument(
        "--newest",
        action="store_true",
        help="print the newest e-mail kept and save its attachments (DIR/attachments)",
    )


def subscriptions(args: argparse.Namespace) -> int:
    from operational.accounts import AccountError, get_account

    engine = ready_engine()
    if args.action == "deliver-due":
        return _deliver_due(engine, args.now)
    try:
        account = get_account(engine, args.account)
    except AccountError as err:
        raise CliError(str(err)) from None
    handler = {"create": _create, "list": _list, "log": _log, "delete": _delete, "allow-domain": _domain,
               "user-email": _user_email}[args.action]  # fmt: skip
    from exports.recipients import RecipientError
    from exports.subscriptions import SubscriptionError

    try:
        return handler(engine, account.id, args)
    except (SubscriptionError, RecipientError) as err:
        raise CliError(str(err)) from None


def _create(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.schedule import Schedule, ScheduleError, parse_weekday
    from exports.subscriptions import create_subscription

    try:
        if args.weekly:
            schedule = Schedule("weekly", args.at, weekday=parse_weekday(args.weekly))
        elif args.monthly is not None:
            schedule = Schedule("monthly", args.at, day_of_month=args.monthly)
        else:
            schedule = Schedule("daily", args.at)
    except ScheduleError as err:
        raise CliError(str(err)) from None
    filters = dict(item.split("=", 1) for item in args.filter if "=" in item)
    if len(filters) != len(args.filter):
        raise CliError("--filter takes COLUMN=VALUE")
    ref = create_subscription(engine, account_id, name=args.name, report=args.report, fmt=args.format,
                              schedule=schedule, recipients=args.to, filters=filters)  # fmt: skip
    print(f"created {ref.describe()}")
    return 0


def _list(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.recipients import allowed_domains
    from exports.subscriptions import list_subscriptions

    for ref in list_subscriptions(engine, account_id)[: args.limit]:
        print(ref.describe())
    with engine.connect() as conn:
        print(
            f"allowed e-mail domains: {', '.join(allowed_domains(conn, account_id)) or 'none (users only)'}"
        )
    return 0


def _log(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.subscriptions import delivery_log

    for e in delivery_log(engine, account_id, limit=args.limit):
        when = e.sent_at or e.next_attempt_at or e.due_at
        period = f"{e.period_start}" + ("" if e.period_start == e.period_end else f"..{e.period_end}")
        print(f"{e.subscription}\t{period}\t{e.status}\tattempts {e.attempts}\t{when:%Y-%m-%d %H:%M %Z}\t"
              f"{e.last_error or ''}")  # fmt: skip
    return 0


def _delete(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.subscriptions import delete_subscription

    if not delete_subscription(engine, account_id, args.id):
        raise CliError(f"no subscription #{args.id} in account {args.account}")
    print(f"deleted subscription #{args.id}")
    return 0


def _domain(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.recipients import add_allowed_domain, remove_allowed_domain

    if args.remove:
        print("removed" if remove_allowed_domain(engine, account_id, args.domain) else "was not allowed")
    else:
        print(f"report e-mails may go to addresses in {add_allowed_domain(engine, account_id, args.domain)}")
    return 0


def _user_email(engine, account_id: int, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from exports.recipients import set_user_email

    print(
        f"{args.username} receives reports at {set_user_email(engine, account_id, args.username, args.email)}"
    )
    return 0


def _deliver_due(engine, now: datetime | None) -> int:  # type: ignore[no-untyped-def]
    import dagster as dg

    from exports.delivery import current_health, deliver_due
    from pipelines.deliveries import last_failed_refresh_at
    from pipelines.refresh import prepare_dagster_home

    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        failed_at = last_failed_refresh_at(instance)
    outcomes = deliver_due(engine, health=current_health(failed_at), now=now)
    for o in outcomes:
        print(f"{o.subscription}\t{o.period}\t{o.status}\t{o.detail}")
    print(f"{len(outcomes)} deliveries worked on")
    return 1 if any(o.status in ("failed", "retry") for o in outcomes) else 0


def mail_sink(args: argparse.Namespace) -> int:
    from exports.mail_sink import run_sink

    settings = get_settings()
    mail_dir = Path(args.dir) if args.dir else settings.mail_dir
    if args.list or args.newest:
        return _read_mail(mail_dir, args.newest)
    run_sink(mail_dir, args.port or settings.smtp_port)
    return 0


def _read_mail(mail_dir: Path, newest: bool) -> int:
    from exports.mail_sink import body_text, kept_mail, save_attachments

    kept = kept_mail(mail_dir)
    if not kept:
        raise CliError(f"no e-mail in {mail_dir} yet")
    if not newest:
        for mail, _ in kept:
            print(f"{mail.line()}\n    {mail.path}")
        return 0
    mail, message = kept[-1]
    print(f"From: {mail.sender}\nTo: {mail.to}\nSubject: {mail.subject}\nReceived: {mail.received_at:%Y-%m-%d %H:%M:%S %Z}"
          f"\nFile: {mail.path}\n\n{body_text(message)}")  # fmt: skip
    for path in save_attachments(message, mail_dir / "attachments"):
        print(f"attachment saved: {path}")
    return 0
