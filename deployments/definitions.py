"""The deployments podclip runs, defined once for both ``podclip serve`` and ``prefect.yaml``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from podclip.core.settings import Settings

logger = logging.getLogger(__name__)


def runner_deployments(settings: Settings) -> list[Any]:
    """RunnerDeployments for ``podclip serve``: the episode flow and the feed poll, unscheduled.

    Neither has a schedule: the dispatcher starts ``process-episode`` once per job and
    ``poll-feeds`` once per feed interval while feeds exist, so an idle stack makes no runs.
    """
    from podclip.flows.episode import process_episode
    from podclip.flows.ingest import poll_feeds

    return [
        process_episode.to_deployment(
            name="process-episode", tags=["podclip"], description="One job, source to clips."
        ),
        poll_feeds.to_deployment(
            name="poll-feeds",
            tags=["podclip"],
            description="Turn new episodes of registered feeds into jobs.",
        ),
        *_studio_deployments(),
    ]


def _studio_deployments() -> list[Any]:
    """The studio's ``rerender-clips`` (issue 18): started per queued re-render request."""
    from podclip.flows.rerender import rerender_clips

    return [
        rerender_clips.to_deployment(
            name="rerender-clips",
            tags=["podclip"],
            description="Re-render the clips a producer changed in the studio.",
        )
    ]


def ensure_concurrency_limits(settings: Settings) -> None:
    """Create or update the global limits on transcription and rendering across workers."""
    from prefect.client.orchestration import get_client

    from podclip.tasks.render import RENDER_LIMIT
    from podclip.tasks.transcribe import TRANSCRIPTION_LIMIT

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(
            TRANSCRIPTION_LIMIT, settings.queue.transcription_concurrency
        )
        client.upsert_global_concurrency_limit_by_name(
            RENDER_LIMIT, settings.queue.render_concurrency
        )


def serve(settings: Settings) -> None:
    """Serve the deployments, the dispatcher and the webhook loop from this process."""
    from prefect.exceptions import TerminationSignal

    from podclip.deployments.loops import BackgroundLoops
    from podclip.deployments.warm import WarmRunner

    ensure_concurrency_limits(settings)
    # Prefect's runner, each run forked from a warm forkserver (deployments/warm.py).
    runner = WarmRunner(
        limit=max(2, settings.queue.claim_batch),
        query_seconds=settings.queue.runner_poll_seconds,
        pause_on_shutdown=False,
        warm=settings.queue.warm_starts,
    )
    for deployment in runner_deployments(settings):
        runner.add_deployment(deployment)
    loops = BackgroundLoops(settings, wake=lambda: wake_runner(runner))
    loops.start()
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        logger.info("shutting down")
    finally:
        loops.stop()


def wake_runner(runner: Any) -> None:
    """Make the runner look for scheduled runs now rather than at its next poll.

    The dispatcher calls this right after creating runs, so a job starts within about a second
    without the runner asking Prefect's API every second (each poll costs the server CPU). It
    uses the runner's own poll step, so a run is still proposed Pending and started only once.
    """
    poller = getattr(runner, "_scheduled_run_poller", None)
    if not getattr(runner, "started", False) or poller is None:
        return  # not started yet, or another Prefect version: its regular poll starts the run
    runner.execute_in_background(poller._get_and_submit_flow_runs)
