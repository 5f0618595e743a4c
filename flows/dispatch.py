"""The dispatcher: one long-lived loop that turns queued live jobs into flow runs at once.

It replaces the ``drain-queue`` deployment, which ran every 5 s as a new Python process and a
new row in Prefect's UI (95 % of a core and 205 flow runs in 2 idle minutes). Here, each tick
is one indexed read of the jobs table in the serving process; only a job makes a flow run:
one ``process-episode`` run per claim, started with :func:`prefect.deployments.run_deployment`
(``timeout=0``) and the idempotency key ``<job id>:<attempt>``, so a retried start never makes
two runs while a requeued job (its run died) gets a fresh one.

A slow safety sweep in the same loop requeues lost jobs (a run that ended without finishing
its job, stopped beating, or never started), and starts ``poll-feeds`` once per feed interval
when a feed is registered. Several dispatchers may run at once (one per worker machine): the
claim is atomic and the keys are the same, so each job still gets exactly one run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from sqlalchemy import Engine

from podclip.core.settings import Settings
from podclip.store import feeds as feed_store
from podclip.store import ops, queue

logger = logging.getLogger(__name__)

FEEDS_DEPLOYMENT = "poll-feeds/poll-feeds"
DEAD_STATES = frozenset({"CRASHED", "FAILED", "CANCELLED", "COMPLETED"})
ERROR_BACKOFF_SECONDS = 10.0
"""After a failed tick (database or Prefect unreachable) wait this long before the next."""


@dataclass
class Dispatcher:
    """Claims queued live jobs and starts their flow runs; sweeps up lost ones."""

    settings: Settings
    engine: Engine
    wake: Callable[[], None] | None = None
    """Called after runs were created, so a runner in this process starts them without
    waiting for its next poll of the Prefect API."""
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    _feeds_slot: int | None = None

    def dispatch(self, limit: int | None = None) -> list[str]:
        """Claim up to ``limit`` queued live jobs and start one flow run each; return job ids."""
        if not queue.has_claimable(self.engine):
            return []
        claimed = queue.claim_queued(
            self.engine, self.owner, limit or self.settings.queue.claim_batch
        )
        started = []
        try:
            for job_id, attempt in claimed:
                self.start_run(job_id, attempt)
                started.append(job_id)
        except Exception as exc:
            # Prefect is unreachable: give the unstarted claims back now rather than after
            # start_grace_seconds; the loop backs off and tries again.
            for job_id, _ in claimed:
                if job_id not in started:
                    queue.requeue(self.engine, job_id, reason=f"its run could not start: {exc}")
            raise
        finally:
            if started and self.wake is not None:
                self.wake()
        return started

    def start_run(self, job_id: str, attempt: int) -> str:
        """Create (or find, by idempotency key) the job's flow run; record and return its id."""
        job = ops.get_job(self.engine, job_id)
        tags = [f"job:{job_id}"] + ([f"show:{job.show_name}"] if job.show_name else [])
        run = run_deployment(
            self.settings.queue.deployment,
            parameters={"job_id": job_id},
            timeout=0,
            idempotency_key=f"{job_id}:{attempt}",
            tags=tags,
            as_subflow=False,
            flow_run_name=f"{job_id}-{attempt}",
        )
        run_id = str(run.id)  # type: ignore[union-attr]
        queue.record_dispatch(self.engine, job_id, run_id)
        return run_id

    def sweep(self) -> list[str]:
        """Requeue lost jobs (see :func:`requeue_dead_claims`); return their ids."""
        requeued = requeue_dead_claims(self.engine, self.settings)
        if requeued:
            logger.warning("requeued %d jobs whose runs died: %s", len(requeued), requeued)
        return requeued

    def poll_feeds_if_due(self, now: float | None = None) -> str | None:
        """Start one ``poll-feeds`` run per feed interval while any feed is registered."""
        interval = self.settings.feeds.poll_interval_minutes * 60
        slot = int((time.time() if now is None else now) // interval)
        if slot == self._feeds_slot or not feed_store.list_feeds(self.engine):
            return None
        # Every dispatcher computes the same slot: the key makes one run per interval in all.
        run = run_deployment(
            FEEDS_DEPLOYMENT,
            timeout=0,
            idempotency_key=f"poll-feeds:{slot}",
            tags=["podclip"],
            as_subflow=False,
        )
        self._feeds_slot = slot
        if self.wake is not None:
            self.wake()
        return str(run.id)  # type: ignore[union-attr]


def requeue_dead_claims(engine: Engine, settings: Settings) -> list[str]:
    """Release claims whose run ended without finishing the job, stopped beating, or never began.

    A finished, crashed or cancelled run is dead at once; a running one once its heartbeat is
    older than ``stale_after_seconds``; one not yet started once the claim is older than
    ``start_grace_seconds`` (its serving process may have died before starting it).
    """
    stale_after = timedelta(seconds=settings.queue.stale_after_seconds)
    start_grace = timedelta(seconds=settings.queue.start_grace_seconds)
    claims = queue.claimed_unfinished(engine)
    if not claims:
        return []  # the idle case: no call to Prefect at all
    requeued = []
    with get_client(sync_client=True) as client:
        for job_id, flow_run_id, last_progress in claims:
            reason = _dead_reason(client, flow_run_id, last_progress, stale_after, start_grace)
            if reason and queue.requeue(engine, job_id, reason=reason):
                requeued.append(job_id)
    return requeued


def _dead_reason(
    client: Any,
    flow_run_id: str | None,
    last_progress: datetime,
    stale_after: timedelta,
    start_grace: timedelta,
) -> str | None:
    state = _run_state(client, flow_run_id)
    if state in DEAD_STATES:
        return f"flow run {flow_run_id} is {state}"
    if state == "RUNNING" and queue.is_stale(last_progress, stale_after):
        return f"flow run {flow_run_id} stopped beating"
    if state != "RUNNING" and queue.is_stale(last_progress, start_grace):
        return f"flow run {flow_run_id} never started ({state})"
    return None


def _run_state(client: Any, flow_run_id: str | None) -> str | None:
    if not flow_run_id:
        return None
    try:
        run = client.read_flow_run(flow_run_id)
    except ObjectNotFound:
        return "CRASHED"
    return run.state.type.value if run.state else None


def run_dispatcher(
    settings: Settings, stop: threading.Event, wake: Callable[[], None] | None = None
) -> None:
    """Dispatch every ``dispatch_interval_seconds`` and sweep every ``sweep_interval_seconds``
    until ``stop`` is set; the first sweep runs at once (a restart finds its lost jobs)."""
    config = settings.queue
    dispatcher = Dispatcher(settings, ops.engine_for(settings.resolved_database_url), wake)
    next_sweep = 0.0
    delay = 0.0
    while not stop.wait(delay):
        delay = config.dispatch_interval_seconds
        try:
            if time.monotonic() >= next_sweep:
                dispatcher.sweep()
                dispatcher.poll_feeds_if_due()
                next_sweep = time.monotonic() + config.sweep_interval_seconds
            dispatcher.dispatch()
        except Exception:  # the loop outlives a database or Prefect API that is down a while
            logger.exception("dispatcher tick failed; retrying in %.0f s", ERROR_BACKOFF_SECONDS)
            delay = ERROR_BACKOFF_SECONDS
