"""Webhook deliveries on their way out: claims, attempts, retries, test fires, replays, listing.

A deliverer takes due deliveries with :func:`claim_due`: one ``UPDATE ... RETURNING`` that sets
a lease, so two deliverers never send the same attempt and a killed one's claim lapses.
:func:`record_attempt` writes the outcome under that lease and schedules the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, true, update

from podclip.core.errors import NoJobs, WebhookNotFound
from podclip.core.settings import Settings
from podclip.store.job_record import Job, as_utc, job_from_row, utcnow
from podclip.store.schema import (
    DEFAULT_ACCOUNT_ID,
    jobs,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhooks,
)
from podclip.store.sealing import secret_box
from podclip.store.webhook_outbox import insert_delivery, insert_event, job_from_snapshot
from podclip.store.webhook_registry import active_webhook, cancel_pending, get_webhook

# Seconds to wait after the n-th failed attempt (before time scaling).
RETRY_SCHEDULE: tuple[float, ...] = (1.0, 10.0, 60.0, 600.0, 3600.0, 21600.0, 86400.0)
DELIVERY_STATUSES = ("pending", "delivered", "failed", "canceled")


@dataclass(frozen=True)
class Delivery:
    """One event on its way to one webhook."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    request_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    replay_of: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class Claim:
    """A delivery leased to one deliverer for one attempt."""

    delivery_id: str
    number: int
    owner: str


@dataclass(frozen=True)
class Outbound:
    """What a deliverer needs to send one claimed delivery."""

    delivery_id: str
    number: int
    event_id: str
    event_type: str
    request_id: str
    event_created: datetime
    job: Job
    body: str | None
    url: str
    secret: str
    webhook_id: str
    sendable: bool
    format: str = "clypt"


def retry_delay(failed_attempts: int, time_scale: float) -> float:
    """Seconds before the next attempt after ``failed_attempts`` failures (1-based)."""
    index = min(failed_attempts, len(RETRY_SCHEDULE)) - 1
    return RETRY_SCHEDULE[index] * time_scale


