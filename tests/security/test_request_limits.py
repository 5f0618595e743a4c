"""Request bodies are capped, depth-checked and timed before parsing and before authentication.

Findings: a 300 MB body sent without a key grew one worker from 158 MB to 984 MB; a JSON array
100,000 levels deep answered 500. Each test talks raw HTTP to a real API on loopback, so the
client cannot soften what an attacker would send.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.helpers import RELAXED, ApiServer

pytestmark = pytest.mark.network

LIMITS = {
    "PODCLIP_API__MAX_JSON_BYTES": str(64 * 1024),
    "PODCLIP_API__MAX_UPLOAD_BYTES": str(1024**2),
    "PODCLIP_API__BODY_IDLE_TIMEOUT_SECONDS": "1",
    "PODCLIP_API__JSON_BODY_TIMEOUT_SECONDS": "3",
}


@pytest.fixture(scope="module")
def server(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(**{**RELAXED, **LIMITS}) as running:
        yield running


def _raw(server: ApiServer, head: bytes, body_parts: Iterator[bytes] | list[bytes]) -> bytes:
    """Send ``head`` then the body parts on one socket; return everything the server answers."""
    url = urlsplit(server.base_url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=20) as s:
        s.sendall(head)
        try:
            for part in body_parts:
                s.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking the rest: that is the point
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def _status_and_error(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["error"]


def _rss_kb(server: ApiServer) -> int:
    """Resident memory of the server's processes (uvicorn's supervisor and its workers)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if str(urlsplit(server.base_url).port).encode() in cmdline and b"uvicorn" in cmdline:
            total += int(text.split("VmRSS:")[1].split()[0]) if "VmRSS:" in text else 0
    return total


def test_declared_huge_body_without_key_is_refused_unread(server: ApiServer) -> None:
    before = _rss_kb(server)
    head = (
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 300000000\r\n\r\n"
    )
    answer = _raw(server, head, [b"[" * 4096 for _ in range(16)])
    status, error = _status_and_error(answer)
    assert status == 413
    assert error["code"] == "payload_too_large"
    assert _rss_kb(server) - before < 50_000  # nothing near 300 MB was taken in


def test_chunked_body_over_the_cap_is_cut_off(server: ApiServer) -> None:
    head = (
        b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 16384
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)] + [b"0\r\n\r\n"]
    status, error = _status_and_error(_raw(server, head, parts))
    assert status == 413
    assert error["code"] == "payload_too_large"


def test_oversized_upload_without_key_is_refused(server: ApiServer) -> None:
    size = 3 * 1024**2
    head = (
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=xyz\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    status, error = _status_and_error(_raw(server, head, [b"\0" * 65536]))
    assert status == 413
    assert error["code"] == "upload_too_large"


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
@pytest.mark.parametrize("with_key", [False, True])
def test_deeply_nested_json_is_invalid_json_not_500(
    server: ApiServer, prefix: str, with_key: bool
) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    if len(body) > 64 * 1024:  # keep it under the size cap so depth is what refuses it
        body = b"[" * 30_000 + b"]" * 30_000
    auth = f"Authorization: Bearer {server.key('live')}\r\n".encode() if with_key else b""
    head = (
        b"POST " + prefix.encode() + b"/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
        b"application/json\r\nConnection: close\r\n"
        + auth
        + b"Content-Length: %d\r\n\r\n" % len(body)
    )
    status, error = _status_and_error(_raw(server, head, [body]))
    assert status == 400
    assert error["code"] == "invalid_json"


def test_malformed_json_is_invalid_json(server: ApiServer) -> None:
    body = b'{"source_url": "https://example.com/a.mp3",'
    head = (
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nAuthorization: Bearer " + server.key("live").encode() + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    status, error = _status_and_error(_raw(server, head, [body]))
    assert status == 400
    assert error["code"] == "invalid_json"


def test_slow_body_is_timed_out(server: ApiServer) -> None:
    head = (
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n"
    )

    def drip() -> Iterator[bytes]:
        for _ in range(6):  # bounded: 6 bytes over ~12 s at most
            yield b" "
            time.sleep(2)

    status, error = _status_and_error(_raw(server, head, drip()))
    assert status == 408
    assert error["code"] == "request_timeout"
