"""The ``drain-queue`` flow: turn queued live jobs into ``process-episode`` flow runs.

Runs on a schedule every few seconds. Each claimed job gets its own flow run of the
``process-episode`` deployment (visible, tagged and re-runnable in the Prefect UI); the
idempotency key ``<job id>:<attempt>`` means a retried start never makes two runs, and a
requeued job (its run crashed) gets a fresh one.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run

from podclip.core.settings import get_settings
from podclip.store import ops, queue

DEAD_STATES = frozenset({"CRASHED", "FAILED", "CANCELLED", "COMPLETED"})


@flow(name="drain-queue", log_prints=False)
def drain_queue(limit: int | None = None) -> list[str]:
    """Requeue dead claims, claim queued jobs and start one flow run each; return job ids."""
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    logger = get_run_logger()
    requeued = requeue_dead_claims()
    if requeued:
        logger.warning("requeued %d jobs whose runs died: %s", len(requeued), requeued)
    owner = f"{socket.gethostname()}:{os.getpid()}:{flow_run.id}"
    claimed = queue.claim_queued(engine, owner, limit or settings.queue.claim_batch)
    started = []
    for job_id, attempt in claimed:
        job = ops.get_job(engine, job_id)
        tags = [f"job:{job_id}"] + ([f"show:{job.show_name}"] if job.show_name else [])
        run = run_deployment(
            settings.queue.deployment,
            parameters={"job_id": job_id},
            timeout=0,
            idempotency_key=f"{job_id}:{attempt}",
            tags=tags,
            as_subflow=False,
            flow_run_name=f"{job_id}-{attempt}",
        )
        queue.record_dispatch(engine, job_id, str(run.id))  # type: ignore[union-attr]
        started.append(job_id)
    return started


def requeue_dead_claims() -> list[str]:
    """Release claims whose run ended without finishing the job, stopped beating, or never began.

    A finished, crashed or cancelled run is dead at once; a running one once its heartbeat is
    older than ``stale_after_seconds``; one not yet started once the claim is older than
    ``start_grace_seconds`` (its serving process may have died before starting it).
    """
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    stale_after = timedelta(seconds=settings.queue.stale_after_seconds)
    start_grace = timedelta(seconds=settings.queue.start_grace_seconds)
    requeued = []
    with get_client(sync_client=True) as client:
        for job_id, flow_run_id, last_progress in queue.claimed_unfinished(engine):
            state = _run_state(client, flow_run_id)
            if state in DEAD_STATES:
                reason = f"flow run {flow_run_id} is {state}"
            elif state == "RUNNING" and queue.is_stale(last_progress, stale_after):
                reason = f"flow run {flow_run_id} stopped beating"
            elif state != "RUNNING" and queue.is_stale(last_progress, start_grace):
                reason = f"flow run {flow_run_id} never started ({state})"
            else:
                continue
            if queue.requeue(engine, job_id, reason=reason):
                requeued.append(job_id)
    return requeued


def _run_state(client: Any, flow_run_id: str | None) -> str | None:
    if not flow_run_id:
        return None
    try:
        run = client.read_flow_run(flow_run_id)
    except ObjectNotFound:
        return "CRASHED"
    return run.state.type.value if run.state else None
