"""Webhooks, their events and deliveries in the operational database (an outbox).

An event row, and one delivery row per active webhook that wants it, are inserted by
:func:`record_job_event` inside the same transaction as the job's status change in
:mod:`store.ops`, so an event is committed exactly when the change is, before any attempt to
send it. The event keeps a snapshot of the job row; the deliverer renders it once into the raw
body (:func:`freeze_body`) and every attempt and replay sends those same bytes.

A deliverer takes due deliveries with :func:`claim_due`: one ``UPDATE ... RETURNING`` that sets
a lease, so two deliverers never send the same attempt and a killed one's claim lapses.
:func:`record_attempt` writes the outcome under that lease and schedules the next attempt.

Secrets are stored as issued (``whsec_`` + base64 of 24 random bytes) because signing needs
them back; the API shows a secret once, at registration.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    insert,
    select,
    true,
    update,
)

from podclip.core.errors import PermanentError
from podclip.store.ops import Job, as_utc, job_from_row, utcnow
from podclip.store.ops_schema import jobs

EVENT_TYPES = ("job.created", "job.completed", "job.failed")
# The Klipit document calls the completion event ``job.complete``.
EVENT_ALIASES = {"job.complete": "job.completed"}
# Seconds to wait after the n-th failed attempt (before time scaling).
RETRY_SCHEDULE: tuple[float, ...] = (1.0, 10.0, 60.0, 600.0, 3600.0, 21600.0, 86400.0)
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DELIVERY_STATUSES = ("pending", "delivered", "failed", "canceled")
_JOB_TIMES = ("created_at", "updated_at", "started_at", "completed_at", "claimed_at")

metadata = MetaData()

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("environment", String(8), nullable=False),
    Column("api_key_id", String(40)),
    Column("url", Text, nullable=False),
    # JSON list of event types, aliases resolved.
    Column("events", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    # Deliveries in a row that ended failed; a 2xx resets it.
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("deactivated_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
)
Index("ix_webhooks_environment_active", webhooks.c.environment, webhooks.c.active)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("job_id", String(40), nullable=False),
    Column("request_id", String(40), nullable=False),
    # A test fire built from an existing job rather than a status change.
    Column("synthetic", Boolean, nullable=False, server_default=false()),
    # The jobs row as it was when the event happened (JSON).
    Column("job_json", Text, nullable=False),
    # The raw request body, fixed at the first attempt and sent unchanged ever after.
    Column("body", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_webhook_events_job_id", webhook_events.c.job_id)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("webhook_id", String(40), ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", String(40), ForeignKey("webhook_events.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("leased_until", DateTime(timezone=True)),
    Column("lease_owner", String(80)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("replay_of", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
)
Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_webhook",
    webhook_deliveries.c.webhook_id,
    webhook_deliveries.c.created_at,
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    # One row per attempt number: a second send of the same attempt could not be recorded.
    UniqueConstraint("delivery_id", "number", name="uq_webhook_attempts_delivery_number"),
)


class WebhookNotFound(PermanentError):
    """No webhook (or delivery) with that id in this environment."""

    code = "not_found"


class InvalidEvents(PermanentError):
    """The events list is empty or names an event podclip does not send."""

    code = "invalid_events"


class NoJobs(PermanentError):
    """A test event needs a job to describe."""

    code = "no_jobs"


class WebhookInactive(PermanentError):
    """The webhook was deactivated; register it again to receive events."""

    code = "webhook_inactive"


@dataclass(frozen=True)
class Webhook:
    """A registered endpoint."""

    id: str
    environment: str
    url: str
    events: tuple[str, ...]
    secret: str
    active: bool
    consecutive_failures: int
    deactivated_reason: str | None
    created_at: datetime
    deleted: bool


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


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: its base64-decoded bytes (as standardwebhooks)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")


def normalize_events(events: Sequence[Any]) -> tuple[str, ...]:
    """Known event types in first-seen order, aliases resolved; else :class:`InvalidEvents`."""
    if not events:
        raise InvalidEvents("events must list at least one of " + ", ".join(EVENT_TYPES) + ".")
    chosen: list[str] = []
    for raw in events:
        name = EVENT_ALIASES.get(raw, raw) if isinstance(raw, str) else raw
        if name not in EVENT_TYPES:
            raise InvalidEvents(
                f"Unsupported event {raw!r}; use " + ", ".join(EVENT_TYPES) + " (or job.complete)."
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def retry_delay(failed_attempts: int, time_scale: float) -> float:
    """Seconds before the next attempt after ``failed_attempts`` failures (1-based)."""
    index = min(failed_attempts, len(RETRY_SCHEDULE)) - 1
    return RETRY_SCHEDULE[index] * time_scale


# ---- webhooks ---------------------------------------------------------------------------


def create_webhook(
    engine: Engine,
    *,
    url: str,
    events: Sequence[Any],
    environment: str,
    api_key_id: str | None = None,
) -> Webhook:
    """Register an endpoint; the returned record carries the new secret."""
    chosen = normalize_events(events)
    now = utcnow()
    webhook_id = _id("we")
    with engine.begin() as conn:
        conn.execute(
            insert(webhooks).values(
                id=webhook_id,
                environment=environment,
                api_key_id=api_key_id,
                url=url,
                events=json.dumps(list(chosen)),
                secret=new_secret(),
                active=True,
                consecutive_failures=0,
                created_at=now,
                updated_at=now,
            )
        )
    return get_webhook(engine, webhook_id, environment=environment)


def get_webhook(engine: Engine, webhook_id: str, *, environment: str) -> Webhook:
    """A webhook of ``environment`` that was not deleted, else :class:`WebhookNotFound`."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(webhooks).where(
                    webhooks.c.id == webhook_id,
                    webhooks.c.environment == environment,
                    webhooks.c.deleted_at.is_(None),
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise WebhookNotFound(f"No webhook with id {webhook_id!r}.")
    return _webhook(row)


