"""A Klipit webhook receiver written from the Klipit API document (000_986de8da172a8bc5.txt).

What the document says, and all this receiver assumes:

- "Klipit will POST events to your URL with an HMAC-SHA256 signature in the
  X-Klipit-Signature header": the header is the hex HMAC-SHA256 of the raw body, keyed with the
  secret the webhook was registered with;
- event types ``job.complete``, ``job.failed``, ``job.created``;
- the payload ``{"event", "job_id", "clip_count", "timestamp"}`` (exactly these fields; the
  example's ``job_01…`` id, integer clip count and ``2026-04-08T12:04:12Z`` timestamp).

It runs on 127.0.0.1 in a thread and answers 200 to a delivery it accepts, 400 otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EVENTS = frozenset({"job.complete", "job.failed", "job.created"})
FIELDS = ["event", "job_id", "clip_count", "timestamp"]
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class Rejected(ValueError):
    """The delivery does not verify or is not a Klipit event."""


def verify_klipit(raw_body: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event of a genuine Klipit delivery, else :class:`Rejected`."""
    if not signature:
        raise Rejected("no X-Klipit-Signature header")
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip()):
        raise Rejected("signature mismatch")
    event = json.loads(raw_body)
    if not isinstance(event, dict) or list(event) != FIELDS:
        raise Rejected(f"payload fields are not {FIELDS}")
    if event["event"] not in EVENTS:
        raise Rejected(f"unknown event {event['event']!r}")
    if not str(event["job_id"]).startswith("job_"):
        raise Rejected("job_id is not a job id")
    if not isinstance(event["clip_count"], int) or isinstance(event["clip_count"], bool):
        raise Rejected("clip_count is not an integer")
    if not TIMESTAMP.match(str(event["timestamp"])):
        raise Rejected("timestamp is not ISO 8601 UTC")
    return event


@dataclass(frozen=True)
class Verdict:
    """One delivery as received, and what the receiver made of it."""

    ok: bool
    reason: str
    body: bytes
    headers: dict[str, str]
    event: dict[str, Any] | None


@dataclass
class KlipitReceiver:
    """The running receiver: its URL, the secret it checks with, and its verdicts."""

    secret: str = ""
    port: int = 0
    verdicts: list[Verdict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/klipit") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def judge(self, body: bytes, headers: dict[str, str]) -> Verdict:
        signature = next((v for k, v in headers.items() if k.lower() == "x-klipit-signature"), None)
        try:
            event = verify_klipit(body, signature, self.secret)
        except (Rejected, ValueError) as exc:
            return Verdict(False, str(exc), body, headers, None)
        return Verdict(True, "verified", body, headers, event)


@contextmanager
def run_klipit_receiver() -> Iterator[KlipitReceiver]:
    """Serve a receiver for the block (set ``.secret`` once the webhook is registered)."""
    state = KlipitReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            verdict = state.judge(body, dict(self.headers.items()))
            with state.lock:
                state.verdicts.append(verdict)
            self.send_response(200 if verdict.ok else 400)
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
