"""The base (scheme, host, port) of the links a response hands out.

In order: ``settings.public_base_url`` when set; else the request's own scheme and ``Host``
header, with ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` taken instead only when the
connection comes from an address in ``settings.api.trusted_proxies`` (anyone else could send
them to make us print links to their host). A ``Host`` that is not a plain host[:port] falls
back to the API's configured address. Links made outside a request use
:func:`podclip.store.links.default_base_url`.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from starlette.requests import Request

from podclip.core.settings import Settings
from podclip.store.links import default_base_url

# host[:port]: a bracketed IPv6 literal or a name/IPv4 of letters, digits, dots and dashes.
_HOST = re.compile(
    r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:\d{1,5})?$"
)
_SCHEMES = frozenset({"http", "https"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def trusted(settings: Settings, client_host: str | None) -> bool:
    """Whether the peer is one of the configured proxies."""
    if not client_host or not settings.api.trusted_proxies:
        return False
    try:
        address = ipaddress.ip_address(client_host)
    except ValueError:
        return False
    return any(address in net for net in _networks(tuple(settings.api.trusted_proxies)))


def _first(value: str | None) -> str | None:
    """The first (client-side) entry of a comma-separated forwarded header."""
    if not value:
        return None
    return value.split(",", 1)[0].strip() or None


def request_base_url(request: Request, settings: Settings) -> str:
    """The base of this request's links (see the module docstring)."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    scheme = request.url.scheme
    host = request.headers.get("host")
    client = request.client.host if request.client else None
    if trusted(settings, client):
        proto = (_first(request.headers.get("x-forwarded-proto")) or "").lower()
        if proto in _SCHEMES:
            scheme = proto
        forwarded_host = _first(request.headers.get("x-forwarded-host"))
        if forwarded_host and _HOST.match(forwarded_host):
            host = forwarded_host
    if scheme not in _SCHEMES or not host or not _HOST.match(host):
        return default_base_url(settings)
    return f"{scheme}://{host}"
