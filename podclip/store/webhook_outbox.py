"""The webhook outbox: events and their deliveries, written in the job's own transaction.

An event row, and one delivery row per active webhook that wants it, are inserted by
:func:`record_job_event` inside the same transaction as the job's status change in
:mod:`podclip.store.ops`, so an event is committed exactly when the change is, before any
attempt to send it. The event keeps a snapshot of the job row; the deliverer renders it once
into the raw body (:func:`podclip.store.webhook_deliveries.freeze_body`) and every attempt and
replay sends those same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, true

from podclip.store.job_record import Job, as_utc, job_from_row
from podclip.store.schema import jobs, webhook_deliveries, webhook_events, webhooks
from podclip.store.webhook_registry import new_id

_JOB_TIMES = (
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "claimed_at",
    "share_issued_at",
    "share_revoked_at",
)

# Built once: this runs inside every job creation and completion, where building a statement
# would cost several times more than running it (0.25 ms against 0.04 ms on SQLite).
_JOB_OWNER = select(jobs.c.account_id, jobs.c.environment).where(jobs.c.id == bindparam("job_id"))
# Only the job's own account and environment, through ix_webhooks_account_active: the cost
# no longer grows with every other account's webhooks (5,000 of them made each job creation
# take 2.5 s inside the write transaction), and an account has at most
# ``accounts.max_webhooks``. Events are filtered in Python among those few.
SUBSCRIBERS = select(webhooks.c.id, webhooks.c.events).where(
    webhooks.c.account_id == bindparam("account_id"),
    webhooks.c.environment == bindparam("environment"),
    webhooks.c.active == true(),
    webhooks.c.deleted_at.is_(None),
)


def record_job_event(conn: Connection, job_id: str, event_type: str, now: datetime) -> str | None:
    """Insert ``event_type`` for the job and a delivery per subscribed active webhook.

    Only webhooks of the job's own account and environment are subscribers. Runs inside the
    caller's transaction (the status change); returns the event id, or None when no webhook
    wants the event (nothing is written then).
    """
    owner = conn.execute(_JOB_OWNER, {"job_id": job_id}).first()
    if owner is None:
        return None
    hooks = conn.execute(
        SUBSCRIBERS, {"account_id": owner.account_id, "environment": owner.environment}
    ).all()
    targets = [h.id for h in hooks if event_type in json.loads(h.events)]
    if not targets:
        return None
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().one()
    return insert_event(conn, event_type, dict(row), targets, now, synthetic=False)


def insert_event(
    conn: Connection,
    event_type: str,
    job_row: dict[str, Any],
    webhook_ids: Sequence[str],
    now: datetime,
    *,
    synthetic: bool,
    request_id: str | None = None,
) -> str:
    """Insert an event with the job's snapshot and a pending delivery per webhook; its id."""
    event_id = new_id("evt")
    conn.execute(
        insert(webhook_events).values(
            id=event_id,
            type=event_type,
            environment=job_row["environment"],
            job_id=job_row["id"],
            request_id=request_id or new_id("req"),
            synthetic=synthetic,
            job_json=_snapshot(job_row),
            created_at=now,
        )
    )
    for webhook_id in webhook_ids:
        insert_delivery(conn, webhook_id, event_id, now)
    return event_id


def insert_delivery(
    conn: Connection, webhook_id: str, event_id: str, now: datetime, replay_of: str | None = None
) -> str:
    """Insert one pending delivery of ``event_id`` to ``webhook_id``, due now; its id."""
    delivery_id = new_id("whd")
    conn.execute(
        insert(webhook_deliveries).values(
            id=delivery_id,
            webhook_id=webhook_id,
            event_id=event_id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            replay_of=replay_of,
            created_at=now,
        )
    )
    return delivery_id


def _snapshot(row: dict[str, Any]) -> str:
    return json.dumps(
        {k: (as_utc(v).isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    )


def job_from_snapshot(text: str) -> Job:
    """The :class:`Job` an event's snapshot describes."""
    data = json.loads(text)
    for key in _JOB_TIMES:
        if isinstance(data.get(key), str):
            data[key] = datetime.fromisoformat(data[key])
    for column in jobs.c:
        data.setdefault(column.name, None)
    return job_from_row(data)
