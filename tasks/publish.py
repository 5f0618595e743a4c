"""Stage 6: write the job's transcript, clips and renders to the lake, then mark it complete."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store.clips import PublishBatch, publish
from podclip.tasks.retry import retry_unless_permanent


@task(
    name="publish_clips",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=retry_unless_permanent,
)
def publish_clips(batch: PublishBatch) -> int:
    """Publish in one lake transaction, then end the job ``complete``; return the clip count."""
    settings = get_settings()
    publish(settings, batch)
    engine = ops.engine_for(settings.resolved_database_url)
    ops.set_status(
        engine,
        batch.job_id,
        "complete",
        message=f"{len(batch.plans)} clips published",
        clip_count=len(batch.plans),
    )
    return len(batch.plans)
