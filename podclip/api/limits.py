"""Limits on every request body, applied before the body is parsed and before any key is read.

A plain ASGI middleware in front of the routes (so in front of authentication too):

- a body larger than its route's cap is refused with 413 ``payload_too_large`` (an upload:
  ``upload_too_large``, as the upload reader says it): at once when ``Content-Length`` says so,
  otherwise as soon as the streamed bytes pass the cap (nothing beyond the cap is read);
- a body that arrives too slowly (no chunk for ``body_idle_timeout_seconds``, or a JSON body not
  complete within ``json_body_timeout_seconds``) is refused with 408 ``request_timeout``;
- a JSON body nested deeper than ``max_json_depth``, or one that is not JSON at all, is refused
  with 400 ``invalid_json``, never a 500 from a parser's recursion.

JSON bodies are small (``max_json_bytes``) and are read here whole, then replayed to the app;
uploads (``multipart/form-data`` on the job routes) stream through with a running count against
``max_upload_bytes`` plus room for the form's own fields.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podclip.api.errors import INVALID_REQUEST, error_body
from podclip.core.settings import ApiSettings

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Multipart framing around an upload's bytes: boundaries, part headers, the form's small fields.
FORM_OVERHEAD_BYTES = 64 * 1024
# Only these bytes change the nesting depth or hide brackets inside strings.
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


@dataclass(frozen=True)
class Refusal:
    """An answer given by the middleware itself, in the API's error envelope."""

    status: int
    code: str
    message: str
    param: str | None = None


class BodyLimitMiddleware:
    """See the module docstring."""

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        upload = headers.get("content-type", "").lower().startswith("multipart/form-data")
        cap = (
            self.settings.max_upload_bytes + FORM_OVERHEAD_BYTES
            if upload
            else (self.settings.max_json_bytes)
        )
        declared = _declared_length(headers.get("content-length"))
        if declared is None and "content-length" in headers:
            await _refuse(scope, send, Refusal(400, "invalid_request", "Bad Content-Length."))
            return
        if declared is not None and declared > cap:
            await _refuse(scope, send, _too_large(cap, upload=upload))
            return
        if upload:
            await self._stream(scope, receive, send, cap)
            return
        body_or_refusal = await self._read_small(receive, cap)
        if isinstance(body_or_refusal, Refusal):
            await _refuse(scope, send, body_or_refusal)
            return
        body = body_or_refusal
        declared_json = _is_json(headers.get("content-type", ""))
        # Routes that read a raw body parse it as JSON whatever its type says: check what looks
        # like JSON too, for depth at least.
        if body and (declared_json or body.lstrip()[:1] in (b"[", b"{")):
            problem = json_problem(body, self.settings.max_json_depth, parse=declared_json)
            if problem:
                await _refuse(scope, send, Refusal(400, "invalid_json", problem))
                return
        await self.app(scope, _replay(body, receive), send)

    async def _read_small(self, receive: Receive, cap: int) -> bytes | Refusal:
        """The whole body (at most ``cap`` bytes), or why it was refused."""
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.json_body_timeout_seconds
        while True:
            wait = min(self.settings.body_idle_timeout_seconds, deadline - loop.time())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.0))
            except TimeoutError:
                return Refusal(408, "request_timeout", "The request body arrived too slowly.")
            if message["type"] == "http.disconnect":
                return Refusal(400, "invalid_request", "The client went away mid-body.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                return _too_large(cap)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """Pass an upload through, counting it; answer 413/408 ourselves when it goes wrong."""
        size = 0
        refused = False
        idle = self.settings.body_idle_timeout_seconds

        async def counted() -> Message:
            nonlocal size, refused
            if refused:
                return {"type": "http.disconnect"}
            try:
                message = await asyncio.wait_for(receive(), timeout=idle)
            except TimeoutError:
                refused = True
                await _refuse(scope, send, Refusal(408, "request_timeout", "Upload too slow."))
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > cap:
                    refused = True
                    await _refuse(scope, send, _too_large(cap, upload=True))
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # once we have answered, the app's own answer is dropped
                await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not refused:
                raise


def json_problem(body: bytes, max_depth: int, *, parse: bool = True) -> str | None:
    """Why ``body`` is not acceptable JSON (too deep, or with ``parse`` not JSON), or None.

    Depth is counted over brackets outside strings before any parser sees the body, so a
    100,000-deep array costs one scan, not a recursion.
    """
    depth = 0
    in_string = False
    escaped = False
    for match in _STRUCTURE.finditer(body):
        char = match.group()
        if in_string:
            if escaped:
                escaped = False
            elif char == b"\\":
                # An escape consumes the next byte only when it is adjacent.
                escaped = body[match.end() : match.end() + 1] in (b'"', b"\\")
                if escaped:
                    continue
            elif char == b'"':
                in_string = False
            continue
        if char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels."
        elif char in (b"]", b"}"):
            depth -= 1
    if not parse:
        return None
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return "The body is not valid JSON."
    return None


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _declared_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _too_large(cap: int, *, upload: bool = False) -> Refusal:
    if upload:
        return Refusal(413, "upload_too_large", f"The upload exceeds {cap} bytes.", "file")
    return Refusal(413, "payload_too_large", f"The request body exceeds {cap} bytes.")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as Starlette expects

    return replay


async def _refuse(scope: Scope, send: Send, refusal: Refusal) -> None:
    request_id = str(scope.get("state", {}).get("request_id", ""))
    body = json.dumps(
        error_body(
            type=INVALID_REQUEST,
            code=refusal.code,
            message=refusal.message,
            param=refusal.param,
            request_id=request_id,
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
