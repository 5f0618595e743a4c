"""A filtering HTTP proxy on loopback for the programs podclip does not write: yt-dlp, ffmpeg.

In the manner of Stripe's smokescreen: yt-dlp (its ``proxy`` option) and the ffmpeg it starts
(``HTTP_PROXY``) send every request here, and the proxy applies the same rules as the httpx
transport (:func:`podclip.core.netsafe.resolve_checked`: resolve once, check every address,
connect to the checked one). That covers URLs that only appear mid-extraction: links inside an
RSS page, a redirect served to yt-dlp's second request, HLS segments, a ``twitter:player``
embed. Checking the formats yt-dlp returns is not enough; they are not all the URLs it opens.

It speaks the two forms a proxy client uses: ``CONNECT host:port`` (https, tunnelled as is,
so the client's own TLS checks the name) and absolute-form plain-http requests, forwarded
with ``Connection: close`` (one request per upstream connection, so a kept-alive client
connection can never carry a request to a second, unchecked host).

One proxy serves one download and carries its limits: an overall deadline and a byte cap over
everything relayed to the client. A refused address and a failed connection both answer the
same ``502`` (no port oracle); the proxy records which limit or refusal ended the download.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import SplitResult, urlsplit

from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import EgressPolicy, resolve_checked

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
CHUNK = 64 * 1024
CONNECT_TIMEOUT_SECONDS = 10.0
_REFUSED = (
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n"
    b"Connection: close\r\n\r\nCould not reach the origin."
)
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_HOP_HEADERS = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"host", b"te"}
)


@dataclass
class ProxyReport:
    """What one proxy saw: refusals, limits hit, bytes relayed (for the caller's error)."""

    denied: list[str] = field(default_factory=list)
    """``host:port`` the policy refused."""
    unreachable: list[str] = field(default_factory=list)
    """``host:port`` that were permitted but did not accept a connection."""
    deadline_hit: bool = False
    cap_hit: bool = False
    bytes_relayed: int = 0
    """Bytes sent from origins to the client, over every connection."""


class EgressProxy:
    """A filtering proxy on ``127.0.0.1:<random>`` for one download; use as a context manager."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        deadline_seconds: float,
        max_bytes: int,
        idle_seconds: float = 60.0,
    ) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self.deadline_seconds = deadline_seconds
        self.report = ProxyReport()
        self._deadline = time.monotonic() + deadline_seconds
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The proxy URL to hand to yt-dlp (``proxy``) and ffmpeg (``HTTP_PROXY``)."""
        assert self._server is not None, "start the proxy first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> EgressProxy:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting, and cut every connection still open."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in list(self._open):
                _close(sock)
            self._open.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    # --- per connection (handler threads) -------------------------------------------------

    def left(self) -> float:
        """Seconds until the deadline (negative once it passed)."""
        return self._deadline - time.monotonic()

    def handle(self, client: socket.socket) -> None:
        """Serve one client connection: read its request head, check, connect, relay."""
        self._track(client)
        upstream: socket.socket | None = None
        try:
            client.settimeout(max(0.01, min(self.idle_seconds, self.left())))
            head, rest = _read_head(client)
            if head is None:
                return
            request = _parse_request(head)
            if request is None:
                client.sendall(_BAD_REQUEST)
                return
            method, target, headers = request
            if method == b"CONNECT":
                host, port = _split_authority(target.decode("latin-1"), default_port=443)
                upstream = self._connect(host, port)
                if upstream is None:
                    client.sendall(_REFUSED)
                    return
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                self._relay(client, upstream, rewrite_head=False)
                return
            parts = urlsplit(target.decode("latin-1"))
            if parts.scheme.lower() != "http" or not parts.hostname:
                client.sendall(_BAD_REQUEST)
                return
            port = parts.port or 80
            upstream = self._connect(parts.hostname, port)
            if upstream is None:
                client.sendall(_REFUSED)
                return
            upstream.sendall(_origin_request(method, parts, headers) + rest)
            self._relay(client, upstream, rewrite_head=True)
        except (OSError, ValueError) as exc:
            logger.debug("egress proxy connection ended: %s", exc)
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._untrack(sock)
                    _close(sock)

    def _connect(self, host: str, port: int) -> socket.socket | None:
        where = f"{host}:{port}"
        if self.left() <= 0:
            self.report.deadline_hit = True
            return None
        try:
            addresses = resolve_checked(host, port, self.policy)
        except InvalidSourceUrl as exc:
            logger.info("egress proxy refused %s: %s", where, exc.message)
            with self._lock:
                self.report.denied.append(where)
            return None
        for address in addresses:
            timeout = max(0.01, min(CONNECT_TIMEOUT_SECONDS, self.left()))
            try:
                sock = socket.create_connection((address, port), timeout=timeout)
            except OSError:
                continue
            sock.settimeout(max(0.01, min(self.idle_seconds, self.left())))
            self._track(sock)
            return sock
        with self._lock:
            self.report.unreachable.append(where)
        return None

    def _relay(self, client: socket.socket, upstream: socket.socket, *, rewrite_head: bool) -> None:
        """Copy bytes both ways until the origin is done, the deadline passes or the cap."""
        pending_head = bytearray() if rewrite_head else None
        readers = [client, upstream]
        while True:
            wait = min(self.idle_seconds, self.left())
            if wait <= 0:
                self.report.deadline_hit = True
                return
            ready, _, _ = select.select(readers, [], [], wait)
            if not ready:
                if self.left() <= 0:
                    self.report.deadline_hit = True
                return  # idle
            for sock in ready:
                data = sock.recv(CHUNK)
                if sock is client:
                    if not data:  # the client is done sending; keep reading the answer
                        readers = [upstream]
                        continue
                    upstream.sendall(data)
                    continue
                if not data:
                    if pending_head:
                        client.sendall(bytes(pending_head))
                    return
                if not self._count(len(data)):
                    self.report.cap_hit = True
                    return
                if pending_head is not None:
                    pending_head += data
                    end = pending_head.find(b"\r\n\r\n")
                    if end < 0:
                        if len(pending_head) > MAX_HEAD_BYTES:
                            return
                        continue
                    data = _close_connection(bytes(pending_head[: end + 4])) + bytes(
                        pending_head[end + 4 :]
                    )
                    pending_head = None
                client.sendall(data)

    def _count(self, size: int) -> bool:
        with self._lock:
            self.report.bytes_relayed += size
            return self.report.bytes_relayed <= self.max_bytes

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, proxy: EgressProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.proxy.handle(self.request)


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    """The request head (up to the blank line) and any bytes read past it."""
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > MAX_HEAD_BYTES:
            return None, b""
        data = sock.recv(CHUNK)
        if not data:
            return None, b""
        buffer += data
    end = buffer.index(b"\r\n\r\n") + 4
    return bytes(buffer[:end]), bytes(buffer[end:])


def _parse_request(head: bytes) -> tuple[bytes, bytes, list[tuple[bytes, bytes]]] | None:
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        return None
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            return None
        headers.append((name.strip(), value.strip()))
    return parts[0].upper(), parts[1], headers


def _split_authority(authority: str, *, default_port: int) -> tuple[str, int]:
    parts = urlsplit(f"//{authority}")
    if not parts.hostname:
        raise ValueError(f"bad CONNECT target {authority!r}")
    return parts.hostname, parts.port or default_port


def _origin_request(method: bytes, parts: SplitResult, headers: list[tuple[bytes, bytes]]) -> bytes:
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    authority = parts.netloc.rpartition("@")[2]  # never forward userinfo as a host
    lines = [
        method + b" " + target.encode("latin-1") + b" HTTP/1.1",
        b"Host: " + authority.encode(),
    ]
    lines += [name + b": " + value for name, value in headers if name.lower() not in _HOP_HEADERS]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _close_connection(head: bytes) -> bytes:
    """The response head with its connection headers replaced by ``Connection: close``."""
    lines = head[:-4].split(b"\r\n")
    kept = [lines[0]] + [
        line
        for line in lines[1:]
        if line.partition(b":")[0].strip().lower() not in (b"connection", b"keep-alive")
    ]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n"


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
