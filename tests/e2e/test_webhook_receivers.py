"""Webhook deliveries judged by receivers written from each reference document alone.

Clypt (003, ``/v1``): a Node.js receiver running the document's ``verifyClyptSignature``
snippet verbatim under the system ``node``. Klipit (000, ``/api/v1``): a Python receiver
written from the document's webhook section. Each must accept every delivery of its dialect
and reject tampered ones; every delivery also verifies with ``standardwebhooks`` and with our
own ``X-Podclip-Signature``. The API runs in its own server; the deliverer runs in this process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook as StandardWebhook

from podclip.client.signatures import verify_signature
from podclip.core.settings import Settings, get_settings
from podclip.tasks.webhooks import deliver_due
from tests.e2e.helpers import RELAXED, ApiServer, poll_job
from tests.e2e.receivers.clypt_node import SCRIPT, ClyptReceiver, run_clypt_receiver
from tests.e2e.receivers.klipit_receiver import KlipitReceiver, run_klipit_receiver

pytestmark = pytest.mark.network
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
ALL_CLYPT = ["job.created", "job.completed", "job.failed"]
ALL_KLIPIT = ["job.complete", "job.failed", "job.created"]
CLYPT_STATUSES = {"queued", "processing", "complete", "failed"}
DRAIN_SECONDS = 30.0


@pytest.fixture(scope="module")
def server(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(**RELAXED) as running:
        yield running


@pytest.fixture
def deliverer(server: ApiServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of the server's data root (and address) for ``deliver_due`` in this process."""
    for name, value in server.env.items():
        if name.startswith("PODCLIP_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    get_settings.cache_clear()
    return settings


@pytest.fixture
def http(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _drain(
    settings: Settings, arrived: Callable[[], int], count: int, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while arrived() < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{arrived()} of {count} deliveries arrived")
        deliver_due(settings)
        time.sleep(0.05)


def _standard(body: str | bytes, headers: dict[str, str], secret: str) -> Any:
    """Standard Webhooks verification of a delivery (raises when it fails)."""
    wanted = {k.lower(): v for k, v in headers.items() if k.lower().startswith("webhook-")}
    return StandardWebhook(secret).verify(body, wanted)


def _header(headers: dict[str, str], name: str) -> str:
    return next(v for k, v in headers.items() if k.lower() == name.lower())


def _submit(http: httpx.Client, server: ApiServer, prefix: str, url: str) -> str:
    body: dict[str, Any] = (
        {"source": {"type": "audio_url", "url": url}} if prefix == "/v1" else {"source_url": url}
    )
    response = http.post(f"{prefix}/jobs", json=body, headers=server.headers("test"))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _register(
    http: httpx.Client, server: ApiServer, prefix: str, url: str, events: list[str], **extra: str
) -> dict[str, Any]:
    response = http.post(
        f"{prefix}/webhooks",
        json={"url": url, "events": events, **extra},
        headers=server.headers("test"),
    )
    assert response.status_code == 201, response.text
    hook: dict[str, Any] = response.json()
    return hook


def _delete(http: httpx.Client, server: ApiServer, hook: dict[str, Any]) -> None:
    """Stop the webhook so that later tests' jobs do not reach this test's receiver."""
    http.delete(f"/v1/webhooks/{hook['id']}", headers=server.headers("test")).raise_for_status()


def test_the_node_receiver_runs_the_documents_snippet_verbatim() -> None:
    """003: "// Node.js verification snippet" is what the receiver runs, character for character."""
    seed = SEEDS / "003_9006dbdc4e7f54ae.txt"
    if not seed.is_file():
        pytest.skip(f"reference document not found at {seed}")
    text = seed.read_text()
    start = text.index('import { createHmac, timingSafeEqual } from "crypto";')
    snippet = text[start : text.index("}Reject deliveries") + 1]
    script = SCRIPT.read_text()
    marker = "// ---- verbatim from 003_9006dbdc4e7f54ae.txt ----\n"
    copied = script[script.index(marker) + len(marker) : script.index("\n// ---- end of")]
    assert copied == snippet


def _tamper_clypt(receiver: ClyptReceiver, verdict: dict[str, Any], secret: str) -> None:
    """A changed body, a changed signature and a stale (but genuine) t are all rejected."""
    headers = {"X-Clypt-Signature": verdict["headers"]["x-clypt-signature"]}
    body = verdict["body"]
    forged_body = body.replace('"object":"event"', '"object":"evenT"')
    assert forged_body != body
    stale_t = int(time.time()) - 6 * 60
    stale_mac = hmac.new(secret.encode(), f"{stale_t}.{body}".encode(), hashlib.sha256)
    mac = headers["X-Clypt-Signature"].split("v1=")[1]
    cases = [
        (forged_body, headers),
        (body, {"X-Clypt-Signature": headers["X-Clypt-Signature"].replace(mac, mac[::-1])}),
        (body, {"X-Clypt-Signature": f"t={stale_t},v1={stale_mac.hexdigest()}"}),
        (body, {}),
    ]
    for content, sent in cases:
        response = httpx.post(receiver.url(), content=content.encode(), headers=sent, timeout=10)
        assert response.status_code == 400, (response.text, sent)


def test_clypt_deliveries_verify_with_the_documents_node_snippet(
    server: ApiServer, http: httpx.Client, deliverer: Settings
) -> None:
    """003 "Signature header", "Event shape", "Test + replay": every delivery to a /v1 webhook
    carries X-Clypt-Signature that the document's snippet accepts, keyed with the whole secret."""
    with run_clypt_receiver() as receiver:
        hook = _register(http, server, "/v1", receiver.url(), ALL_CLYPT)
        assert hook["format"] == "clypt" and hook["events"] == ALL_CLYPT
        secret = hook["secret"]
        assert secret.startswith("whsec_")
        receiver.set_secret(secret)
        done = _submit(http, server, "/v1", "https://example.com/clypt-ok.mp3")
        failed = _submit(http, server, "/v1", "https://example.com/clypt-FAIL.mp3")
        _drain(deliverer, lambda: len(receiver.verdicts), 4)
        fired = http.post(f"/v1/webhooks/{hook['id']}/test", headers=server.headers("test"))
        assert fired.status_code == 202, fired.text
        _drain(deliverer, lambda: len(receiver.verdicts), 5)
        replay = http.post(
            f"/v1/webhooks/deliveries/{fired.json()['id']}/replay", headers=server.headers("test")
        )
        assert (
            replay.status_code == 202 and replay.json()["request_id"] == fired.json()["request_id"]
        )
        _drain(deliverer, lambda: len(receiver.verdicts), 6)
        _delete(http, server, hook)
        verdicts = receiver.wait_for(6)
        assert [v["reason"] for v in verdicts] == ["verified"] * 6, verdicts

        events = []
        for verdict in verdicts:
            event = json.loads(verdict["body"])
            events.append(event)
            assert _standard(verdict["body"], verdict["headers"], secret) == event
            ours = verify_signature(
                verdict["body"], verdict["headers"]["x-podclip-signature"], secret
            )
            assert ours == event
            sdk = verify_signature(
                verdict["body"], verdict["headers"]["x-clypt-signature"], secret, scheme="clypt"
            )
            assert sdk == event
            assert "x-klipit-signature" not in verdict["headers"]
            assert set(event) == {"id", "object", "type", "created", "request_id", "data"}
            assert event["id"].startswith("evt_") and event["object"] == "event"
            assert event["request_id"].startswith("req_") and isinstance(event["created"], int)
            assert event["data"]["object"]["status"] in CLYPT_STATUSES
        by_job = {(e["data"]["object"]["id"], e["type"]) for e in events[:4]}
        assert by_job == {
            (done, "job.created"),
            (done, "job.completed"),
            (failed, "job.created"),
            (failed, "job.failed"),
        }
        # The completed event's object is GET /v1/jobs/{id}, links included (same base).
        completed = next(e for e in events[:4] if e["type"] == "job.completed")["data"]["object"]
        polled = poll_job(http, done, server.headers("test"), timeout=10)
        assert completed["id"] == polled["id"] and completed["status"] == "complete"
        assert completed["output"]["clips"][0]["media_url"].startswith(server.base_url)
        # Test fire: a synthetic job.completed; its replay: the same bytes and request_id.
        assert events[4]["type"] == "job.completed"
        assert verdicts[5]["body"] == verdicts[4]["body"]
        _tamper_clypt(receiver, verdicts[1], secret)


def _tamper_klipit(receiver: KlipitReceiver, verdict: Any) -> None:
    signature = _header(verdict.headers, "X-Klipit-Signature")
    forged = verdict.body.replace(b'"clip_count":', b'"clip_count":1')
    cases = [
        (forged, {"X-Klipit-Signature": signature}),
        (verdict.body, {"X-Klipit-Signature": signature[::-1]}),
        (verdict.body, {}),
    ]
    for content, sent in cases:
        response = httpx.post(receiver.url(), content=content, headers=sent, timeout=10)
        assert response.status_code == 400, sent


def test_klipit_deliveries_verify_with_a_receiver_written_from_its_document(
    server: ApiServer, http: httpx.Client, deliverer: Settings
) -> None:
    """000 "Webhooks": X-Klipit-Signature (HMAC-SHA256), events job.complete, job.failed and
    job.created, and the payload {event, job_id, clip_count, timestamp}."""
    with run_klipit_receiver() as receiver:
        hook = _register(http, server, "/api/v1", receiver.url(), ALL_KLIPIT)
        assert hook["format"] == "klipit" and hook["events"] == ALL_KLIPIT  # stored as given
        listed = http.get("/api/v1/webhooks", headers=server.headers("test")).json()["data"]
        assert next(h for h in listed if h["id"] == hook["id"])["events"] == ALL_KLIPIT
        receiver.secret = hook["secret"]
        done = _submit(http, server, "/api/v1", "https://example.com/klipit-ok.mp3")
        failed = _submit(http, server, "/api/v1", "https://example.com/klipit-fail.mp3")
        _drain(deliverer, lambda: len(receiver.verdicts), 4)
        deliveries = http.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=server.headers("test")
        ).json()["data"]
        _delete(http, server, hook)
        assert [v.reason for v in receiver.verdicts] == ["verified"] * 4
        assert {d["event_type"] for d in deliveries} == {
            "job.created",
            "job.complete",
            "job.failed",
        }
        seen = set()
        for verdict in receiver.verdicts:
            event = verdict.event
            assert event is not None
            seen.add((event["job_id"], event["event"], event["clip_count"]))
            assert _standard(verdict.body, verdict.headers, hook["secret"]) == event
            podclip_header = _header(verdict.headers, "X-Podclip-Signature")
            assert verify_signature(verdict.body, podclip_header, hook["secret"]) == event
            klipit_header = _header(verdict.headers, "X-Klipit-Signature")
            sdk = verify_signature(verdict.body, klipit_header, hook["secret"], scheme="klipit")
            assert sdk == event
            assert not any(k.lower() == "x-clypt-signature" for k in verdict.headers)
        assert seen == {
            (done, "job.created", 0),
            (done, "job.complete", 3),
            (failed, "job.created", 0),
            (failed, "job.failed", 0),
        }
        _tamper_klipit(receiver, receiver.verdicts[0])


@pytest.mark.parametrize(("prefix", "fmt"), [("/v1", "klipit"), ("/api/v1", "clypt")])
def test_an_explicit_format_overrides_the_prefix(
    server: ApiServer, http: httpx.Client, deliverer: Settings, prefix: str, fmt: str
) -> None:
    """Issue 16: the dialect is chosen at registration, by prefix or an explicit ``format``."""
    events = ALL_KLIPIT if fmt == "klipit" else ALL_CLYPT
    if fmt == "klipit":
        with run_klipit_receiver() as klipit:
            hook = _register(http, server, prefix, klipit.url(), events, format=fmt)
            klipit.secret = hook["secret"]
            _submit(http, server, prefix, "https://example.com/format-override.mp3")
            _drain(deliverer, lambda: len(klipit.verdicts), 2)
            _delete(http, server, hook)
            assert [v.ok for v in klipit.verdicts] == [True, True]
        return
    with run_clypt_receiver() as clypt:
        hook = _register(http, server, prefix, clypt.url(), events, format=fmt)
        clypt.set_secret(hook["secret"])
        _submit(http, server, prefix, "https://example.com/format-override.mp3")
        _drain(deliverer, lambda: len(clypt.verdicts), 2)
        _delete(http, server, hook)
        assert [v["ok"] for v in clypt.wait_for(2)] == [True, True]
