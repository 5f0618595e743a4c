"""The webhook delivery loop: send due deliveries from a long-lived thread, not a deployment.

It replaces the ``deliver-webhooks`` deployment (a new Python process and a flow run every
5 s). Events are already committed with the job changes that caused them (the outbox), so a
loop that dies loses nothing: its leased deliveries are taken up again once the lease lapses.
Each pass also moves sandbox jobs along their clock (see :func:`tasks.webhooks.deliver_due`).
"""

from __future__ import annotations

import logging
import threading

from podclip.core.settings import Settings
from podclip.tasks.webhooks import deliver_due

logger = logging.getLogger(__name__)

ERROR_BACKOFF_SECONDS = 10.0
"""After a failed pass (database unreachable) wait this long before the next."""


def deliver_pass(settings: Settings) -> dict[str, int]:
    """One pass over the due deliveries; return how many ended each way."""
    outcomes = deliver_due(settings)
    if outcomes:
        logger.info("webhook deliveries: %s", outcomes)
    return outcomes


def run_webhook_loop(settings: Settings, stop: threading.Event) -> None:
    """Deliver every ``deliver_interval_seconds`` until ``stop`` is set."""
    delay = 0.0
    while not stop.wait(delay):
        delay = settings.webhooks.deliver_interval_seconds
        try:
            deliver_pass(settings)
        except Exception:  # the loop outlives a database that is down a while
            logger.exception("webhook pass failed; retrying in %.0f s", ERROR_BACKOFF_SECONDS)
            delay = ERROR_BACKOFF_SECONDS
