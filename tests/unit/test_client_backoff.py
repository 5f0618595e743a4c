"""Backoff delays and Retry-After parsing for podclip.client."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from podclip.client.backoff import Backoff, parse_retry_after, retry_after_of, should_retry


def test_backoff_grows_to_its_cap_without_jitter() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, maximum=5.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff.delay(-3) == 1.0


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_jitter_stays_within_its_fraction_and_the_cap(rand: float) -> None:
    backoff = Backoff(initial=2.0, factor=1.5, maximum=15.0, jitter=0.1)
    assert 1.8 <= backoff.delay(0, rand=lambda: rand) <= 2.2
    assert backoff.delay(20, rand=lambda: rand) <= 15.0


def test_retry_after_seconds_dates_and_junk() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    now = time.time()
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert retry_after_of({"retry-after": "7"}) == 7.0
    assert retry_after_of({"Retry-After": "2"}) == 2.0
    assert retry_after_of({"x-other": "2"}) is None


def test_which_refusals_are_repeated() -> None:
    assert should_retry(429, "too_many_requests")
    assert should_retry(503, "http_503")
    assert should_retry(409, "idempotency_request_in_progress")
    assert not should_retry(409, "idempotency_key_reused_with_different_body")
    assert not should_retry(400, "invalid_source_url")
    assert not should_retry(404, "not_found")
    assert not should_retry(500, "internal_error")


def test_retry_delay_honours_short_retry_after_only() -> None:
    import httpx

    from podclip.client._base import error_from, retry_delay

    def limited(after: str | None) -> httpx.Response:
        headers = {"Retry-After": after} if after else {}
        detail = {"type": "rate_limit_error", "code": "too_many_requests", "message": "m"}
        body = {"error": {**detail, "param": None, "request_id": "req_1"}}
        return httpx.Response(429, json=body, headers=headers)

    assert retry_delay(error_from(limited("3")), 0.5) == 3.0
    assert retry_delay(error_from(limited(None)), 0.5) == 0.5
    assert retry_delay(error_from(limited("3600")), 0.5) is None
    detail = {"type": "invalid_request_error", "code": "not_found", "message": "m"}
    not_found = httpx.Response(404, json={"error": detail})
    assert retry_delay(error_from(not_found), 0.5) is None