def fire_test_event(
    engine: Engine, webhook_id: str, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> Delivery:
    """A synthetic ``job.completed`` for the account's webhook, from its own latest real job.

    The account's most recent complete job of ``environment`` is used when there is one, else
    its most recent job; never another account's. Raises :class:`WebhookNotFound`,
    :class:`WebhookInactive`, or :class:`NoJobs` when the account has no job there yet.
    """
    now = utcnow()
    with engine.begin() as conn:
        hook = active_webhook(conn, webhook_id, environment, account_id)
        job_row = None
        for status in ("complete", None):
            query = (
                select(jobs)
                .where(jobs.c.environment == environment, jobs.c.account_id == account_id)
                .order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
                .limit(1)
            )
            if status is not None:
                query = query.where(jobs.c.status == status)
            job_row = conn.execute(query).mappings().first()
            if job_row is not None:
                break
        if job_row is None:
            raise NoJobs("There is no job to build a test event from yet; submit one first.")
        event_id = insert_event(conn, "job.completed", dict(job_row), [], now, synthetic=True)
        delivery_id = insert_delivery(conn, hook, event_id, now)
    return get_delivery(engine, delivery_id, environment=environment, account_id=account_id)


def replay_delivery(
    engine: Engine, delivery_id: str, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> Delivery:
    """A new delivery of the same event (same id, request_id and body) to the same webhook.

    Only a delivery of the account's own webhook; anyone else's is :class:`WebhookNotFound`.
    """
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(
            select(webhook_deliveries.c.webhook_id, webhook_deliveries.c.event_id)
            .select_from(webhook_deliveries.join(webhooks))
            .where(
                webhook_deliveries.c.id == delivery_id,
                webhooks.c.environment == environment,
                webhooks.c.account_id == account_id,
                webhooks.c.deleted_at.is_(None),
            )
        ).first()
        if row is None:
            raise WebhookNotFound(f"No delivery with id {delivery_id!r}.")
        hook = active_webhook(conn, row.webhook_id, environment, account_id)
        new_id = insert_delivery(conn, hook, row.event_id, now, replay_of=delivery_id)
    return get_delivery(engine, new_id, environment=environment, account_id=account_id)


_DELIVERY_COLUMNS = (
    webhook_deliveries,
    webhook_events.c.type.label("event_type"),
    webhook_events.c.request_id,
)


def _delivery_query() -> Any:
    return (
        select(*_DELIVERY_COLUMNS)
        .select_from(
            webhook_deliveries.join(webhook_events).join(
                webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id
            )
        )
        .where(webhooks.c.deleted_at.is_(None))
    )


def get_delivery(
    engine: Engine, delivery_id: str, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> Delivery:
    """One delivery of the account's webhooks, else :class:`WebhookNotFound`."""
    query = _delivery_query().where(
        webhook_deliveries.c.id == delivery_id,
        webhooks.c.environment == environment,
        webhooks.c.account_id == account_id,
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise WebhookNotFound(f"No delivery with id {delivery_id!r}.")
    return _delivery(row)


def list_deliveries(
    engine: Engine,
    webhook_id: str,
    *,
    environment: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
    limit: int = 100,
) -> list[Delivery]:
    """The account's webhook's deliveries, newest first."""
    get_webhook(engine, webhook_id, environment=environment, account_id=account_id)
    query = (
        _delivery_query()
        .where(webhook_deliveries.c.webhook_id == webhook_id)
        .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [_delivery(r) for r in conn.execute(query).mappings()]


def attempts_of(engine: Engine, delivery_id: str) -> list[dict[str, Any]]:
    """A delivery's attempts, first first (times as aware UTC datetimes)."""
    query = (
        select(webhook_attempts)
        .where(webhook_attempts.c.delivery_id == delivery_id)
        .order_by(webhook_attempts.c.number)
    )
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["started_at"] = as_utc(row["started_at"])
        row["finished_at"] = as_utc(row["finished_at"])
    return rows


def _optional_time(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row["id"],
        webhook_id=row["webhook_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        request_id=row["request_id"],
        status=row["status"],
        attempts=int(row["attempts"]),
        next_attempt_at=_optional_time(row["next_attempt_at"]),
        last_attempt_at=_optional_time(row["last_attempt_at"]),
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        replay_of=row["replay_of"],
        created_at=as_utc(row["created_at"]),
        completed_at=_optional_time(row["completed_at"]),
    )


def claim_due(
    engine: Engine, owner: str, *, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[Claim]:
    """Lease up to ``limit`` pending deliveries whose attempt is due, oldest due first."""
    now = now or utcnow()
    due = (
        webhook_deliveries.c.status == "pending",
        webhook_deliveries.c.next_attempt_at <= now,
        (webhook_deliveries.c.leased_until.is_(None)) | (webhook_deliveries.c.leased_until < now),
    )
    oldest = (
        select(webhook_deliveries.c.id)
        .where(*due)
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
        .scalar_subquery()
    )
    with engine.begin() as conn:
        rows = conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_(oldest), *due)
            .values(leased_until=now + timedelta(seconds=lease_seconds), lease_owner=owner)
            .returning(webhook_deliveries.c.id, webhook_deliveries.c.attempts)
        ).all()
    return [Claim(str(r.id), int(r.attempts) + 1, owner) for r in rows]


def outbound(engine: Engine, claim: Claim, settings: Settings | None = None) -> Outbound:
    """The event, job snapshot and endpoint of a claimed delivery (its secret decrypted)."""
    query = (
        select(
            webhook_deliveries.c.event_id,
            webhook_events.c.type,
            webhook_events.c.request_id,
            webhook_events.c.created_at,
            webhook_events.c.job_json,
            webhook_events.c.body,
            webhooks.c.id.label("webhook_id"),
            webhooks.c.url,
            webhooks.c.secret,
            webhooks.c.format,
            webhooks.c.active,
            webhooks.c.deleted_at,
        )
        .select_from(
            webhook_deliveries.join(webhook_events).join(
                webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id
            )
        )
        .where(webhook_deliveries.c.id == claim.delivery_id)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().one()
    return Outbound(
        delivery_id=claim.delivery_id,
        number=claim.number,
        event_id=row["event_id"],
        event_type=row["type"],
        request_id=row["request_id"],
        event_created=as_utc(row["created_at"]),
        job=job_from_snapshot(row["job_json"]),
        body=row["body"],
        url=row["url"],
        secret=secret_box(settings).open(row["secret"]),
        format=row["format"],
        webhook_id=row["webhook_id"],
        sendable=bool(row["active"]) and row["deleted_at"] is None,
    )


def freeze_body(engine: Engine, event_id: str, body: str) -> str:
    """Store ``body`` as the event's body unless one is stored already; return the stored one."""
    with engine.begin() as conn:
        conn.execute(
            update(webhook_events)
            .where(webhook_events.c.id == event_id, webhook_events.c.body.is_(None))
            .values(body=body)
        )
        return str(
            conn.execute(
                select(webhook_events.c.body).where(webhook_events.c.id == event_id)
            ).scalar_one()
        )


def cancel(engine: Engine, claim: Claim, reason: str) -> None:
    """End a claimed delivery without sending (its webhook is gone or inactive)."""
    with engine.begin() as conn:
        conn.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.id == claim.delivery_id,
                webhook_deliveries.c.lease_owner == claim.owner,
                webhook_deliveries.c.status == "pending",
            )
            .values(
                status="canceled",
                next_attempt_at=None,
                leased_until=None,
                last_error=reason,
                completed_at=utcnow(),
            )
        )


@dataclass(frozen=True)
class AttemptResult:
    """How one attempt went: an HTTP status, or an error (timeout, refused, bad URL)."""

    started_at: datetime
    finished_at: datetime
    status_code: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def record_attempt(
    engine: Engine,
    claim: Claim,
    result: AttemptResult,
    *,
    max_attempts: int,
    time_scale: float,
    max_consecutive_failures: int,
) -> str | None:
    """Write an attempt's outcome under the claim; return the delivery's new status.

    None means the lease was lost (another deliverer took the delivery over), so nothing was
    written. A 2xx delivers and resets the webhook's failure count; a failure schedules the
    next attempt by :data:`RETRY_SCHEDULE`, or ends the delivery ``failed`` at
    ``max_attempts``, which counts towards deactivation; a 410 Gone deactivates at once.
    """
    now = result.finished_at
    gone = result.status_code == 410
    if result.ok:
        status, next_at = "delivered", None
    elif gone or claim.number >= max_attempts:
        status, next_at = "failed", None
    else:
        status = "pending"
        next_at = now + timedelta(seconds=retry_delay(claim.number, time_scale))
    with engine.begin() as conn:
        changed = conn.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.id == claim.delivery_id,
                webhook_deliveries.c.lease_owner == claim.owner,
                webhook_deliveries.c.status == "pending",
                webhook_deliveries.c.attempts == claim.number - 1,
            )
            .values(
                status=status,
                attempts=claim.number,
                next_attempt_at=next_at,
                leased_until=None,
                lease_owner=None,
                last_attempt_at=result.started_at,
                last_status_code=result.status_code,
                last_error=result.error,
                completed_at=None if status == "pending" else now,
            )
        ).rowcount
        if not changed:
            return None
        conn.execute(
            insert(webhook_attempts).values(
                delivery_id=claim.delivery_id,
                number=claim.number,
                started_at=result.started_at,
                finished_at=result.finished_at,
                status_code=result.status_code,
                error=result.error,
            )
        )
        webhook_id = conn.execute(
            select(webhook_deliveries.c.webhook_id).where(
                webhook_deliveries.c.id == claim.delivery_id
            )
        ).scalar_one()
        if result.ok:
            conn.execute(
                update(webhooks)
                .where(webhooks.c.id == webhook_id)
                .values(consecutive_failures=0, updated_at=now)
            )
        elif status == "failed":
            _count_failure(conn, webhook_id, now, gone, max_consecutive_failures)
    return status


def _count_failure(
    conn: Connection, webhook_id: str, now: datetime, gone: bool, limit: int
) -> None:
    conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id)
        .values(consecutive_failures=webhooks.c.consecutive_failures + 1, updated_at=now)
    )
    failures = conn.execute(
        select(webhooks.c.consecutive_failures).where(webhooks.c.id == webhook_id)
    ).scalar_one()
    if gone:
        reason = "the endpoint answered 410 Gone"
    elif failures >= limit:
        reason = f"{failures} consecutive deliveries failed"
    else:
        return
    conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id, webhooks.c.active == true())
        .values(active=False, deactivated_reason=reason, updated_at=now)
    )
    cancel_pending(conn, webhook_id, f"webhook deactivated: {reason}", now)


def pending_sandbox_jobs(engine: Engine, limit: int = 100) -> list[Job]:
    """Unfinished sandbox jobs, oldest first: the deliverer moves them on their clock."""
    query = (
        select(jobs)
        .where(jobs.c.environment == "test", jobs.c.status.not_in(("complete", "failed")))
        .order_by(jobs.c.created_at, jobs.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [job_from_row(r) for r in conn.execute(query).mappings()]


def event_created_unix(created: datetime) -> int:
    return int(as_utc(created).astimezone(UTC).timestamp())
