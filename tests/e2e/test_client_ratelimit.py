"""The client honours Retry-After: a rate-limited server slows it down but never fails it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest

from podclip.client import PodclipClient, RateLimitError
from tests.e2e.helpers import ApiServer

pytestmark = [pytest.mark.network, pytest.mark.slow]  # its own server, and real waits
READS, WINDOW = 4, 2


@pytest.fixture(scope="module")
def limited(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(
        PODCLIP_API__RATE_LIMIT_READS=str(READS),
        PODCLIP_API__RATE_LIMIT_WINDOW_SECONDS=str(WINDOW),
        PODCLIP_API__SANDBOX_STEP_SECONDS="0.5",
    ) as server:
        yield server


def _recording(statuses: list[tuple[int, str | None]]) -> httpx.Client:
    def record(response: httpx.Response) -> None:
        statuses.append((response.status_code, response.headers.get("retry-after")))

    return httpx.Client(timeout=30, event_hooks={"response": [record]})


def test_wait_sleeps_through_429s(limited: ApiServer) -> None:
    key = limited.create_key("test", name="poller")
    seen: list[tuple[int, str | None]] = []
    with PodclipClient(key, limited.base_url, http_client=_recording(seen)) as client:
        job = client.submit("https://example.com/limited.mp3")
        done = client.wait(job.id, poll_interval=0.05, max_interval=0.05, timeout=60)
    assert done.status == "complete"
    refused = [after for status, after in seen if status == 429]
    assert refused, seen  # the burst really was limited...
    assert all(after is not None and int(after) >= 1 for after in refused)
    assert seen[-1][0] == 200  # ...and the client came back after Retry-After


def test_without_retries_the_429_is_a_typed_error(limited: ApiServer) -> None:
    key = limited.create_key("test", name="impatient")
    with PodclipClient(key, limited.base_url, max_retries=0) as client:
        job = client.submit("https://example.com/limited2.mp3")
        with pytest.raises(RateLimitError) as caught:
            for _ in range(READS + 1):
                client.get(job.id)
    error = caught.value
    assert (error.status, error.code, error.type) == (429, "too_many_requests", "rate_limit_error")
    assert error.retry_after is not None and 0 < error.retry_after <= WINDOW
    assert error.request_id is not None and error.request_id.startswith("req_")
