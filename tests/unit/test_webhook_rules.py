"""Webhook rules without a network: events, the retry schedule, which URLs may be called."""

from __future__ import annotations

import pytest

from podclip.core.errors import InvalidEvents, InvalidSourceUrl
from podclip.store.webhook_deliveries import RETRY_SCHEDULE, retry_delay
from podclip.store.webhook_registry import check_endpoint, normalize_events


def test_each_dialect_takes_its_own_event_names_and_duplicates_collapse() -> None:
    assert normalize_events(["job.completed", "job.completed", "job.failed"], "clypt") == (
        "job.completed",
        "job.failed",
    )
    # Klipit's job.complete is the same canonical event; each dialect refuses the other's name.
    assert normalize_events(["job.complete", "job.created"], "klipit") == (
        "job.completed",
        "job.created",
    )
    with pytest.raises(InvalidEvents):
        normalize_events(["job.complete"], "clypt")
    with pytest.raises(InvalidEvents):
        normalize_events(["job.completed"], "klipit")


@pytest.mark.parametrize("events", [[], ["job.started"], ["job.created", "clip.ready"], [3]])
def test_empty_or_unknown_events_are_refused(events: list[object]) -> None:
    with pytest.raises(InvalidEvents) as caught:
        normalize_events(events)
    assert caught.value.code == "invalid_events"


def test_retry_schedule_is_the_documented_one_scaled() -> None:
    assert RETRY_SCHEDULE == (1, 10, 60, 600, 3600, 6 * 3600, 24 * 3600)
    assert [retry_delay(n, 1.0) for n in range(1, 8)] == list(RETRY_SCHEDULE)
    assert retry_delay(3, 0.01) == pytest.approx(0.6)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "ftp://example.com/x",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/",
    ],
)
def test_only_public_https_endpoints_by_default(url: str) -> None:
    with pytest.raises(InvalidSourceUrl):
        check_endpoint(url, allow_private=False)


def test_loopback_http_is_allowed_when_private_urls_are() -> None:
    assert check_endpoint("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(InvalidSourceUrl):
        check_endpoint("ftp://127.0.0.1/hook", allow_private=True)
