"""Loopback actors for the egress tests: a canary that counts connections, an attacker host.

The canary listens on 127.0.0.1 (a private address the guard must never reach) and counts
every TCP connection it accepts, before any byte is read: a security test passes only if the
count stays 0. The attacker is an HTTP server on 127.0.0.2, which the tests declare public
with ``PODCLIP_EGRESS__TREAT_AS_PUBLIC=127.0.0.2/32``; it serves scripted routes (pages,
redirects, playlists, slow bodies) and records the paths asked for.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ATTACKER_HOST = "127.0.0.2"
PRIVATE_HOST = "127.0.0.1"

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Canary:
    """A private service on 127.0.0.1 that must never see a connection."""

    port: int
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "internal.mp3") -> str:
        return f"http://{PRIVATE_HOST}:{self.port}/{path.lstrip('/')}"


@contextmanager
def canary(port: int = 0) -> Iterator[Canary]:
    """Listen on 127.0.0.1 and count accepted connections (each answered with a small file)."""
    server = socket.create_server((PRIVATE_HOST, port))
    server.settimeout(0.2)
    state = Canary(port=server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with state.lock:
                state.connections += 1
            body = b"INTERNAL SECRET"
            with suppress(OSError):
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def closed_port(host: str = PRIVATE_HOST) -> int:
    """A port on ``host`` with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Attacker:
    """The "public" attacker host on 127.0.0.2: scripted routes, requests recorded."""

    routes: dict[str, Route]
    port: int = 0
    requests: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://{ATTACKER_HOST}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def count(self, path: str) -> int:
        return sum(1 for p in self.requests if p.split("?")[0] == path)


@contextmanager
def attacker(routes: dict[str, Route], port: int = 0) -> Iterator[Attacker]:
    """Serve ``routes`` (path without query -> handler) on 127.0.0.2; 404 for anything else."""
    state = Attacker(routes=dict(routes))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            route(self)

        def do_HEAD(self) -> None:
            self.do_GET()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer((ATTACKER_HOST, port), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def send(
    handler: BaseHTTPRequestHandler, body: bytes, content_type: str, status: int = 200
) -> None:
    """Answer with ``body`` (no body for HEAD)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        with suppress(OSError):  # a client that stops reading (a cap, a refusal) is fine
            handler.wfile.write(body)


def page(body: str, content_type: str = "text/html; charset=utf-8") -> Route:
    """A route answering ``body`` with ``content_type``."""
    return lambda handler: send(handler, body.encode(), content_type)


def file_route(data: bytes, content_type: str) -> Route:
    """A route answering the bytes of a file."""
    return lambda handler: send(handler, data, content_type)


def redirect(location: str, status: int = 302) -> Route:
    """A route answering a redirect to ``location``."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


class RebindingResolver:
    """A stand-in for :func:`podclip.core.netsafe.resolve`: each answer once, the last forever.

    Names not in ``names`` resolve normally, so IP literals and localhost keep working.
    """

    def __init__(self, names: dict[str, list[list[str]]]) -> None:
        self.names = {name: list(answers) for name, answers in names.items()}
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        from podclip.core import netsafe

        with self._lock:
            self.calls.append(host)
            answers = self.names.get(host)
            if answers is None:
                return netsafe.socket_resolve(host, port)
            return answers.pop(0) if len(answers) > 1 else answers[0]
