"""Clypt (003_9006dbdc4e7f54ae.txt, served under ``/v1``): the document's sentences that the
other e2e files do not already check, each test quoting the sentence it holds us to.

The map from every behavioural sentence to its test is in ``docs/api.md`` ("Conformance").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from podclip.core.settings import Settings, get_settings
from podclip.tasks.webhooks import deliver_due
from tests.e2e.helpers import ApiServer, poll_job
from tests.support.webhook_receiver import receive

pytestmark = pytest.mark.network
CLYPT_STATUSES = {"queued", "processing", "complete", "failed"}
AUDIO = {"source": {"type": "audio_url", "url": "https://example.com/conformance.mp3"}}
ROUTES = [
    ("POST", "/v1/jobs"),
    ("GET", "/v1/jobs/{job}"),
    ("GET", "/v1/jobs"),
    ("POST", "/v1/webhooks"),
    ("GET", "/v1/webhooks"),
    ("DELETE", "/v1/webhooks/{webhook}"),
    ("POST", "/v1/webhooks/{webhook}/test"),
    ("GET", "/v1/webhooks/{webhook}/deliveries"),
    ("POST", "/v1/webhooks/deliveries/{delivery}/replay"),
]
DELIVERY_DEADLINE_SECONDS = 60.0


def _submit(client: httpx.Client, server: ApiServer, body: Any = AUDIO) -> dict[str, Any]:
    response = client.post("/v1/jobs", json=body, headers=server.headers("test"))
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


def test_every_response_carries_an_x_request_id(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """003: "Every response carries an X-Request-Id header you can quote in support questions."."""
    job = _submit(client, api_server)
    responses = [
        client.get("/healthz"),
        client.get("/v1/jobs"),  # 401
        client.get("/v1/jobs", headers={"Authorization": "Bearer nope"}),  # 401
        client.get(f"/v1/jobs/{job['id']}", headers=api_server.headers("test")),
        client.get("/v1/nowhere", headers=api_server.headers("test")),  # 404
        client.delete("/v1/jobs", headers=api_server.headers("test")),  # 405
        client.get("/v1/media/forged.token"),  # 404 without a key
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(i.startswith("req_") for i in ids) and len(set(ids)) == len(ids)
    # The id a client quotes is the one in the error envelope.
    error = responses[4].json()["error"]
    assert error["request_id"] == responses[4].headers["x-request-id"]


def test_status_walks_queued_processing_complete_under_v1(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """003: "Status walks queued → processing → complete or queued → processing → failed. Once
    terminal, the row never changes again."."""
    for url, final in (("https://e.com/ok.mp3", "complete"), ("https://e.com/FaIl.mp3", "failed")):
        job = _submit(client, api_server, {"source": {"type": "audio_url", "url": url}})
        seen = [job["status"]]
        deadline = time.monotonic() + 20
        while job["status"] not in ("complete", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
            job = client.get(f"/v1/jobs/{job['id']}", headers=api_server.headers("test")).json()
            seen.append(job["status"])
        assert set(seen) <= CLYPT_STATUSES and seen[-1] == final
        assert [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s] in (
            ["queued", "processing", final],
            ["queued", final],  # a slow poller can miss the middle
            ["processing", final],
        )
        time.sleep(0.6)  # a further sandbox step's worth: a terminal job stays as it was
        again = client.get(f"/v1/jobs/{job['id']}", headers=api_server.headers("test")).json()
        assert again == job


@pytest.mark.parametrize(
    ("internal", "clypt", "klipit"),
    [
        ("downloading", "processing", "transcribing"),
        ("transcribing", "processing", "transcribing"),
        ("clipping", "processing", "clipping"),
        ("rendering", "processing", "clipping"),
    ],
)
def test_pipeline_statuses_in_each_dialects_words(
    api_server: ApiServer, client: httpx.Client, internal: str, clypt: str, klipit: str
) -> None:
    """A live job in each pipeline stage: /v1 says only processing, /api/v1 only Klipit's words."""
    live = api_server.headers("live")
    response = client.post("/v1/jobs", json=AUDIO, headers=live)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    with api_server.db() as db:
        db.execute("UPDATE jobs SET status = ? WHERE id = ?", (internal, job_id))
    assert client.get(f"/v1/jobs/{job_id}", headers=live).json()["status"] == clypt
    assert client.get(f"/api/v1/jobs/{job_id}", headers=live).json()["status"] == klipit
    listed = client.get("/v1/jobs?limit=100", headers=live).json()["data"]
    assert next(j for j in listed if j["id"] == job_id)["status"] == clypt
    clips = client.get(f"/api/v1/jobs/{job_id}/clips", headers=live).json()
    assert clips["status"] == klipit and clips["clips"] == []


def _polled(client: httpx.Client, job_id: str, headers: dict[str, str], timeout: float) -> Any:
    return poll_job(client, job_id, headers, timeout=timeout)


def test_sandbox_fixtures_are_deterministic(api_server: ApiServer, client: httpx.Client) -> None:
    """003: "clk_test_… — sandbox. Returns deterministic fixtures, never bills" and "every
    submission returns a deterministic fixture"."""
    body = {"source": {"type": "video_url", "url": "https://example.com/same.mp4"}}
    first, second = (
        _polled(
            client, _submit(client, api_server, body)["id"], api_server.headers("test"), timeout=20
        )
        for _ in range(2)
    )

    def shape(job: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (c["rank"], c["category"], c["hook"], c["pull_quote"], c["start_time"], c["end_time"])
            for c in job["output"]["clips"]
        ]

    assert len(first["output"]["clips"]) == 3 and shape(first) == shape(second)
    assert first["output"]["show_notes"] == second["output"]["show_notes"]
    assert first["output"]["transcript"] == second["output"]["transcript"]
    assert first["output"]["trailer"]["duration_seconds"] == 67.4


def test_source_types_are_accepted_and_unknown_ones_refused(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """003: "The source.type discriminator picks how Clypt acquires the underlying media": the four
    documented types, and invalid_source_type for anything else."""
    urls = {
        "video_url": "https://example.com/e.mp4",
        "audio_url": "https://example.com/e.mp3",
        "rss_feed_url": "https://example.com/feed.xml",
        "youtube_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }
    for kind, url in urls.items():
        job = _submit(client, api_server, {"source": {"type": kind, "url": url}})
        assert job["source"] == {"type": kind, "url": url}
    refused = client.post(
        "/v1/jobs",
        json={"source": {"type": "vimeo_url", "url": "https://vimeo.com/1"}},
        headers=api_server.headers("test"),
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_source_type"
    assert refused.json()["error"]["param"] == "source.type"


def test_idempotency_key_counts_only_on_job_submission(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """003: "Pass an Idempotency-Key header on POST /v1/jobs (and only that route)."."""
    headers = api_server.headers("test", **{"Idempotency-Key": "only-jobs-route-0001"})
    body = {"url": "https://127.0.0.1:9/idem", "events": ["job.failed"]}
    first = client.post("/v1/webhooks", json=body, headers=headers)
    second = client.post("/v1/webhooks", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    for hook in (first.json(), second.json()):
        client.delete(f"/v1/webhooks/{hook['id']}", headers=headers)


def test_every_documented_endpoint_is_served(api_server: ApiServer, client: httpx.Client) -> None:
    """003: "All endpoints": each method and path of the table answers (not 404 for the route,
    not 405)."""
    headers = api_server.headers("test")
    job = _submit(client, api_server)
    poll_job(client, job["id"], headers, timeout=20)
    hook = client.post(
        "/v1/webhooks",
        json={"url": "https://127.0.0.1:9/all", "events": ["job.completed"]},
        headers=headers,
    ).json()
    fired = client.post(f"/v1/webhooks/{hook['id']}/test", headers=headers).json()
    values = {"job": job["id"], "webhook": hook["id"], "delivery": fired["id"]}
    answers = {}
    for method, path in ROUTES:
        if method == "DELETE":
            continue  # last, below
        kwargs: dict[str, Any] = {}
        if path == "/v1/jobs" and method == "POST":
            kwargs["json"] = AUDIO
        if path == "/v1/webhooks" and method == "POST":
            kwargs["json"] = {"url": "https://127.0.0.1:9/x", "events": ["job.failed"]}
        response = client.request(method, path.format(**values), headers=headers, **kwargs)
        answers[(method, path)] = response.status_code
        if path == "/v1/webhooks" and method == "POST":
            client.delete(f"/v1/webhooks/{response.json()['id']}", headers=headers)
    deleted = client.delete(f"/v1/webhooks/{hook['id']}", headers=headers)
    answers[("DELETE", "/v1/webhooks/{webhook}")] = deleted.status_code
    assert answers == {
        ("POST", "/v1/jobs"): 202,
        ("GET", "/v1/jobs/{job}"): 200,
        ("GET", "/v1/jobs"): 200,
        ("POST", "/v1/webhooks"): 201,
        ("GET", "/v1/webhooks"): 200,
        ("POST", "/v1/webhooks/{webhook}/test"): 202,
        ("GET", "/v1/webhooks/{webhook}/deliveries"): 200,
        ("POST", "/v1/webhooks/deliveries/{delivery}/replay"): 202,
        ("DELETE", "/v1/webhooks/{webhook}"): 200,
    }


@pytest.fixture
def deliverer(api_server: ApiServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The deliverer's settings for the shared server, retries scaled down 10,000 times."""
    for name, value in api_server.env.items():
        if name.startswith("PODCLIP_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("PODCLIP_WEBHOOKS__TIME_SCALE", "0.0001")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _deliveries(client: httpx.Client, server: ApiServer, hook: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{hook}/deliveries", headers=server.headers("test"))
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_failed_deliveries_retry_seven_times_and_ten_in_a_row_deactivate(
    api_server: ApiServer, client: httpx.Client, deliverer: Settings
) -> None:
    """003: "Any non-2xx response (or timeout, or connection error) schedules a retry. [...] After 7
    failed attempts the delivery is marked failed. 10 consecutive failed deliveries deactivates
    the webhook entirely (you can re-register it)."."""
    headers = api_server.headers("test")
    poll_job(client, _submit(client, api_server)["id"], headers, timeout=20)
    with receive([500]) as receiver:
        hook = client.post(
            "/v1/webhooks", json={"url": receiver.url(), "events": ["job.failed"]}, headers=headers
        ).json()
        for _ in range(10):
            assert (
                client.post(f"/v1/webhooks/{hook['id']}/test", headers=headers).status_code == 202
            )
        deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
        while any(d["status"] == "pending" for d in _deliveries(client, api_server, hook["id"])):
            assert time.monotonic() < deadline, "deliveries still pending"
            deliver_due(deliverer)
            time.sleep(0.01)
        deliveries = _deliveries(client, api_server, hook["id"])
        assert [(d["status"], d["attempts"]) for d in deliveries] == [("failed", 7)] * 10
        assert {d["last_status_code"] for d in deliveries} == {500}
        assert len(receiver.received) == 70
        # Deactivated: listed as inactive, and a test fire is refused until re-registration.
        listed = client.get("/v1/webhooks", headers=headers).json()["data"]
        state = next(h for h in listed if h["id"] == hook["id"])
        assert state["active"] is False and state["deactivated_reason"]
        refused = client.post(f"/v1/webhooks/{hook['id']}/test", headers=headers)
        assert refused.status_code == 409
        again = client.post(
            "/v1/webhooks", json={"url": receiver.url(), "events": ["job.failed"]}, headers=headers
        )
        assert again.status_code == 201 and again.json()["active"] is True
        for made in (hook, again.json()):
            client.delete(f"/v1/webhooks/{made['id']}", headers=headers)
