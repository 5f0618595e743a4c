"""What a webhook delivery says: its body and signature headers, in the webhook's dialect.

A webhook speaks the dialect it was registered in (``/v1``: Clypt, ``/api/v1``: Klipit, or an
explicit ``format``; :mod:`podclip.core.dialects`).

- **Clypt** (003): the event envelope ``{id, object: "event", type, created, request_id,
  data: {object: <the job as GET /v1/jobs/{id} shows it>}}``, signed
  ``X-Clypt-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` keyed with the
  whole ``whsec_…`` string, as the document's Node snippet computes it.
- **Klipit** (000): ``{"event", "job_id", "clip_count", "timestamp"}`` with Klipit's event
  names (``job.complete``), signed ``X-Klipit-Signature: <hex HMAC-SHA256 of the raw body>``
  keyed with the whole secret string (the document names the algorithm and header only).

Every delivery also carries, over the same bytes and keyed with the base64-decoded part of the
secret (the Standard Webhooks convention): ``X-Podclip-Signature: t=<unix>,v1=<hex>`` (our own
documented name, :func:`podclip.client.verify_signature`) and the Standard Webhooks headers
``webhook-id`` (the event id, the same on retries and replays), ``webhook-timestamp`` and
``webhook-signature: v1,<base64>``, which the ``standardwebhooks`` package verifies as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from podclip.core.dialects import CLYPT, KLIPIT, Dialect, event_name
from podclip.core.settings import Settings
from podclip.store import job_view, sandbox
from podclip.store import webhook_registry as registry
from podclip.store.job_record import Job
from podclip.store.links import MediaLinks

SIGNATURE_HEADERS: dict[Dialect, str] = {
    CLYPT: "X-Clypt-Signature",
    KLIPIT: "X-Klipit-Signature",
}


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _iso(moment: datetime) -> str:
    """``2026-04-08T12:04:12Z``, as the Klipit document writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRenderer:
    """Renders event bodies and advances sandbox jobs for one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Outside a request: links under the public URL, else the API's configured address.
        self.links = MediaLinks(settings)
        # A deliverer renders each finished job once (its body is then frozen): no cache.
        self.cache = job_view.OutputCache(0)

    def job_object(self, job: Job) -> dict[str, Any]:
        """Clypt's ``data.object``: the job as ``GET /v1/jobs/{id}`` shows it, as JSON values."""
        view = job_view.job_view(job, self.settings, self.links, self.cache, CLYPT)
        result: dict[str, Any] = job_view.as_json(view)
        return result

    def body(
        self, *, event_id: str, event_type: str, created: datetime, request_id: str, job: Job
    ) -> str:
        """The Clypt event envelope as compact JSON text (frozen: every attempt sends it)."""
        envelope = {
            "id": event_id,
            "object": "event",
            "type": event_name(CLYPT, event_type),
            "created": int(created.timestamp()),
            "request_id": request_id,
            "data": {"object": self.job_object(job)},
        }
        return _compact(envelope)

    def advance_sandbox(self, engine: Engine, job: Job) -> Job:
        """Move a sandbox job to where its clock says (its webhook events fire on the way)."""
        return sandbox.advance(engine, job, step_seconds=self.settings.api.sandbox_step_seconds)


def klipit_body(*, event_type: str, created: datetime, job: Job) -> str:
    """Klipit's payload, exactly its four fields. It depends only on the event's stored row, so
    every attempt and replay renders the same bytes without freezing them."""
    payload = {
        "event": event_name(KLIPIT, event_type),
        "job_id": job.id,
        "clip_count": int(job.clip_count or 0),
        "timestamp": _iso(created),
    }
    return _compact(payload)


def sign_headers(
    body: bytes, secret: str, *, event_id: str, timestamp: int, format: Dialect = CLYPT
) -> dict[str, str]:
    """Every signature header of a delivery of ``body`` sent at ``timestamp`` (Unix seconds)."""
    key = registry.secret_key(secret)
    ours = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    standard = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    whole = secret.encode()
    if format == KLIPIT:
        dialect = hmac.new(whole, body, hashlib.sha256).hexdigest()
    else:
        mac = hmac.new(whole, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        dialect = f"t={timestamp},v1={mac}"
    return {
        SIGNATURE_HEADERS[format]: dialect,
        "X-Podclip-Signature": f"t={timestamp},v1={ours}",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{base64.b64encode(standard).decode()}",
    }
