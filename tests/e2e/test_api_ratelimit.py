"""Per-key sliding-window rate limits, exact across two API worker processes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network
WRITES, READS, WINDOW = 5, 8, 8


@pytest.fixture(scope="module")
def limited(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(
        PODCLIP_API__RATE_LIMIT_WRITES=str(WRITES),
        PODCLIP_API__RATE_LIMIT_READS=str(READS),
        PODCLIP_API__RATE_LIMIT_WINDOW_SECONDS=str(WINDOW),
    ) as server:
        yield server


def _burst(
    server: ApiServer, count: int, send: Callable[[httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    barrier = threading.Barrier(count)
    with httpx.Client(
        base_url=server.base_url, timeout=30, limits=httpx.Limits(max_connections=count)
    ) as http:

        def one(_: int) -> httpx.Response:
            barrier.wait(timeout=30)
            return send(http)

        started = time.monotonic()
        with ThreadPoolExecutor(count) as pool:
            responses = list(pool.map(one, range(count)))
    # The exact count below assumes the burst fits in one window.
    assert time.monotonic() - started < WINDOW
    return responses


def _check_headers(response: httpx.Response, limit: int) -> None:
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert 0 <= int(response.headers["x-ratelimit-remaining"]) < limit
    assert int(response.headers["x-ratelimit-reset"]) >= int(time.time())


def test_writes_exact_across_workers(limited: ApiServer) -> None:
    key = limited.create_key("test", name="writer")
    headers = {"Authorization": f"Bearer {key}"}
    body = {"source_url": "https://example.com/a.mp3"}
    responses = _burst(
        limited, 2 * WRITES, lambda http: http.post("/v1/jobs", json=body, headers=headers)
    )
    ok = [r for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code == 429]
    assert (len(ok), len(refused)) == (WRITES, WRITES), [r.status_code for r in responses]
    assert sorted(int(r.headers["x-ratelimit-remaining"]) for r in ok) == list(range(WRITES))
    for response in responses:
        _check_headers(response, WRITES)
    for response in refused:
        error = response.json()["error"]
        assert (error["code"], error["type"]) == ("too_many_requests", "rate_limit_error")
        assert 1 <= int(response.headers["retry-after"]) <= WINDOW
        assert response.headers["x-ratelimit-remaining"] == "0"
    # Reads have their own budget.
    assert httpx.get(limited.url("/v1/jobs"), headers=headers).status_code == 200


def test_reads_exact_across_workers(limited: ApiServer) -> None:
    key = limited.create_key("test", name="reader")
    headers = {"Authorization": f"Bearer {key}"}
    responses = _burst(limited, 2 * READS, lambda http: http.get("/v1/jobs", headers=headers))
    assert sorted(r.status_code for r in responses) == [200] * READS + [429] * READS
    other = limited.create_key("test", name="reader-2")
    assert (
        httpx.get(limited.url("/v1/jobs"), headers={"Authorization": f"Bearer {other}"}).status_code
        == 200
    )


def test_refused_request_does_not_consume_idempotency_key(limited: ApiServer) -> None:
    key = limited.create_key("test", name="idem")
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=limited.base_url, timeout=30) as http:
        for _ in range(WRITES):
            assert (
                http.post(
                    "/v1/jobs", json={"source_url": "https://e.com/x.mp3"}, headers=headers
                ).status_code
                == 202
            )
        body = {"source_url": f"https://example.com/{uuid.uuid4().hex}.mp3"}
        idem = {**headers, "Idempotency-Key": f"idem-{uuid.uuid4()}"}
        refused = http.post("/v1/jobs", json=body, headers=idem)
        assert refused.status_code == 429
        time.sleep(int(refused.headers["retry-after"]) + 0.2)
        accepted = http.post("/v1/jobs", json=body, headers=idem)
        assert accepted.status_code == 202, accepted.text
        assert "idempotent-replayed" not in accepted.headers
