"""Both documents' numbers, on a server with default settings: rate-limit budgets per dialect,
``X-RateLimit-*`` on every authenticated response (errors included), and the sandbox's
documented 10-70 s to a terminal status.

Clypt (003): "60 writes / 60s on POST/DELETE endpoints", "600 reads / 60s on GET endpoints",
"Every response carries X-RateLimit-Limit, X-RateLimit-Remaining, and X-RateLimit-Reset (unix
seconds). On 429 a Retry-After header is set too." Klipit (000): "Job submissions 10 / minute,
Status polls 60 / minute, Clip reads 120 / minute".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network
WINDOW_SECONDS = 60
CLYPT_STATUSES = {"queued", "processing", "complete", "failed"}
SANDBOX_TIMEOUT_SECONDS = 90


@pytest.fixture(scope="module")
def server(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory() as running:  # the shipped defaults, nothing relaxed
        yield running


@pytest.fixture
def http(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _key(server: ApiServer, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.create_key('test', name=name)}"}


def _limit_headers(response: httpx.Response, limit: int) -> None:
    assert response.headers["x-ratelimit-limit"] == str(limit), response.headers
    assert 0 <= int(response.headers["x-ratelimit-remaining"]) <= limit
    assert int(response.headers["x-ratelimit-reset"]) >= int(time.time())


def _refused(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "too_many_requests")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-remaining"] == "0"
    _limit_headers(response, limit)


def _spend(
    send: Callable[[], httpx.Response], limit: int, ok: int, spent: int = 0
) -> httpx.Response:
    """With ``spent`` of ``limit`` used, send requests until the budget is gone (each must be
    answered ``ok``), then one that must be refused; return the last one that passed."""
    started = time.monotonic()
    passed = None
    for n in range(spent, limit):
        passed = send()
        assert passed.status_code == ok, (n, passed.text)
        _limit_headers(passed, limit)
        assert passed.headers["x-ratelimit-remaining"] == str(limit - n - 1)
    refused = send()
    # The exact count assumes the burst fit in one window (bounded, not a timing assertion).
    assert time.monotonic() - started < WINDOW_SECONDS
    _refused(refused, limit)
    assert passed is not None
    return passed


AUDIO = {"source": {"type": "audio_url", "url": "https://example.com/budget.mp3"}}


def test_clypt_budgets_60_writes_and_600_reads(server: ApiServer, http: httpx.Client) -> None:
    headers = _key(server, "clypt-budget")
    job = _spend(lambda: http.post("/v1/jobs", json=AUDIO, headers=headers), 60, 202).json()["id"]
    # Reads have their own budget, and the write budget stays spent.
    _spend(lambda: http.get(f"/v1/jobs/{job}", headers=headers), 600, 200)
    _refused(http.delete("/v1/webhooks/we_none", headers=headers), 60)


def test_klipit_budgets_10_submissions_60_status_polls_120_clip_reads(
    server: ApiServer, http: httpx.Client
) -> None:
    headers = _key(server, "klipit-budget")
    body = {"source_url": "https://example.com/budget.mp3"}
    _spend(lambda: http.post("/api/v1/jobs", json=body, headers=headers), 10, 202)
    # Listing jobs is a status poll too: the first of the 60.
    listed = http.get("/api/v1/jobs?limit=1", headers=headers)
    _limit_headers(listed, 60)
    job = listed.json()["data"][0]["id"]
    _spend(lambda: http.get(f"/api/v1/jobs/{job}", headers=headers), 60, 200, spent=1)
    # Clip reads are a budget of their own, still whole after the polls ran out.
    _spend(lambda: http.get(f"/api/v1/jobs/{job}/clips", headers=headers), 120, 200)
    # The same key under /v1 counts against Clypt's budgets, untouched so far.
    _limit_headers(http.get(f"/v1/jobs/{job}", headers=headers), 600)


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_rate_limit_headers_on_every_authenticated_error(
    server: ApiServer, http: httpx.Client, prefix: str
) -> None:
    headers = _key(server, f"errors{prefix.replace('/', '-')}")
    cases = [
        (http.get(f"{prefix}/no-such-route", headers=headers), 404, "not_found"),
        (http.delete(f"{prefix}/jobs", headers=headers), 405, "method_not_allowed"),
        (http.put(f"{prefix}/jobs/job_x", headers=headers), 405, "method_not_allowed"),
        (http.get(f"{prefix}/jobs/job_nope", headers=headers), 404, "not_found"),
        (
            http.post(
                f"{prefix}/jobs",
                content=b"[]",
                headers={**headers, "Content-Type": "application/json"},
            ),
            400,
            "invalid_body",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
        assert response.headers["x-request-id"].startswith("req_")
        assert "x-ratelimit-limit" in response.headers, (status, code)
        assert int(response.headers["x-ratelimit-reset"]) >= int(time.time())
    assert cases[1][0].headers["allow"] == "GET, POST"
    # Without a key nothing is counted, so there is nothing to report.
    anonymous = http.get(f"{prefix}/no-such-route")
    assert anonymous.status_code == 404 and "x-ratelimit-limit" not in anonymous.headers


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_sandbox_jobs_reach_a_terminal_status_in_10_to_70_seconds(
    server: ApiServer, http: httpx.Client
) -> None:
    """003: "Wall-clock to terminal: 10-70s on sandbox keys" and "Status walks queued →
    processing → complete"."""
    headers = _key(server, "sandbox-clock")
    job = http.post("/v1/jobs", json=AUDIO, headers=headers).json()
    seen = [job["status"]]
    deadline = time.monotonic() + SANDBOX_TIMEOUT_SECONDS
    while job["status"] not in ("complete", "failed"):
        assert time.monotonic() < deadline, f"still {job['status']}"
        time.sleep(1.0)
        job = http.get(f"/v1/jobs/{job['id']}", headers=headers).json()
        if job["status"] != seen[-1]:
            seen.append(job["status"])
    assert seen == ["queued", "processing", "complete"]
    # The server's own timestamps (not this test's clock) say how long the job took.
    assert 10 <= _seconds(job["completed_at"]) - _seconds(job["created_at"]) <= 70
