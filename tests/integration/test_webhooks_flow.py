"""The ``deliver-webhooks`` flow on Prefect's test harness, and its scheduled deployment."""

from __future__ import annotations

from pathlib import Path

import pytest
from standardwebhooks import Webhook as StandardWebhook

from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store import webhooks as store
from tests.support.webhook_receiver import receive


@pytest.mark.slow
def test_the_flow_delivers_what_is_due(prefect_results: Path) -> None:
    from podclip.flows.webhooks import deliver_webhooks

    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    with receive() as receiver:
        hook = store.create_webhook(
            engine, url=receiver.url(), events=["job.created"], environment="live"
        )
        job = ops.create_job(
            engine, source_type="audio_url", source_url="https://example.com/a.mp3"
        )
        assert deliver_webhooks() == {"delivered": 1}
        (request,) = receiver.received
    event = StandardWebhook(hook.secret).verify(request.body, request.headers)
    assert event["type"] == "job.created" and event["data"]["object"]["id"] == job.id
    assert deliver_webhooks() == {}


def test_deliver_webhooks_is_deployed_on_its_interval(data_root: Path) -> None:
    from podclip.deployments.definitions import runner_deployments

    (deployment,) = [d for d in runner_deployments(get_settings()) if d.name == "deliver-webhooks"]
    (schedule,) = deployment.schedules
    interval = get_settings().webhooks.deliver_interval_seconds
    assert schedule.schedule.interval.total_seconds() == interval
