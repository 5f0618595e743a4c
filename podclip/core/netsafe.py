"""Decide where podclip may connect: only http(s), only public addresses by default.

The egress policy is one set of rules shared by every outbound connection: the pinned httpx
transport (:mod:`podclip.core.egress`) and the filtering proxy that yt-dlp and ffmpeg go
through (:mod:`podclip.core.egress_proxy`) both call :func:`resolve_checked`, which resolves a
host once, checks every address it got, and returns the addresses to connect to. Checking a URL
and then letting a library resolve it again is not enough: a TTL-0 name can answer public
first and private second (DNS rebinding).

An address is public only if it is global unicast and not one of the special-purpose ranges,
and IPv6 forms that embed an IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``,
6to4 ``2002::/16``) are judged by that IPv4 address; IPv4-compatible ``::a.b.c.d``, Teredo and
local NAT64 are never public.

:func:`resolve` is the one resolver of the guard; tests replace it to stage DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from podclip.core.errors import InvalidSourceUrl

if TYPE_CHECKING:
    from podclip.core.settings import Settings

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Special-purpose IPv4 ranges (IANA registry) that are never a public web server. Python's
# ``is_global`` misses some of them on 3.11 (multicast, all of 192.0.0.0/24, the 6to4 relay).
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT shared address space
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses outbound connections may reach."""

    allow_private: bool = False
    """Allow every address (tests, one-machine and private deployments)."""
    treat_as_public: tuple[IPNetwork, ...] = field(default=())
    """Networks judged public although they are not (tests only: 127.0.0.2 as an attacker)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> EgressPolicy:
        """The policy that ``settings`` describe (``allow_private_urls`` and ``egress``)."""
        return cls(
            allow_private=settings.allow_private_urls,
            treat_as_public=parse_networks(settings.egress.treat_as_public),
        )

    def permits(self, address: str) -> bool:
        """True if a connection to ``address`` (an IP literal) is allowed."""
        if self.allow_private:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip.version == net.version and ip in net for net in self.treat_as_public):
            return True
        return _is_public(ip)


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (``127.0.0.2/32``) as networks; a bare address is a /32 or /128."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses (so not private, loopback, CGNAT, ...)."""
    return _is_public(ipaddress.ip_address(address.split("%", 1)[0]))


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _is_public(embedded)
        if ip in _IPV4_COMPATIBLE:  # ::a.b.c.d, deprecated; also :: and ::1
            return False
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
            return False
        return bool(ip.is_global) and not ip.is_multicast
    if any(ip in net for net in _BLOCKED_V4):
        return False
    return bool(ip.is_global)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form reaches (mapped, translated, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _IPV4_TRANSLATED or ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def socket_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in resolver order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidSourceUrl(f"Host {host!r} does not resolve.") from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


resolve = socket_resolve
"""The guard's one resolver (looked up at each call, so tests can stage DNS rebinding)."""


def resolve_checked(host: str, port: int, policy: EgressPolicy) -> list[str]:
    """Resolve ``host`` once and return its addresses if every one of them is permitted.

    Raises:
        InvalidSourceUrl: the host does not resolve, or resolves to an address the policy
            refuses (one refused address refuses the host: a resolver may rotate answers).
    """
    host = host.strip("[]")
    try:
        addresses = [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise InvalidSourceUrl(f"Host {host!r} does not resolve.")
    for address in addresses:
        if not policy.permits(address):
            raise InvalidSourceUrl(
                f"Host {host!r} resolves to a private or reserved address ({address}); "
                "set PODCLIP_ALLOW_PRIVATE_URLS=1 to allow it."
            )
    return addresses


def check_url(
    url: str,
    *,
    allow_private: bool,
    resolve: bool = True,
    policy: EgressPolicy | None = None,
) -> str:
    """Return ``url`` if it may be fetched, else raise :class:`InvalidSourceUrl`.

    This is an early, friendly refusal (at submit time, for a clear message); it is not the
    guard. Connections are made only through :mod:`podclip.core.egress`, which resolves and
    checks again and connects to the address it checked.
    """
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
    if not resolve:
        return url
    policy = policy or _default_policy(allow_private)
    if policy.allow_private:
        return url
    resolve_checked(host, port or (443 if parts.scheme.lower() == "https" else 80), policy)
    return url


def _default_policy(allow_private: bool) -> EgressPolicy:
    from podclip.core.settings import get_settings

    treat = parse_networks(get_settings().egress.treat_as_public)
    return EgressPolicy(allow_private=allow_private, treat_as_public=treat)
