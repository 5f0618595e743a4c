"""The egress guard for httpx: resolve once, check every address, connect to the one checked.

Every httpx client podclip makes for untrusted URLs (downloads, feeds, artwork, webhooks) is
built by :func:`guarded_client`. Its transport swaps httpcore's network backend for
:class:`GuardedBackend`, which runs :func:`podclip.core.netsafe.resolve_checked` inside
``connect_tcp`` and opens the socket to that address. The URL keeps its host name, so Host,
SNI and certificate checks use the name while the socket goes only where the policy allowed.
Redirects (followed by hand or by httpx) open new connections, so each hop is checked again.

Two exceptions leave the transport unchanged by httpx (they are not httpcore's):

- :class:`EgressDenied`, an ``httpx.ConnectError``: the policy refused every address. Callers
  report it exactly like a refused or timed-out connection (:data:`UNREACHABLE`), so an open
  private port and a closed one look the same from outside.
- :class:`DeadlineExceeded`, an ``httpx.TimeoutException``: the overall deadline set with
  :func:`deadline` passed. Every connect, read and write waits at most until the deadline, so
  a source that sends one byte every two seconds fails at the deadline, not never.
"""

from __future__ import annotations

import contextvars
import logging
import math
import ssl
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx

from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import EgressPolicy, resolve_checked

logger = logging.getLogger(__name__)

UNREACHABLE = "Could not connect to the source host (refused, unreachable, or not allowed)."
"""The one message for a refused, timed-out or policy-denied connection (no port oracle)."""

_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar(
    "podclip_egress_deadline", default=math.inf
)


class EgressDenied(httpx.ConnectError):
    """The egress policy refused every address of the host; ``detail`` says why (logs only)."""

    def __init__(self, detail: str) -> None:
        super().__init__(UNREACHABLE)
        self.detail = detail


class DeadlineExceeded(httpx.TimeoutException):
    """The overall deadline of the current :func:`deadline` scope passed."""

    def __init__(self, seconds: float | None = None) -> None:
        shown = f" of {seconds:g} s" if seconds is not None else ""
        super().__init__(f"the overall deadline{shown} passed")
        self.seconds = seconds


@contextmanager
def deadline(seconds: float | None) -> Iterator[float]:
    """Bound every guarded connect/read/write in this context (and this thread) by ``seconds``.

    Nested scopes keep the earlier deadline. Yields the deadline (``time.monotonic()`` clock).
    """
    at = math.inf if seconds is None else time.monotonic() + seconds
    at = min(at, _DEADLINE.get())
    token = _DEADLINE.set(at)
    try:
        yield at
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds left in the current :func:`deadline` scope (None: no deadline)."""
    at = _DEADLINE.get()
    return None if at == math.inf else at - time.monotonic()


def deadline_passed() -> bool:
    """True once the current :func:`deadline` scope has run out."""
    return time.monotonic() >= _DEADLINE.get()


def _clamp(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left before the deadline; raise if nothing is left."""
    at = _DEADLINE.get()
    if at == math.inf:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded()
    return left if timeout is None else min(timeout, left)


def _run_clamped(
    call: typing.Callable[[float | None], typing.Any], timeout: float | None
) -> typing.Any:
    try:
        return call(_clamp(timeout))
    except httpcore.TimeoutException:
        if deadline_passed():
            raise DeadlineExceeded() from None
        raise


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every wait ends at the deadline of the current scope."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = _run_clamped(lambda t: self._inner.read(max_bytes, t), timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _run_clamped(lambda t: self._inner.write(buffer, t), timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = _run_clamped(
            lambda t: self._inner.start_tls(ssl_context, server_hostname, t), timeout
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, but ``connect_tcp`` goes only to addresses the policy permits."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve_checked(host, port, self.policy)
        except InvalidSourceUrl as exc:
            logger.info("egress refused %s:%s: %s", host, port, exc.message)
            raise EgressDenied(exc.message) from None
        last: Exception | None = None
        for address in addresses:  # every one was checked; try them in resolver order

            def connect(wait: float | None, address: str = address) -> httpcore.NetworkStream:
                return self._inner.connect_tcp(address, port, wait, local_address, socket_options)

            try:
                stream = _run_clamped(connect, timeout)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise EgressDenied("unix sockets are not reachable through the egress guard")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An ``httpx.HTTPTransport`` whose connections go through :class:`GuardedBackend`."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=20, max_keepalive_connections=10),
    ) -> None:
        context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self.policy = policy
        # httpx builds its pool without a network_backend argument; replace it with one that
        # has ours (no proxy, no unix socket: those would bypass the guard).
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


def guarded_client(
    policy: EgressPolicy,
    *,
    timeout: httpx.Timeout | float,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = False,
) -> httpx.Client:
    """An ``httpx.Client`` for untrusted URLs: pinned, policy-checked, environment ignored.

    ``trust_env=False`` matters: an ``HTTP_PROXY`` variable would send requests to a proxy that
    resolves names itself, past the guard.
    """
    return httpx.Client(
        transport=GuardedTransport(policy),
        timeout=timeout,
        headers=headers,
        follow_redirects=follow_redirects,
        trust_env=False,
    )
