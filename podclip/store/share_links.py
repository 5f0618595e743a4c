"""Guest share links: unguessable public URLs of a job's guest page, and the outputs it shows.

A share token is ``<job id>.<mac>`` (or ``<job id>.v<N>.<mac>`` once the link was revoked or
issued again N times): the MAC is HMAC-SHA256 over ``share:v1:<job id>[:<N>]`` with a key
derived from the API signing secret, cut to 32 base64url characters (192 bits). Any API worker
can make and check a token, and a token never names another job. The job row keeps the link's
state: ``share_version`` (only the current version's token works), ``share_revoked_at`` and
``share_issued_at``. A link expires ``api.share_ttl_days`` after it was issued (the job's
completion, or the last :func:`issue`); an expired page answers 410, a revoked or superseded one
404. Rotating ``api.signing_secret`` still revokes every page at once. The media links inside a
page are ordinary signed, expiring media links made when it is served. The job view (API and
webhooks) links the page; :mod:`podclip.api.share` renders it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, update

from podclip.core.errors import JobNotFound
from podclip.core.settings import Settings
from podclip.store.clips import outputs_for_job
from podclip.store.job_record import Job, utcnow
from podclip.store.links import MediaLinks
from podclip.store.schema import jobs

SHARE_VERSION = "v1"
SHARE_ROUTE = "/share"
MAC_CHARS = 32
_TOKEN = re.compile(
    rf"^(job_[0-9a-f]{{6,40}})(?:\.v([1-9][0-9]{{0,8}}))?\.([A-Za-z0-9_-]{{{MAC_CHARS}}})$"
)
_OUTPUTS_CACHE = 256
_outputs: OrderedDict[str, dict[str, dict[str, Any]]] = OrderedDict()
_outputs_lock = threading.Lock()

ShareState = Literal["active", "revoked", "expired"]


def _mac(secret: bytes, job_id: str, version: int = 0) -> str:
    key = hmac.new(secret, b"podclip-share-page", hashlib.sha256).digest()
    message = f"share:{SHARE_VERSION}:{job_id}" + (f":{version}" if version else "")
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()[:MAC_CHARS]


def share_token(secret: bytes, job_id: str, version: int = 0) -> str:
    """The public token of version ``version`` of ``job_id``'s guest page."""
    tag = f".v{version}" if version else ""
    return f"{job_id}{tag}.{_mac(secret, job_id, version)}"


def parse_token(secret: bytes, token: str) -> tuple[str, int] | None:
    """``(job id, version)`` of a genuine token, else None (constant-time MAC check)."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    job_id, version_text, mac = match.groups()
    version = int(version_text or 0)
    return (job_id, version) if hmac.compare_digest(mac, _mac(secret, job_id, version)) else None


def job_id_for(secret: bytes, token: str) -> str | None:
    """The job a genuine token names (of any version), else None."""
    parsed = parse_token(secret, token)
    return None if parsed is None else parsed[0]


def expires_at(job: Job, settings: Settings) -> datetime:
    """When the job's current link stops working."""
    issued = job.share_issued_at or job.completed_at or job.created_at
    return issued + timedelta(days=settings.api.share_ttl_days)


def state(job: Job, settings: Settings, *, now: datetime | None = None) -> ShareState:
    """Whether the job's current link works, was revoked, or expired."""
    if job.share_revoked_at is not None:
        return "revoked"
    return "expired" if (now or utcnow()) >= expires_at(job, settings) else "active"


def share_url(links: MediaLinks, job_id: str, version: int = 0) -> str:
    """The guest page's absolute URL."""
    return f"{links.base}{SHARE_ROUTE}/{share_token(links.secret, job_id, version)}"


def current_url(links: MediaLinks, job: Job) -> str | None:
    """The job's working link, or None when it was revoked or has expired."""
    if state(job, links.settings) != "active":
        return None
    return share_url(links, job.id, job.share_version)


def revoke(engine: Engine, job_id: str, *, account_id: str, environment: str) -> None:
    """Revoke the account's job's link: its page answers 404 from now on."""
    _set(engine, job_id, account_id, environment, share_revoked_at=utcnow())


def issue(engine: Engine, job_id: str, *, account_id: str, environment: str) -> None:
    """Give the account's job a new link (earlier ones stop working), valid for the TTL."""
    _set(engine, job_id, account_id, environment, share_revoked_at=None, share_issued_at=utcnow())


def _set(engine: Engine, job_id: str, account_id: str, environment: str, **values: Any) -> None:
    with engine.begin() as conn:
        changed = conn.execute(
            update(jobs)
            .where(
                jobs.c.id == job_id,
                jobs.c.account_id == account_id,
                jobs.c.environment == environment,
            )
            .values(share_version=jobs.c.share_version + 1, **values)
        ).rowcount
    if not changed:
        raise JobNotFound(f"No job with id {job_id!r}.")


def job_outputs(settings: Settings, job: Job) -> dict[str, dict[str, Any]]:
    """The job's per-episode outputs by kind; a complete job's are read once per process."""
    if job.status != "complete":
        return outputs_for_job(settings, job.id)
    with _outputs_lock:
        found = _outputs.get(job.id)
    if found is not None:
        return found
    found = outputs_for_job(settings, job.id)
    with _outputs_lock:
        _outputs[job.id] = found
        while len(_outputs) > _OUTPUTS_CACHE:
            _outputs.popitem(last=False)
    return found


def trailer_view(
    links: MediaLinks, job: Job, outputs: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """``{url, duration_seconds}`` of the job's trailer output, or None when it has none."""
    trailer = outputs.get("trailer")
    if not trailer or not trailer.get("media_path"):
        return None
    url = links.url(
        str(trailer["media_path"]), expires_at=links.expiry(), filename=f"{job.id}-trailer.mp4"
    )
    return {"url": url, "duration_seconds": round(float(trailer["duration_seconds"] or 0), 3)}
