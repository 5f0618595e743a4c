"""Webhook delivery against a real receiver on loopback: signatures, retries, deactivation.

Every test runs the real deliverer (``tasks.webhooks.deliver_due``) on the real operational
database (SQLite, and PostgreSQL when configured); the retry schedule is shrunk with
``PODCLIP_WEBHOOKS__TIME_SCALE`` instead of waiting for minutes.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from podclip.client.signatures import SignatureVerificationError, verify_signature
from podclip.core.errors import NoJobs, TranscriptionFailed, WebhookNotFound
from podclip.core.settings import Settings, get_settings
from podclip.store import ops
from podclip.store import webhook_deliveries as deliveries
from podclip.store import webhook_registry as registry
from podclip.tasks.webhooks import deliver_due, sign_headers
from tests.support.webhook_receiver import Receiver, receive

pytestmark = pytest.mark.both_databases  # the store: SQLite and PostgreSQL

ALL_EVENTS = ["job.created", "job.completed", "job.failed"]


@pytest.fixture
def env(
    data_root: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Settings]:
    """Settings for this test's data root (and database), with webhook overrides."""

    def make(**webhooks: object) -> Settings:
        for name, value in webhooks.items():
            monkeypatch.setenv(f"PODCLIP_WEBHOOKS__{name.upper()}", str(value))
        get_settings.cache_clear()
        return get_settings()

    return make


def _engine(settings: Settings) -> Engine:
    return ops.engine_for(settings.resolved_database_url)


def _drain(settings: Settings, done: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run deliverer passes until ``done()`` (bounded)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("deliveries did not finish in time")
        deliver_due(settings)
        time.sleep(0.005)


def _deliveries(engine: Engine, hook: registry.Webhook) -> list[deliveries.Delivery]:
    return deliveries.list_deliveries(engine, hook.id, environment=hook.environment)


def _settled(engine: Engine, hook: registry.Webhook, count: int) -> Callable[[], bool]:
    def done() -> bool:
        rows = _deliveries(engine, hook)
        return len(rows) >= count and all(d.status != "pending" for d in rows)

    return done


def _job(engine: Engine, environment: str = "live", url: str = "https://example.com/a.mp3") -> str:
    job = ops.create_job(engine, source_type="audio_url", source_url=url, environment=environment)
    return job.id


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receive() as running:
        yield running


def test_every_delivery_verifies_with_standardwebhooks_and_the_helper(
    env: Callable[..., Settings], receiver: Receiver
) -> None:
    settings = env()
    engine = _engine(settings)
    hook = registry.create_webhook(
        engine, url=receiver.url(), events=ALL_EVENTS, environment="live"
    )
    failed = _job(engine)
    ops.fail_job(engine, failed, TranscriptionFailed("no speech found"))
    _drain(settings, _settled(engine, hook, 2))

    # Both were due in one pass and sent concurrently: they may arrive in either order.
    got = sorted(receiver.wait_for(2), key=lambda r: r.headers["X-Podclip-Event"])
    events = []
    for request in got:
        standard = StandardWebhook(hook.secret).verify(request.body, request.headers)
        ours = verify_signature(request.body, request.headers["X-Podclip-Signature"], hook.secret)
        assert standard == ours
        assert request.headers["webhook-id"] == ours["id"]
        assert request.headers["X-Podclip-Event"] == ours["type"]
        events.append(ours)
    assert [e["type"] for e in events] == ["job.created", "job.failed"]
    failed_event = events[1]
    assert set(failed_event) == {"id", "object", "type", "created", "request_id", "data"}
    assert failed_event["object"] == "event" and failed_event["id"].startswith("evt_")
    assert failed_event["request_id"].startswith("req_")
    job = failed_event["data"]["object"]
    assert job["id"] == failed and job["status"] == "failed"
    assert job["error"] == {"code": "transcription_failed", "message": "no speech found"}
    assert events[0]["data"]["object"]["status"] == "queued"

    # The job as GET /v1/jobs/{id} renders it (the API's own view and schema).
    from podclip.tasks.webhook_payloads import EventRenderer

    assert job == EventRenderer(settings).job_object(ops.get_job(engine, failed))

    request = got[1]
    tampered = request.body.replace(b'"failed"', b'"complete"', 1)
    with pytest.raises(SignatureVerificationError):
        verify_signature(tampered, request.headers["X-Podclip-Signature"], hook.secret)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook.secret).verify(tampered, request.headers)
    stale = sign_headers(
        request.body, hook.secret, event_id=events[1]["id"], timestamp=int(time.time()) - 600
    )
    with pytest.raises(SignatureVerificationError):
        verify_signature(request.body, stale["X-Podclip-Signature"], hook.secret)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook.secret).verify(request.body, stale)


