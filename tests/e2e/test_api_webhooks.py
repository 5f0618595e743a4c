"""Webhooks over real HTTP: register, list, delete, test-fire, deliveries, replay.

The API runs in its own uvicorn server (its own data root, so no other test's sandbox jobs
reach these webhooks); the deliverer runs in the test process on the same database, and a
real receiver on loopback checks every delivery with standardwebhooks and our helper.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook as StandardWebhook

from podclip.client.signatures import verify_signature
from podclip.core.settings import Settings, get_settings
from podclip.tasks.webhooks import deliver_due
from tests.e2e.helpers import RELAXED, ApiServer, poll_job
from tests.support.webhook_receiver import Receiver, receive

pytestmark = pytest.mark.network

MEDIA_TOKEN = re.compile(r"/v1/media/[A-Za-z0-9_.-]+")


@pytest.fixture(scope="module")
def server(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(**RELAXED) as running:
        yield running


@pytest.fixture
def deliverer(server: ApiServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of the server's data root for ``deliver_due`` in this process."""
    for name, value in server.env.items():
        if name.startswith("PODCLIP_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    get_settings.cache_clear()
    return settings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receive() as running:
        yield running


@pytest.fixture
def http(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _drain(settings: Settings, receiver: Receiver, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(receiver.received)} of {count} deliveries arrived")
        deliver_due(settings)
        time.sleep(0.05)


def _verified(request: Any, secret: str) -> dict[str, Any]:
    standard = StandardWebhook(secret).verify(request.body, request.headers)
    ours = verify_signature(request.body, request.headers["X-Podclip-Signature"], secret)
    assert standard == ours
    result: dict[str, Any] = ours
    return result


def test_register_list_delete_and_the_secret_is_shown_once(
    server: ApiServer, http: httpx.Client
) -> None:
    headers = server.headers("live")
    body = {"url": "https://127.0.0.1:9/hook", "events": ["job.complete", "job.failed"]}
    created = http.post("/api/v1/webhooks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["object"] == "webhook" and hook["id"].startswith("we_")
    assert hook["secret"].startswith("whsec_")
    # Registered under /api/v1: a Klipit webhook, its events kept as given.
    assert hook["events"] == ["job.complete", "job.failed"] and hook["active"] is True
    assert hook["format"] == "klipit"

    listed = http.get("/v1/webhooks", headers=headers)
    assert listed.status_code == 200
    (shown,) = [h for h in listed.json()["data"] if h["id"] == hook["id"]]
    assert "secret" not in shown and hook["secret"] not in listed.text
    assert hook["id"] not in http.get("/v1/webhooks", headers=server.headers("test")).text

    deleted = http.delete(f"/v1/webhooks/{hook['id']}", headers=headers)
    assert deleted.status_code == 200 and deleted.json() == {
        "object": "webhook",
        "id": hook["id"],
        "deleted": True,
    }
    gone = http.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=headers)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert http.delete(f"/v1/webhooks/{hook['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"url": "https://127.0.0.1:9/h", "events": []}, "invalid_events", "events"),
        ({"url": "https://127.0.0.1:9/h", "events": ["job.started"]}, "invalid_events", "events"),
        ({"url": "ftp://127.0.0.1/h", "events": ["job.failed"]}, "invalid_url", "url"),
    ],
)
def test_bad_registrations_get_the_documented_codes(
    server: ApiServer, http: httpx.Client, body: dict[str, Any], code: str, param: str
) -> None:
    response = http.post("/v1/webhooks", json=body, headers=server.headers("live"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (code, param, "invalid_request_error")


def test_webhook_routes_need_the_webhooks_scope(server: ApiServer, http: httpx.Client) -> None:
    key = server.create_key("live", "jobs:read", name="no-webhooks")
    response = http.get("/v1/webhooks", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_sandbox_job_events_test_fire_and_replay_end_to_end(
    server: ApiServer, http: httpx.Client, deliverer: Settings, receiver: Receiver
) -> None:
    headers = server.headers("test")
    created = http.post(
        "/v1/webhooks",
        json={"url": receiver.url(), "events": ["job.created", "job.completed", "job.failed"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook["secret"]

    submitted = http.post(
        "/v1/jobs",
        json={"source": {"type": "audio_url", "url": "https://example.com/e.mp3"}},
        headers=headers,
    )
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    # Nobody polls the job: the deliverer moves the sandbox job along and sends both events.
    _drain(deliverer, receiver, 2)
    # Sent in one pass or two: either order.
    first_two = sorted(receiver.received[:2], key=lambda r: r.headers["X-Podclip-Event"])
    completed_event, created_event = (_verified(r, secret) for r in first_two)
    assert [created_event["type"], completed_event["type"]] == ["job.created", "job.completed"]
    assert created_event["data"]["object"]["status"] == "queued"

    job = poll_job(http, job_id, headers, timeout=10)
    sent = completed_event["data"]["object"]
    # Exactly GET /v1/jobs/{id}, up to the signed media tokens (their expiry may have moved).
    assert MEDIA_TOKEN.sub("/v1/media/T", json.dumps(sent, sort_keys=True)) == MEDIA_TOKEN.sub(
        "/v1/media/T", json.dumps(job, sort_keys=True)
    )

    fired = http.post(f"/v1/webhooks/{hook['id']}/test", headers=headers)
    assert fired.status_code == 202, fired.text
    test_delivery = fired.json()
    assert test_delivery["event_type"] == "job.completed" and test_delivery["status"] == "pending"
    _drain(deliverer, receiver, 3)
    test_event = _verified(receiver.received[2], secret)
    assert test_event["id"] == test_delivery["event_id"]
    assert test_event["data"]["object"]["id"] == job_id  # the most recent real job

    replayed = http.post(
        f"/api/v1/webhooks/deliveries/{test_delivery['id']}/replay", headers=headers
    )
    assert replayed.status_code == 202, replayed.text
    replay = replayed.json()
    assert replay["replay_of"] == test_delivery["id"]
    assert replay["request_id"] == test_delivery["request_id"]
    _drain(deliverer, receiver, 4)
    assert receiver.received[3].body == receiver.received[2].body
    assert receiver.received[3].headers["webhook-id"] == test_event["id"]

    deliveries = http.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()
    assert [d["status"] for d in deliveries["data"]] == ["delivered"] * 4
    assert deliveries["data"][0]["id"] == replay["id"]  # newest first
    assert {d["attempts"] for d in deliveries["data"]} == {1}

    missing = http.post("/v1/webhooks/deliveries/whd_nope/replay", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    other_env = http.post(
        f"/v1/webhooks/deliveries/{replay['id']}/replay", headers=server.headers("live")
    )
    assert other_env.status_code == 404
