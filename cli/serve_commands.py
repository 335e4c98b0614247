"""``voxlink app|api|demo``: the long-running processes, supervised as one process tree.

The servers run as child processes under :func:`~cli.process_tree.supervise`: SIGTERM, SIGINT or SIGHUP to the
command stops all of them, and they die with it if it is killed.
"""

from __future__ import annotations

import argparse
import os
import sys

from cli.data_commands import simulate_into
from cli.engine import ready_engine
from cli.process_tree import GRACE_SECONDS, ProcessTree, supervise
from cli.registry import Add
from voxlink.settings import REPO_ROOT, get_settings

DEMO_ACCOUNTS = (("acme", "America/New_York", "Acme Support"), ("globex", "Europe/London", "Globex Sales"))


def add_parsers(add: Add) -> None:
    app_parser = add("app", app, "serve the Streamlit app on loopback")
    app_parser.add_argument("--port", type=int)

    api_parser = add("api", api_command, "serve the HTTP API on loopback")
    api_parser.add_argument("--port", type=int)
    api_parser.add_argument("--workers", type=int, default=2)

    demo_parser = add("demo", demo, "db up, simulate 30 days for two demo accounts, refresh, serve the app")
    demo_parser.add_argument("--days", type=int, default=30)
    demo_parser.add_argument(
        "--no-serve", action="store_true", help="prepare the data but do not start the app"
    )


def app(args: argparse.Namespace) -> int:
    port = args.port or get_settings().app_port
    return supervise(lambda tree: serve_app(tree, port))


def serve_app(tree: ProcessTree, port: int) -> int:
    """Streamlit in a child process until it exits, or until the command is asked to stop (then it is stopped)."""
    env = dict(os.environ, VOXLINK_HOME=str(get_settings().home_dir))
    print(f"VoxLink Analytics is serving on http://127.0.0.1:{port}  (Ctrl+C to stop)", flush=True)
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app" / "streamlit_server.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    return tree.start(command, cwd=REPO_ROOT, env=env).wait()


def api_command(args: argparse.Namespace) -> int:
    return api(args.port or get_settings().api_port, args.workers)


def api(port: int, workers: int) -> int:
    """uvicorn (its supervisor and ``workers`` worker processes) in a child process tree, stopped as a whole."""
    engine = ready_engine()  # start (if embedded) and migrate once, before the workers connect
    from exports.alerts.evaluator import start_thread

    start_thread(engine)  # one alert evaluator beside the workers (issue 19)
    print(f"VoxLink API on http://127.0.0.1:{port}  (OpenAPI at /docs; Ctrl+C to stop)", flush=True)
    command = [
        sys.executable, "-m", "uvicorn", "cli.api_app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
        # uvicorn would believe X-Forwarded-* from loopback; the app decides whom to believe (edge.py)
        "--no-proxy-headers",
        # open requests (a live stream) get this long to finish before the workers close them
        "--timeout-graceful-shutdown", str(int(GRACE_SECONDS // 2)),
        # the stream's frames are small and go to many clients: compressing each client's copy cost more CPU
        # than the whole fan-out (stream_bench: p95 2.3 s with deflate, 174 ms without, 50 clients x 1,000/s)
        "--ws-per-message-deflate", "false",
    ]  # fmt: skip
    return supervise(lambda tree: tree.start(command, cwd=REPO_ROOT).wait())


def demo(args: argparse.Namespace) -> int:
    # stoppable from the first step: a signal during the refresh stops its dbt parse too
    return supervise(lambda tree: _demo(tree, args.days, serve=not args.no_serve))


def _demo(tree: ProcessTree, days: int, *, serve: bool) -> int:
    from pipelines.refresh import run_refresh

    engine = ready_engine()
    for seed, (slug, timezone, name) in enumerate(DEMO_ACCOUNTS, start=1):
        # through each account's own local yesterday: the day its "yesterday" reports and daily e-mails show
        simulate_into(engine, slug, timezone, days, seed, None, name)
    print(run_refresh().summary())
    from app.signin.demo_logins import ensure_demo_users

    print(
        "Sign in to the app as:", *ensure_demo_users(engine, [slug for slug, _, _ in DEMO_ACCOUNTS]), sep="\n"
    )
    print(
        "Report subscriptions (managers and admins) may e-mail any address in:", *_allow_demo_domains(engine)
    )
    if not serve:
        return 0
    from cli.background import start_demo_services

    start_demo_services(tree)
    _start_live_traffic(tree)
    from exports.alerts.evaluator import start_thread

    start_thread(engine)  # alert rules: live figures every 10 s, windowed rates after each refresh (issue 19)
    return serve_app(tree, get_settings().app_port)


def _start_live_traffic(tree: ProcessTree) -> None:
    """Simulated calls, agents and messages keep arriving through the ingest (issue 17): the wallboard moves.

    A child of the demo's process tree, stopped with it; its output goes to VOXLINK_HOME/logs/live-traffic.log.
    """
    import subprocess

    settings = get_settings()
    log_path = settings.home_dir / "logs" / "live-traffic.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "operational.simulator.live"]
    command += [arg for slug, _, _ in DEMO_ACCOUNTS for arg in ("--account", slug)]
    with log_path.open("ab") as log:
        environment = dict(os.environ, VOXLINK_HOME=str(settings.home_dir))
        tree.start(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    print("Live demo traffic is flowing (10x real time): watch the Live wallboard, or ?kiosk=1 for a TV.")


def _allow_demo_domains(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Each demo account lets report e-mails go to ``<slug>.example`` (its users have no addresses)."""
    from exports.recipients import add_allowed_domain
    from operational.accounts import get_account

    return [
        add_allowed_domain(engine, get_account(engine, slug).id, f"{slug}.example")
        for slug, _, _ in DEMO_ACCOUNTS
    ]