def test_events_only_reach_webhooks_of_the_jobs_environment_that_want_them(
    env: Callable[..., Settings], receiver: Receiver
) -> None:
    settings = env()
    engine = _engine(settings)
    done_only = registry.create_webhook(
        engine, url=receiver.url("/done"), events=["job.completed"], environment="live"
    )
    sandbox = registry.create_webhook(
        engine, url=receiver.url("/sandbox"), events=ALL_EVENTS, environment="test"
    )
    job_id = _job(engine)
    assert _deliveries(engine, done_only) == []
    ops.set_status(engine, job_id, "complete", clip_count=0)
    assert [d.event_type for d in _deliveries(engine, done_only)] == ["job.completed"]
    assert _deliveries(engine, sandbox) == []


def test_fails_three_times_then_delivered_on_the_fourth_attempt_on_schedule(
    env: Callable[..., Settings],
) -> None:
    scale = 0.01  # 1 s, 10 s, 1 min -> 0.01 s, 0.1 s, 0.6 s
    settings = env(time_scale=scale)
    engine = _engine(settings)
    with receive([500, 503, 500, 200]) as receiver:
        hook = registry.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        _job(engine)
        _drain(settings, _settled(engine, hook, 1))
        got = receiver.wait_for(4)

    (delivery,) = _deliveries(engine, hook)
    assert delivery.status == "delivered" and delivery.attempts == 4
    assert len(got) == 4
    assert len({r.headers["webhook-id"] for r in got}) == 1
    assert len({r.body for r in got}) == 1
    attempts = deliveries.attempts_of(engine, delivery.id)
    assert [a["status_code"] for a in attempts] == [500, 503, 500, 200]
    for number, (before, after) in enumerate(itertools.pairwise(attempts), 1):
        scheduled = deliveries.RETRY_SCHEDULE[number - 1] * scale
        waited = (after["started_at"] - before["finished_at"]).total_seconds()
        assert waited >= scheduled, (number, waited, scheduled)
    assert registry.get_webhook(engine, hook.id, environment="live").consecutive_failures == 0


def test_ten_failed_deliveries_in_a_row_deactivate_the_webhook(
    env: Callable[..., Settings],
) -> None:
    # Seven attempts use the first six delays (25 871 s); scaled to about 0.5 s per delivery.
    settings = env(time_scale=0.00002)
    engine = _engine(settings)
    with receive([500]) as receiver:
        hook = registry.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        for _ in range(10):
            _job(engine)
        _drain(settings, _settled(engine, hook, 10), timeout=60)
        after = registry.get_webhook(engine, hook.id, environment="live")
        assert not after.active
        assert after.consecutive_failures == 10
        assert after.deactivated_reason == "10 consecutive deliveries failed"
        rows = _deliveries(engine, hook)
        assert [d.status for d in rows] == ["failed"] * 10
        assert {d.attempts for d in rows} == {settings.webhooks.max_attempts}
        assert len(receiver.received) == 10 * settings.webhooks.max_attempts
        _job(engine)  # an inactive webhook gets no new deliveries
        assert len(_deliveries(engine, hook)) == 10


def test_a_2xx_resets_the_failure_count(env: Callable[..., Settings]) -> None:
    settings = env(time_scale=0.00002)
    engine = _engine(settings)
    with receive([500]) as receiver:
        hook = registry.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        for _ in range(3):
            _job(engine)
        _drain(settings, _settled(engine, hook, 3), timeout=30)
        assert registry.get_webhook(engine, hook.id, environment="live").consecutive_failures == 3
        receiver.statuses = [200]
        _job(engine)
        _drain(settings, _settled(engine, hook, 4))
    after = registry.get_webhook(engine, hook.id, environment="live")
    assert after.active and after.consecutive_failures == 0


def test_410_gone_deactivates_at_once(env: Callable[..., Settings]) -> None:
    settings = env()
    engine = _engine(settings)
    with receive([410]) as receiver:
        hook = registry.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        _job(engine)
        _job(engine)
        deliver_due(settings, limit=1)
        assert len(receiver.received) == 1
    after = registry.get_webhook(engine, hook.id, environment="live")
    assert not after.active and "410" in str(after.deactivated_reason)
    statuses = sorted(d.status for d in _deliveries(engine, hook))
    assert statuses == ["canceled", "failed"]


