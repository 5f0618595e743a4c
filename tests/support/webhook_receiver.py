"""A real webhook receiver on 127.0.0.1: records every POST and answers from a script.

``statuses`` are answered in order (the last one repeats); each request keeps its raw body,
headers and monotonic arrival time, so tests verify signatures on exactly the bytes sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    body: bytes
    headers: dict[str, str]
    at: float
    answered: int


@dataclass
class Receiver:
    """The running server: its URL, what it received, and what it answers next."""

    statuses: list[int]
    port: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next_status(self) -> int:
        with self.lock:
            index = min(len(self.received), len(self.statuses) - 1)
            return self.statuses[index]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until ``count`` requests arrived (bounded); return them."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"got {len(self.received)} of {count} deliveries")
            time.sleep(0.01)
        return list(self.received)


@contextmanager
def receive(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """Run a receiver for the block; it answers ``statuses`` in order (default always 200)."""
    state = Receiver(statuses=list(statuses or [200]))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status = state.next_status()
            with state.lock:
                state.received.append(
                    Received(self.path, body, dict(self.headers.items()), time.monotonic(), status)
                )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
