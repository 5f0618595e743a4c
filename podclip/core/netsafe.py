"""Decide whether a URL may be fetched: only http(s), only public addresses by default.

Checked before every connection a downloader makes (each redirect hop included), because a
public URL can redirect to ``169.254.169.254`` and a hostname can resolve to ``127.0.0.1``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from podclip.core.errors import InvalidSourceUrl

ALLOWED_SCHEMES = frozenset({"http", "https"})


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses (so not private, loopback, CGNAT, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> str:
    """Return ``url`` if it may be fetched, else raise :class:`InvalidSourceUrl`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidSourceUrl(f"Source URL is malformed: {exc}.") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidSourceUrl(
            f"Only http and https source URLs are supported, not {parts.scheme or 'none'!r}."
        )
    host = parts.hostname
    if not host:
        raise InvalidSourceUrl("Source URL has no host name.")
    if allow_private or not resolve:
        return url
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidSourceUrl(f"Source host {host!r} does not resolve.") from exc
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            raise InvalidSourceUrl(
                f"Source host {host!r} resolves to a private or reserved address ({address}); "
                "set PODCLIP_ALLOW_PRIVATE_URLS=1 to allow it."
            )
    return url