def list_webhooks(engine: Engine, *, environment: str) -> list[Webhook]:
    """The environment's webhooks (deactivated ones included), oldest first."""
    query = (
        select(webhooks)
        .where(webhooks.c.environment == environment, webhooks.c.deleted_at.is_(None))
        .order_by(webhooks.c.created_at, webhooks.c.id)
    )
    with engine.connect() as conn:
        return [_webhook(r) for r in conn.execute(query).mappings()]


def delete_webhook(engine: Engine, webhook_id: str, *, environment: str) -> None:
    """Stop sending to a webhook; its pending deliveries are canceled, history stays."""
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            update(webhooks)
            .where(
                webhooks.c.id == webhook_id,
                webhooks.c.environment == environment,
                webhooks.c.deleted_at.is_(None),
            )
            .values(deleted_at=now, active=False, updated_at=now)
        )
        if result.rowcount == 0:
            raise WebhookNotFound(f"No webhook with id {webhook_id!r}.")
        _cancel_pending(conn, webhook_id, "webhook deleted", now)


def _webhook(row: Any) -> Webhook:
    return Webhook(
        id=row["id"],
        environment=row["environment"],
        url=row["url"],
        events=tuple(json.loads(row["events"])),
        secret=row["secret"],
        active=bool(row["active"]),
        consecutive_failures=int(row["consecutive_failures"]),
        deactivated_reason=row["deactivated_reason"],
        created_at=as_utc(row["created_at"]),
        deleted=row["deleted_at"] is not None,
    )


def _cancel_pending(conn: Connection, webhook_id: str, reason: str, now: datetime) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            webhook_deliveries.c.status == "pending",
        )
        .values(
            status="canceled",
            next_attempt_at=None,
            leased_until=None,
            last_error=reason,
            completed_at=now,
        )
    )


# ---- events (the outbox) ----------------------------------------------------------------


# Built once: this runs inside every job creation and completion, where building a statement
# would cost several times more than running it (0.25 ms against 0.04 ms on SQLite).
_ACTIVE_WEBHOOKS = select(webhooks.c.id, webhooks.c.environment, webhooks.c.events).where(
    webhooks.c.active == true(), webhooks.c.deleted_at.is_(None)
)


def record_job_event(conn: Connection, job_id: str, event_type: str, now: datetime) -> str | None:
    """Insert ``event_type`` for the job and a delivery per subscribed active webhook.

    Runs inside the caller's transaction (the status change); returns the event id, or None
    when no webhook of the job's environment wants the event (nothing is written then).
    """
    hooks = conn.execute(_ACTIVE_WEBHOOKS).all()
    if not hooks:
        return None
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        return None
    targets = [
        h.id
        for h in hooks
        if h.environment == row["environment"] and event_type in json.loads(h.events)
    ]
    if not targets:
        return None
    return _insert_event(conn, event_type, dict(row), targets, now, synthetic=False)


