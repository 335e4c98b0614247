"""``voxlink stream``: the account's live events in a terminal, read from the API's Server-Sent Events stream."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any

from cli.errors import CliError
from cli.registry import Add

KEY_VARIABLE = "VOXLINK_API_KEY"


def add_parsers(add: Add) -> None:
    p = add(
        "stream", stream_command, "print the account's live events (calls, agents, messages) as they happen"
    )
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the API's base URL (default: %(default)s)")
    p.add_argument("--types", help="comma-separated event types, e.g. call:incoming,agent:busy")
    p.add_argument("--queue", help="only this queue's events")
    p.add_argument("--agent", help="only this agent's events")
    p.add_argument("--last-event-id", help="resume after this event id (within the 24 h retention)")
    p.add_argument("--json", action="store_true", help="print each event as one JSON line")


def stream_command(args: argparse.Namespace) -> int:
    import httpx
    import orjson

    key = os.environ.get(KEY_VARIABLE, "")
    if not key:  # never an option: a key on the command line is visible to every user in the process list
        raise CliError(f"set {KEY_VARIABLE} to the account's API key (voxlink apikeys create --account SLUG)")
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    if args.last_event_id:
        headers["Last-Event-ID"] = args.last_event_id
    params = {k: v for k, v in (("types", args.types), ("queue", args.queue), ("agent", args.agent)) if v}
    url = args.url.rstrip("/") + "/api/v1/stream/sse"
    try:
        with httpx.stream(
            "GET", url, headers=headers, params=params, timeout=httpx.Timeout(10, read=None)
        ) as reply:
            if reply.status_code != 200:
                reply.read()
                raise CliError(f"{reply.status_code}: {_message(reply.content)}")
            for event in _events(reply.iter_lines()):
                if event.get("event") == "error":
                    raise CliError(f"the server ended the stream: {event['data']['error']['message']}")
                data = event["data"]
                print(orjson.dumps(data).decode() if args.json else _line(data), flush=True)
    except httpx.HTTPError as err:
        raise CliError(f"cannot read {url}: {err}") from None
    return 0


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    import orjson

    event: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            event[name] = orjson.loads(value) if name == "data" else value


def _line(data: dict[str, Any]) -> str:
    where = " ".join(f"{k}={data[k]}" for k in ("queue", "agent") if data.get(k))
    return f"{data['id']:>8}  {data['occurred_at']}  {data['type']:<17} {where}  {data.get('event_id') or ''}".rstrip()


def _message(content: bytes) -> str:
    import orjson

    try:
        return str(orjson.loads(content)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return content.decode(errors="replace")[:200] or "no answer"