def test_redirects_timeouts_and_refused_connections_are_failed_attempts(
    env: Callable[..., Settings],
) -> None:
    settings = env(delivery_timeout_seconds=0.3)
    engine = _engine(settings)
    silent = socket.socket()  # accepts connections (backlog) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        with receive([302]) as redirecting:
            hooks = {
                "redirect": redirecting.url(),
                "timeout": f"http://127.0.0.1:{silent.getsockname()[1]}/hook",
                "refused": f"http://127.0.0.1:{closed_port}/hook",
            }
            made = {
                name: registry.create_webhook(
                    engine, url=url, events=["job.created"], environment="live"
                )
                for name, url in hooks.items()
            }
            _job(engine)
            outcomes = deliver_due(settings)
    finally:
        silent.close()
    assert outcomes == {"retrying": 3}
    errors = {name: _deliveries(engine, hook)[0] for name, hook in made.items()}
    assert errors["redirect"].last_status_code == 302
    assert errors["timeout"].last_error is not None and "timeout" in errors["timeout"].last_error
    assert errors["refused"].last_error is not None and "Connect" in errors["refused"].last_error
    assert all(d.status == "pending" and d.attempts == 1 for d in errors.values())


def test_two_deliverers_at_once_send_each_attempt_once(
    env: Callable[..., Settings], receiver: Receiver
) -> None:
    settings = env(batch_size=3, concurrency=2)
    engine = _engine(settings)
    hook = registry.create_webhook(
        engine, url=receiver.url(), events=["job.created"], environment="live"
    )
    for _ in range(12):
        _job(engine)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _drain(settings, _settled(engine, hook, 12))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12


def test_sandbox_jobs_fire_their_events_without_being_polled(
    env: Callable[..., Settings], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCLIP_API__SANDBOX_STEP_SECONDS", "0.05")
    settings = env()
    engine = _engine(settings)
    hook = registry.create_webhook(
        engine, url=receiver.url(), events=ALL_EVENTS, environment="test"
    )
    good = _job(engine, "test", "https://example.com/episode.mp3")
    bad = _job(engine, "test", "https://example.com/FAIL.mp3")
    _drain(settings, _settled(engine, hook, 4))
    events = {
        (e["data"]["object"]["id"], e["type"]): e
        for e in (json.loads(r.body) for r in receiver.wait_for(4))
    }
    assert set(events) == {
        (good, "job.created"),
        (good, "job.completed"),
        (bad, "job.created"),
        (bad, "job.failed"),
    }
    done = events[(good, "job.completed")]["data"]["object"]
    assert done["status"] == "complete" and len(done["output"]["clips"]) == 3
    failed = events[(bad, "job.failed")]["data"]["object"]
    assert failed["error"]["code"] == "transcription_failed"


def test_test_fire_and_replay_resend_the_same_event(
    env: Callable[..., Settings], receiver: Receiver
) -> None:
    settings = env()
    engine = _engine(settings)
    hook = registry.create_webhook(
        engine, url=receiver.url(), events=["job.failed"], environment="live"
    )
    with pytest.raises(NoJobs):
        deliveries.fire_test_event(engine, hook.id, environment="live")
    job_id = _job(engine)
    test = deliveries.fire_test_event(engine, hook.id, environment="live")
    assert test.event_type == "job.completed" and test.status == "pending"
    _drain(settings, _settled(engine, hook, 1))
    replay = deliveries.replay_delivery(engine, test.id, environment="live")
    assert replay.replay_of == test.id and replay.request_id == test.request_id
    _drain(settings, _settled(engine, hook, 2))
    first, second = receiver.wait_for(2)
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == test.event_id
    event = json.loads(first.body)
    assert event["type"] == "job.completed" and event["data"]["object"]["id"] == job_id
    assert event["request_id"] == test.request_id
    with pytest.raises(WebhookNotFound):
        deliveries.replay_delivery(engine, test.id, environment="test")


KILLED_DELIVERER = """
import os, signal
import podclip.tasks.webhooks as deliverer
from podclip.core.settings import get_settings

def die(*args, **kwargs):
    # Claimed and committed, body frozen, nothing sent yet.
    os.kill(os.getpid(), signal.SIGKILL)

deliverer.post = die
deliverer.deliver_due(get_settings())
"""


@pytest.mark.slow
def test_a_deliverer_killed_between_claim_and_send_loses_nothing(
    env: Callable[..., Settings], receiver: Receiver, repo_root: Path
) -> None:
    settings = env(lease_seconds=5)
    engine = _engine(settings)
    hook = registry.create_webhook(
        engine, url=receiver.url(), events=["job.created"], environment="live"
    )
    job_id = _job(engine)
    result = subprocess.run(
        [sys.executable, "-c", KILLED_DELIVERER],
        cwd=repo_root,
        env=dict(os.environ),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]
    assert receiver.received == []
    (claimed,) = _deliveries(engine, hook)
    assert claimed.status == "pending" and claimed.attempts == 0
    assert deliver_due(settings) == {}  # still leased to the dead process
    _drain(settings, _settled(engine, hook, 1))
    (request,) = receiver.wait_for(1)
    event = verify_signature(request.body, request.headers["X-Podclip-Signature"], hook.secret)
    assert event["id"] == claimed.event_id and event["data"]["object"]["id"] == job_id
    assert _deliveries(engine, hook)[0].attempts == 1
