"""The webhook delivery loop of ``podclip serve``, and the deployments that no longer poll."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from standardwebhooks import Webhook as StandardWebhook

from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store import webhook_registry as registry
from tests.support.webhook_receiver import receive


def test_the_loop_delivers_what_is_due_until_stopped(data_root: Path) -> None:
    from podclip.flows.webhooks import run_webhook_loop

    settings = get_settings().model_copy(deep=True)
    settings.webhooks.deliver_interval_seconds = 0.2
    engine = ops.engine_for(settings.resolved_database_url)
    stop = threading.Event()
    with receive() as receiver:
        hook = registry.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        loop = threading.Thread(target=run_webhook_loop, args=(settings, stop), daemon=True)
        loop.start()
        job = ops.create_job(
            engine, source_type="audio_url", source_url="https://example.com/a.mp3"
        )
        deadline = time.monotonic() + 30  # bounded wait, not a timing assertion
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        loop.join(timeout=30)
        assert not loop.is_alive()
        (request,) = receiver.received
    event = StandardWebhook(hook.secret).verify(request.body, request.headers)
    assert event["type"] == "job.created" and event["data"]["object"]["id"] == job.id


def test_served_deployments_have_no_schedules(data_root: Path) -> None:
    """Nothing polls through Prefect: the dispatcher starts every run (issue 14, idle churn)."""
    from podclip.deployments.definitions import runner_deployments

    deployments = runner_deployments(get_settings())
    names = sorted(d.name for d in deployments)
    assert names == ["poll-feeds", "process-episode", "rerender-clips"]
    assert all(not d.schedules for d in deployments)
