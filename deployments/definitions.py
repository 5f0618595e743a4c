"""The deployments podclip runs, defined once for both ``podclip serve`` and ``prefect.yaml``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from podclip.core.settings import Settings


def runner_deployments(settings: Settings) -> list[Any]:
    """RunnerDeployments for ``prefect.serve``: the episode flow and its schedules."""
    from podclip.flows.drain import drain_queue
    from podclip.flows.episode import process_episode
    from podclip.flows.ingest import poll_feeds
    from podclip.flows.webhooks import deliver_webhooks

    deployments = [
        process_episode.to_deployment(
            name="process-episode", tags=["podclip"], description="One job, source to clips."
        ),
        drain_queue.to_deployment(
            name="drain-queue",
            interval=timedelta(seconds=settings.queue.drain_interval_seconds),
            tags=["podclip"],
            description="Start a process-episode run for each queued job.",
        ),
    ]
    minutes = settings.feeds.poll_interval_minutes
    deployments.append(
        poll_feeds.to_deployment(
            name="poll-feeds",
            interval=timedelta(minutes=minutes),
            tags=["podclip"],
            description="Turn new episodes of registered feeds into jobs.",
        )
    )
    deployments.append(
        deliver_webhooks.to_deployment(
            name="deliver-webhooks",
            interval=timedelta(seconds=settings.webhooks.deliver_interval_seconds),
            tags=["podclip"],
            description="Send due webhook deliveries (signed, retried on schedule).",
        )
    )
    return deployments


def ensure_concurrency_limits(settings: Settings) -> None:
    """Create or update the global limits on transcription and rendering across workers."""
    from podclip.tasks.render import RENDER_LIMIT
    from podclip.tasks.transcribe import TRANSCRIPTION_LIMIT
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(
            TRANSCRIPTION_LIMIT, settings.queue.transcription_concurrency
        )
        client.upsert_global_concurrency_limit_by_name(
            RENDER_LIMIT, settings.queue.render_concurrency
        )


def serve(settings: Settings) -> None:
    """Serve every deployment from this process until interrupted (one-machine mode)."""
    from prefect import serve as prefect_serve

    ensure_concurrency_limits(settings)
    prefect_serve(*runner_deployments(settings), limit=max(2, settings.queue.claim_batch))
