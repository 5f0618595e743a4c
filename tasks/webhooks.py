"""Send due webhook deliveries: sign, POST once, record the outcome and the next attempt.

:func:`deliver_due` is the whole job as a plain function (tests and the delivery loop in
``flows/webhooks.py`` call it); :func:`send_due_webhooks` is its Prefect task. One pass moves
sandbox jobs along their clock (so their events fire without anyone polling), leases the due
deliveries (:func:`podclip.store.webhook_deliveries.claim_due`), and sends them concurrently.

Bodies and signature headers follow the webhook's dialect (Clypt or Klipit), plus our own
``X-Podclip-Signature`` and the Standard Webhooks headers on every request: see
:mod:`podclip.tasks.webhook_payloads`.

Redirects are not followed; any non-2xx answer, timeout or connection error is a failed
attempt. URLs are checked again before every attempt (a name can come to resolve to a private
address); only https unless ``allow_private_urls`` is set.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from podclip.core import egress
from podclip.core.dialects import CLYPT, KLIPIT, Dialect, event_name
from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import EgressPolicy
from podclip.core.settings import Settings, get_settings
from podclip.store import ops
from podclip.store import webhook_deliveries as store
from podclip.store import webhook_registry as registry
from podclip.store.webhook_deliveries import AttemptResult, Claim
from podclip.store.webhook_registry import check_endpoint
from podclip.tasks.webhook_payloads import EventRenderer, klipit_body, sign_headers

logger = logging.getLogger(__name__)

USER_AGENT = "podclip-webhooks/1.0"
ERROR_TEXT_LIMIT = 500


__all__ = ["deliver_due", "post", "send_due_webhooks", "sign_headers"]


def post(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str], *, allow_private: bool
) -> AttemptResult:
    """One attempt: POST and read only the status (the response body is never read)."""
    started = ops.utcnow()
    try:
        check_endpoint(url, allow_private=allow_private)
        # One deadline for the whole attempt: a receiver that trickles its answer is cut off.
        with (
            egress.deadline(client.timeout.read),
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            status = response.status_code
    except InvalidSourceUrl as exc:
        return AttemptResult(started, ops.utcnow(), error=f"refused: {exc.message}")
    except httpx.ConnectError:
        # A refused, unreachable or egress-denied endpoint reads the same (no port oracle).
        return AttemptResult(started, ops.utcnow(), error=f"ConnectError: {egress.UNREACHABLE}")
    except httpx.TimeoutException as exc:
        return AttemptResult(started, ops.utcnow(), error=f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        text = f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
        return AttemptResult(started, ops.utcnow(), error=text)
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return AttemptResult(started, ops.utcnow(), status_code=status, error=error)


def _deliver_one(
    engine: Engine,
    settings: Settings,
    renderer: EventRenderer,
    client: httpx.Client,
    claim: Claim,
) -> str:
    """Send one claimed delivery; return what became of it."""
    out = store.outbound(engine, claim)
    if not out.sendable:
        store.cancel(engine, claim, "webhook deleted or deactivated")
        return "canceled"
    fmt: Dialect = KLIPIT if out.format == KLIPIT else CLYPT
    body = out.body
    if fmt == KLIPIT:
        # Rendered from the stored event alone, so every attempt sends the same bytes.
        body = klipit_body(event_type=out.event_type, created=out.event_created, job=out.job)
    elif body is None:
        try:
            rendered = renderer.body(
                event_id=out.event_id,
                event_type=out.event_type,
                created=out.event_created,
                request_id=out.request_id,
                job=out.job,
            )
        except Exception as exc:  # a failed render is a failed attempt, retried on schedule
            logger.exception("rendering event %s failed", out.event_id)
            now = ops.utcnow()
            result = AttemptResult(now, now, error=f"render failed: {type(exc).__name__}")
            return _record(engine, settings, claim, result)
        body = store.freeze_body(engine, out.event_id, rendered)
    raw = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Podclip-Event": event_name(fmt, out.event_type),
        "X-Podclip-Delivery": out.delivery_id,
        **sign_headers(
            raw, out.secret, event_id=out.event_id, timestamp=int(time.time()), format=fmt
        ),
    }
    result = post(client, out.url, raw, headers, allow_private=settings.allow_private_urls)
    return _record(engine, settings, claim, result)


def _record(engine: Engine, settings: Settings, claim: Claim, result: AttemptResult) -> str:
    config = settings.webhooks
    status = store.record_attempt(
        engine,
        claim,
        result,
        max_attempts=config.max_attempts,
        time_scale=config.time_scale,
        max_consecutive_failures=config.max_consecutive_failures,
    )
    if status is None:
        logger.warning("lost the lease on delivery %s; its outcome was not recorded", claim)
        return "lost"
    return "retrying" if status == "pending" else status


def advance_sandbox_jobs(engine: Engine, renderer: EventRenderer) -> int:
    """Move unfinished sandbox jobs along their clock when a sandbox webhook listens."""
    if not registry.has_active_webhooks(engine, environment="test"):
        return 0
    moved = 0
    for job in store.pending_sandbox_jobs(engine):
        if renderer.advance_sandbox(engine, job).status != job.status:
            moved += 1
    return moved


@lru_cache(maxsize=4)
def _client(timeout_seconds: float, policy: EgressPolicy) -> httpx.Client:
    """One client per process (building its TLS context costs about 50 ms); thread-safe.

    Its transport is the egress guard: the endpoint's host is resolved, checked and pinned at
    send time, so a URL registered while it resolved public is refused once it turns private.
    """
    return egress.guarded_client(policy, timeout=httpx.Timeout(timeout_seconds))


def deliver_due(
    settings: Settings, now: datetime | None = None, limit: int | None = None
) -> dict[str, int]:
    """One pass: send every delivery due at ``now`` (up to ``limit``); count the outcomes."""
    config = settings.webhooks
    engine = ops.engine_for(settings.resolved_database_url)
    renderer = EventRenderer(settings)
    advance_sandbox_jobs(engine, renderer)
    owner = f"{socket.gethostname()}:{os.getpid()}:{time.monotonic_ns()}"
    claims = store.claim_due(
        engine, owner, limit=limit or config.batch_size, lease_seconds=config.lease_seconds, now=now
    )
    outcomes: Counter[str] = Counter()
    if not claims:
        return dict(outcomes)
    client = _client(config.delivery_timeout_seconds, EgressPolicy.from_settings(settings))
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency)) as pool:
        futures = [
            pool.submit(_deliver_one, engine, settings, renderer, client, claim) for claim in claims
        ]
        for future in futures:
            outcomes[future.result()] += 1
    return dict(outcomes)


@task(name="send_due_webhooks", cache_policy=NO_CACHE, persist_result=False)
def send_due_webhooks(limit: int | None = None) -> dict[str, int]:
    """Prefect task around :func:`deliver_due` (never cached: every pass must look again)."""
    return deliver_due(get_settings(), limit=limit)
