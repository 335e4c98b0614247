"""What the API believes about a request's origin: its client address and the public URL it was sent to.

``X-Forwarded-*`` headers are believed only from a configured proxy (any client can send them), and a
configured public base URL outranks the ``Host`` header for the URL Twilio signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.datastructures import Headers
from starlette.types import Scope

from voxlink.settings import Settings

Network = IPv4Network | IPv6Network


@dataclass(frozen=True)
class EdgeConfig:
    public_url: str | None = None  # e.g. https://voxlink.example.com (no trailing slash needed)
    trusted_proxies: tuple[Network, ...] = ()
    failure_limit: int = 20
    failure_window_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> EdgeConfig:
        return cls(
            public_url=settings.public_url or None,
            trusted_proxies=tuple(ip_network(p, strict=False) for p in settings.trusted_proxies),
            failure_limit=settings.auth_failure_limit,
            failure_window_seconds=float(settings.auth_failure_window_seconds),
        )

    def trusts(self, address: str) -> bool:
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _last(headers: Headers, name: str) -> str:
    """The value the nearest proxy set (proxies that append put theirs last)."""
    return headers.get(name, "").split(",")[-1].strip()


def client_address(scope: Scope, config: EdgeConfig) -> str:
    """The client's IP: the peer, or, behind trusted proxies, the nearest untrusted X-Forwarded-For hop."""
    peer = _peer(scope)
    if not config.trusts(peer):
        return peer
    hops = [hop.strip() for hop in Headers(scope=scope).get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not config.trusts(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a garbled hop: the proxy's own address is the one thing known for sure
    return hops[0] if hops else peer


def public_url(scope: Scope, config: EdgeConfig) -> str:
    """The full URL the request was sent to, as the sender (Twilio) saw and signed it."""
    path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    tail = path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
    if config.public_url:
        return config.public_url.rstrip("/") + tail
    headers = Headers(scope=scope)
    scheme, host = scope.get("scheme", "http"), headers.get("host", "")
    if config.trusts(_peer(scope)):
        scheme = _last(headers, "x-forwarded-proto") or scheme
        host = _last(headers, "x-forwarded-host") or host
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}{tail}"
