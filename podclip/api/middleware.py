"""Request-scoped plumbing as one plain ASGI middleware (no per-request task or body copy).

It gives every request an id (``req_…``), adds ``X-Request-Id`` and whatever headers the request
collected on the way (the rate-limit headers set during authentication) to every response,
errors included, and turns an unexpected exception into the 500 envelope, logged with its
traceback and never shown to the client.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podclip.api.errors import API_ERROR, error_body

logger = logging.getLogger(__name__)

EXTRA_HEADERS = "response_headers"


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


class RequestContextMiddleware:
    """See the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        extra: dict[str, str] = {}
        state[EXTRA_HEADERS] = extra
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in {"x-request-id": request_id, **extra}.items():
                    key = name.lower().encode("latin-1")
                    if key not in present:
                        headers.append((key, value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception(
                "unhandled error in %s %s (%s)", scope.get("method"), scope.get("path"), request_id
            )
            if started:
                raise
            body = json.dumps(
                error_body(
                    type=API_ERROR,
                    code="internal_error",
                    message="Unexpected server error; quote the request id to report it.",
                    param=None,
                    request_id=request_id,
                )
            ).encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
