"""The ``deliver-webhooks`` flow: send webhook deliveries whose attempt is due.

Runs on a schedule every ``PODCLIP_WEBHOOKS__DELIVER_INTERVAL_SECONDS``. Events are already
committed with the job changes that caused them (the outbox in :mod:`store.webhooks`), so a
run that dies loses nothing: its leased deliveries are taken up again once the lease lapses.
"""

from __future__ import annotations

from podclip.tasks.webhooks import send_due_webhooks
from prefect import flow, get_run_logger


@flow(name="deliver-webhooks", persist_result=False, log_prints=False)
def deliver_webhooks(limit: int | None = None) -> dict[str, int]:
    """One pass over the due deliveries; return how many ended each way."""
    outcomes = send_due_webhooks(limit)
    if outcomes:
        get_run_logger().info("webhook deliveries: %s", outcomes)
    return outcomes
