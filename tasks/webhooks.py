"""Send due webhook deliveries: sign, POST once, record the outcome and the next attempt.

:func:`deliver_due` is the whole job as a plain function (tests and the ``deliver-webhooks``
flow call it); :func:`send_due_webhooks` is its Prefect task. One pass moves sandbox jobs along
their clock (so their events fire without anyone polling), leases the due deliveries
(:func:`store.webhooks.claim_due`), and sends them concurrently.

Each request carries two signatures over the same raw body, both keyed with the
base64-decoded bytes of the ``whsec_`` secret:

- ``X-Podclip-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (Stripe shape);
- the Standard Webhooks headers ``webhook-id`` (the event id, the same on retries and
  replays), ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
  "<id>.<t>.<body>">``, which the ``standardwebhooks`` package verifies as they are.

Redirects are not followed; any non-2xx answer, timeout or connection error is a failed
attempt. URLs are checked again before every attempt (a name can come to resolve to a private
address); only https unless ``allow_private_urls`` is set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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

from podclip.core.errors import InvalidSourceUrl
from podclip.core.settings import Settings, get_settings
from podclip.store import ops
from podclip.store import webhooks as store
from podclip.store.webhooks import AttemptResult, Claim
from podclip.webhooks import EventRenderer, check_endpoint

logger = logging.getLogger(__name__)

USER_AGENT = "podclip-webhooks/1.0"
ERROR_TEXT_LIMIT = 500


def sign_headers(body: bytes, secret: str, *, event_id: str, timestamp: int) -> dict[str, str]:
    """Both signature header sets for ``body`` sent at ``timestamp`` (Unix seconds)."""
    key = store.secret_key(secret)
    stripe = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    standard = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "X-Podclip-Signature": f"t={timestamp},v1={stripe}",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{base64.b64encode(standard).decode()}",
    }


def post(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str], *, allow_private: bool
) -> AttemptResult:
    """One attempt: POST and read only the status (the response body is never read)."""
    started = ops.utcnow()
    try:
        check_endpoint(url, allow_private=allow_private)
        with client.stream("POST", url, content=body, headers=headers) as response:
            status = response.status_code
    except InvalidSourceUrl as exc:
        return AttemptResult(started, ops.utcnow(), error=f"refused: {exc.message}")
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
    body = out.body
    if body is None:
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
        "X-Podclip-Event": out.event_type,
        "X-Podclip-Delivery": out.delivery_id,
        **sign_headers(raw, out.secret, event_id=out.event_id, timestamp=int(time.time())),
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
    if not any(h.active for h in store.list_webhooks(engine, environment="test")):
        return 0
    moved = 0
    for job in store.pending_sandbox_jobs(engine):
        if renderer.advance_sandbox(engine, job).status != job.status:
            moved += 1
    return moved


@lru_cache(maxsize=4)
def _client(timeout_seconds: float) -> httpx.Client:
    """One client per process (building its TLS context costs about 50 ms); thread-safe."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout_seconds), follow_redirects=False, trust_env=False
    )


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
    client = _client(config.delivery_timeout_seconds)
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