def _insert_event(
    conn: Connection,
    event_type: str,
    job_row: dict[str, Any],
    webhook_ids: Sequence[str],
    now: datetime,
    *,
    synthetic: bool,
    request_id: str | None = None,
) -> str:
    event_id = _id("evt")
    conn.execute(
        insert(webhook_events).values(
            id=event_id,
            type=event_type,
            environment=job_row["environment"],
            job_id=job_row["id"],
            request_id=request_id or _id("req"),
            synthetic=synthetic,
            job_json=_snapshot(job_row),
            created_at=now,
        )
    )
    for webhook_id in webhook_ids:
        _insert_delivery(conn, webhook_id, event_id, now)
    return event_id


def _insert_delivery(
    conn: Connection, webhook_id: str, event_id: str, now: datetime, replay_of: str | None = None
) -> str:
    delivery_id = _id("whd")
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
    """The :class:`store.ops.Job` an event's snapshot describes."""
    data = json.loads(text)
    for key in _JOB_TIMES:
        if isinstance(data.get(key), str):
            data[key] = datetime.fromisoformat(data[key])
    for column in jobs.c:
        data.setdefault(column.name, None)
    return job_from_row(data)


def fire_test_event(engine: Engine, webhook_id: str, *, environment: str) -> Delivery:
    """A synthetic ``job.completed`` for this webhook, from the environment's latest real job.

    The most recent complete job is used when there is one, else the most recent job.
    Raises :class:`WebhookNotFound`, :class:`WebhookInactive`, or :class:`NoJobs` when the
    environment has no job yet.
    """
    now = utcnow()
    with engine.begin() as conn:
        hook = _active_webhook(conn, webhook_id, environment)
        job_row = None
        for status in ("complete", None):
            query = (
                select(jobs)
                .where(jobs.c.environment == environment)
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
        event_id = _insert_event(conn, "job.completed", dict(job_row), [], now, synthetic=True)
        delivery_id = _insert_delivery(conn, hook, event_id, now)
    return get_delivery(engine, delivery_id, environment=environment)


def _active_webhook(conn: Connection, webhook_id: str, environment: str) -> str:
    row = conn.execute(
        select(webhooks.c.id, webhooks.c.active).where(
            webhooks.c.id == webhook_id,
            webhooks.c.environment == environment,
            webhooks.c.deleted_at.is_(None),
        )
    ).first()
    if row is None:
        raise WebhookNotFound(f"No webhook with id {webhook_id!r}.")
    if not row.active:
        raise WebhookInactive(
            f"Webhook {webhook_id!r} was deactivated after repeated failures; register it again."
        )
    return str(row.id)


def replay_delivery(engine: Engine, delivery_id: str, *, environment: str) -> Delivery:
    """A new delivery of the same event (same id, request_id and body) to the same webhook."""
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(
            select(webhook_deliveries.c.webhook_id, webhook_deliveries.c.event_id)
            .select_from(webhook_deliveries.join(webhooks))
            .where(
                webhook_deliveries.c.id == delivery_id,
                webhooks.c.environment == environment,
                webhooks.c.deleted_at.is_(None),
            )
        ).first()
        if row is None:
            raise WebhookNotFound(f"No delivery with id {delivery_id!r}.")
        hook = _active_webhook(conn, row.webhook_id, environment)
        new_id = _insert_delivery(conn, hook, row.event_id, now, replay_of=delivery_id)
    return get_delivery(engine, new_id, environment=environment)


# ---- deliveries ---------------------------------------------------------------------------

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


def get_delivery(engine: Engine, delivery_id: str, *, environment: str) -> Delivery:
    query = _delivery_query().where(
        webhook_deliveries.c.id == delivery_id, webhooks.c.environment == environment
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise WebhookNotFound(f"No delivery with id {delivery_id!r}.")
    return _delivery(row)


def list_deliveries(
    engine: Engine, webhook_id: str, *, environment: str, limit: int = 100
) -> list[Delivery]:
    """A webhook's deliveries, newest first."""
    get_webhook(engine, webhook_id, environment=environment)
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


def outbound(engine: Engine, claim: Claim) -> Outbound:
    """The event, job snapshot and endpoint of a claimed delivery."""
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
        secret=row["secret"],
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
    _cancel_pending(conn, webhook_id, f"webhook deactivated: {reason}", now)


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
