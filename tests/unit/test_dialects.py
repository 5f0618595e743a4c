"""API dialects without a server: status words, event names, budgets, and the links' base."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from podclip.api.base_url import request_base_url
from podclip.api.deps import budget
from podclip.core.dialects import (
    CLYPT,
    KLIPIT,
    STATUSES,
    canonical_event,
    dialect_for_path,
    event_name,
    status_word,
)
from podclip.core.settings import ApiSettings, Settings
from podclip.store.job_record import STATUSES as OUR_STATUSES
from podclip.store.links import default_base_url
from podclip.store.schema import rate_limit_hits


def test_every_status_of_ours_maps_into_each_dialects_vocabulary() -> None:
    for dialect in (CLYPT, KLIPIT):
        assert {status_word(dialect, s) for s in OUR_STATUSES} == set(STATUSES[dialect])
    assert [status_word(CLYPT, s) for s in OUR_STATUSES] == [
        "queued", "processing", "processing", "processing", "processing", "complete", "failed",
    ]  # fmt: skip
    assert status_word(KLIPIT, "downloading") == "transcribing"
    assert status_word(KLIPIT, "rendering") == "clipping"


def test_event_names_round_trip_per_dialect() -> None:
    assert event_name(KLIPIT, "job.completed") == "job.complete"
    assert event_name(CLYPT, "job.completed") == "job.completed"
    assert canonical_event(KLIPIT, "job.complete") == "job.completed"
    assert canonical_event(CLYPT, "job.complete") is None
    assert canonical_event(KLIPIT, "job.completed") is None


@pytest.mark.parametrize(
    ("path", "dialect"),
    [("/v1/jobs", CLYPT), ("/api/v1/jobs", KLIPIT), ("/api/v1", KLIPIT), ("/api/v10", CLYPT)],
)
def test_the_prefix_picks_the_dialect(path: str, dialect: str) -> None:
    assert dialect_for_path(path) == dialect


def test_default_budgets_are_the_documents() -> None:
    limits = ApiSettings()
    assert (limits.rate_limit_writes, limits.rate_limit_reads) == (60, 600)  # Clypt
    assert (
        limits.klipit_rate_limit_submissions,
        limits.klipit_rate_limit_status_polls,
        limits.klipit_rate_limit_clip_reads,
    ) == (10, 60, 120)  # Klipit
    assert limits.rate_limit_window_seconds == 60
    # Three sandbox steps land inside Clypt's documented 10-70 s.
    assert 10 <= 3 * limits.sandbox_step_seconds <= 70


@pytest.mark.parametrize(
    ("dialect", "method", "route", "bucket", "limit"),
    [
        (CLYPT, "POST", "/v1/jobs", "write", 60),
        (CLYPT, "DELETE", "/v1/webhooks/{webhook_id}", "write", 60),
        (CLYPT, "GET", "/v1/jobs/{job_id}/clips", "read", 600),
        (KLIPIT, "POST", "/api/v1/jobs", "klipit_submit", 10),
        (KLIPIT, "GET", "/api/v1/jobs/{job_id}", "klipit_status", 60),
        (KLIPIT, "GET", "/api/v1/jobs", "klipit_status", 60),
        (KLIPIT, "GET", "/api/v1/jobs/{job_id}/clips", "klipit_clips", 120),
        (KLIPIT, "POST", "/api/v1/jobs/{job_id}/export", "klipit_write", 60),
        (KLIPIT, "GET", None, "klipit_status", 60),
    ],
)
def test_requests_count_against_their_dialects_bucket(
    dialect: str, method: str, route: str | None, bucket: str, limit: int
) -> None:
    chosen = budget(ApiSettings(), dialect, method, route)  # type: ignore[arg-type]
    assert (chosen.bucket, chosen.limit) == (bucket, limit)
    # PostgreSQL enforces the column's width (SQLite does not): a longer name is a 500 there.
    assert len(chosen.bucket) <= rate_limit_hits.c.bucket.type.length  # type: ignore[attr-defined]


def _request(headers: dict[str, str], client: str = "127.0.0.1", scheme: str = "http") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "path": "/v1/jobs",
        "headers": raw,
        "client": (client, 50000),
        "server": ("127.0.0.1", 9000),
    }
    return Request(scope)


FORWARDED = {"host": "api.internal:9000", "x-forwarded-proto": "https", "x-forwarded-host": "x.io"}


def test_public_base_url_wins_over_everything() -> None:
    settings = Settings(public_base_url="https://clips.example.com/")
    assert request_base_url(_request(FORWARDED), settings) == "https://clips.example.com"
    assert default_base_url(settings) == "https://clips.example.com"


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    settings = Settings(api=ApiSettings(trusted_proxies=["10.0.0.0/8"]))
    assert request_base_url(_request(FORWARDED), settings) == "http://api.internal:9000"
    assert request_base_url(_request(FORWARDED, client="10.1.2.3"), settings) == "https://x.io"
    bad_proto = {**FORWARDED, "x-forwarded-proto": "javascript"}
    assert request_base_url(_request(bad_proto, client="10.1.2.3"), settings) == "http://x.io"


def test_outside_a_request_links_name_the_configured_address() -> None:
    settings = Settings(api=ApiSettings(host="0.0.0.0", port=9123))
    assert default_base_url(settings) == "http://127.0.0.1:9123"
    assert request_base_url(_request({"host": "bad host"}), settings) == "http://127.0.0.1:9123"
    v6 = Settings(api=ApiSettings(host="::1", port=9123))
    assert default_base_url(v6) == "http://[::1]:9123"
