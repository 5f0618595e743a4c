"""The job as the rest of podclip sees it, and the clock every store module stamps rows with.

Kept apart from :mod:`podclip.store.ops` so that the webhook outbox, which :mod:`ops` calls
inside each status change, can build job records without importing :mod:`ops` back.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from podclip.store.schema import DEFAULT_ACCOUNT_ID

STATUSES = ("queued", "downloading", "transcribing", "clipping", "rendering", "complete", "failed")
TERMINAL = frozenset({"complete", "failed"})
ENVIRONMENTS = ("live", "test")
_TIMES = (
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "share_issued_at",
    "share_revoked_at",
)


@dataclass(frozen=True)
class Job:
    """A job row as the rest of podclip sees it."""

    id: str
    status: str
    source_type: str
    source_url: str
    source: dict[str, Any]
    options: dict[str, Any]
    environment: str
    created_at: datetime
    updated_at: datetime
    show_name: str | None = None
    guest_name: str | None = None
    title: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    clip_count: int | None = None
    source_sha256: str | None = None
    duration_seconds: float | None = None
    flow_run_id: str | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    share_version: int = 0
    """Bumped by each revoke or new share link, so earlier tokens stop working."""
    share_issued_at: datetime | None = None
    share_revoked_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


def new_job_id() -> str:
    """Time-ordered, unguessable job id (``job_`` + 12 hex of ms + 12 random hex)."""
    return f"job_{int(time.time() * 1000):012x}{secrets.token_hex(6)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def job_from_row(row: Any) -> Job:
    """A :class:`Job` from a ``jobs`` row mapping."""
    data = dict(row)
    for key in _TIMES:
        value = data.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            data[key] = value.replace(tzinfo=UTC)
    return Job(
        id=data["id"],
        status=data["status"],
        source_type=data["source_type"],
        source_url=data["source_url"],
        source=json.loads(data["source_json"]),
        options=json.loads(data["options_json"]),
        environment=data["environment"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        show_name=data["show_name"],
        guest_name=data["guest_name"],
        title=data["title"],
        started_at=data["started_at"],
        completed_at=data["completed_at"],
        error_code=data["error_code"],
        error_message=data["error_message"],
        clip_count=data["clip_count"],
        source_sha256=data["source_sha256"],
        duration_seconds=data["duration_seconds"],
        flow_run_id=data["flow_run_id"],
        # Snapshots taken before accounts existed have none: they were the default account's.
        account_id=data.get("account_id") or DEFAULT_ACCOUNT_ID,
        share_version=int(data.get("share_version") or 0),
        share_issued_at=data.get("share_issued_at"),
        share_revoked_at=data.get("share_revoked_at"),
    )
