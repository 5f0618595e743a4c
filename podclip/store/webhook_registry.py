"""Registered webhook endpoints: create, read, list, delete; their secrets and event names.

Every webhook belongs to an account and an environment, and every read, list and delete here
is scoped by both: another account's webhook is :class:`WebhookNotFound`, like a missing one.
An account may have at most ``accounts.max_webhooks`` (:class:`WebhookLimitReached`). Secrets
(``whsec_`` + base64 of 24 random bytes) are stored Fernet-encrypted
(:mod:`podclip.store.sealing`), because signing needs them back; the API shows a secret once,
at registration.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, func, insert, select, true, update

from podclip.core.dialects import (
    CLYPT,
    DIALECTS,
    EVENT_NAMES,
    EVENTS,
    Dialect,
    canonical_event,
)
from podclip.core.errors import (
    InvalidEvents,
    InvalidSourceUrl,
    InvalidWebhookUrl,
    WebhookInactive,
    WebhookLimitReached,
    WebhookNotFound,
)
from podclip.core.netsafe import check_url
from podclip.core.settings import Settings
from podclip.store.job_record import as_utc, utcnow
from podclip.store.schema import DEFAULT_ACCOUNT_ID, accounts, webhook_deliveries, webhooks
from podclip.store.sealing import secret_box

# Canonical names, as the outbox records them; each dialect names them its own way.
EVENT_TYPES = EVENTS
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


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
    format: Dialect = CLYPT
    """The dialect its deliveries speak; ``events`` hold canonical names (job.completed)."""
    account_id: str = DEFAULT_ACCOUNT_ID


def new_id(prefix: str) -> str:
    """A random id with a readable prefix (``we_``, ``evt_``, ``whd_``, ``req_``)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: its base64-decoded bytes (as standardwebhooks)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")


def normalize_events(events: Sequence[Any], format: Dialect = CLYPT) -> tuple[str, ...]:
    """The canonical names of events given in ``format``'s words, in first-seen order.

    Each dialect accepts exactly its own names (Klipit ``job.complete``, Clypt
    ``job.completed``); anything else is :class:`InvalidEvents`.
    """
    names = ", ".join(EVENT_NAMES[format].values())
    if not events:
        raise InvalidEvents(f"events must list at least one of {names}.")
    chosen: list[str] = []
    for raw in events:
        name = canonical_event(format, raw) if isinstance(raw, str) else None
        if name is None:
            raise InvalidEvents(f"Unsupported event {raw!r}; use {names}.")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def check_endpoint(url: str, *, allow_private: bool) -> str:
    """``url`` if podclip may POST events to it, else :class:`InvalidWebhookUrl`.

    Only public https endpoints; with ``allow_private`` (tests, one-machine setups) http and
    private or loopback addresses too.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise InvalidWebhookUrl("Webhook URLs must use https.")
    try:
        return check_url(url, allow_private=allow_private)
    except InvalidSourceUrl as exc:
        # The same refusal, named for the field: the API answers invalid_url on ``url``.
        raise InvalidWebhookUrl(exc.message) from exc


def create_webhook(
    engine: Engine,
    *,
    url: str,
    events: Sequence[Any],
    environment: str,
    api_key_id: str | None = None,
    format: Dialect = CLYPT,
    account_id: str = DEFAULT_ACCOUNT_ID,
    max_webhooks: int | None = None,
    settings: Settings | None = None,
) -> Webhook:
    """Register an endpoint speaking ``format``; the returned record carries the new secret.

    With ``max_webhooks``, an account that has that many (not deleted) is refused with
    :class:`WebhookLimitReached`; the count and the insert share one
    transaction (pass a write engine, or on PostgreSQL the account row is locked).
    """
    if format not in DIALECTS:
        raise InvalidEvents(f"Unknown webhook format {format!r}; use one of {DIALECTS}.")
    chosen = normalize_events(events, format)
    now = utcnow()
    webhook_id = new_id("we")
    secret = new_secret()
    with engine.begin() as conn:
        if max_webhooks is not None:
            lock_account(conn, account_id)
            owned = conn.execute(
                select(func.count())
                .select_from(webhooks)
                .where(webhooks.c.account_id == account_id, webhooks.c.deleted_at.is_(None))
            ).scalar_one()
            if int(owned) >= max_webhooks:
                raise WebhookLimitReached(
                    f"The account has {owned} webhooks, its limit; delete one first."
                )
        conn.execute(
            insert(webhooks).values(
                id=webhook_id,
                environment=environment,
                account_id=account_id,
                api_key_id=api_key_id,
                url=url,
                events=json.dumps(list(chosen)),
                secret=secret_box(settings).seal(secret),
                format=format,
                active=True,
                consecutive_failures=0,
                created_at=now,
                updated_at=now,
            )
        )
    hook = get_webhook(engine, webhook_id, environment=environment, account_id=account_id)
    return replace(hook, secret=secret)


def lock_account(conn: Connection, account_id: str) -> None:
    """Serialise an account's creations on PostgreSQL (SQLite's write engine already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(accounts.c.id).where(accounts.c.id == account_id).with_for_update())


def get_webhook(
    engine: Engine, webhook_id: str, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> Webhook:
    """A webhook of the account's ``environment`` that was not deleted, else
    :class:`WebhookNotFound`. Its ``secret`` is the stored (encrypted) form."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(webhooks).where(
                    webhooks.c.id == webhook_id,
                    webhooks.c.environment == environment,
                    webhooks.c.account_id == account_id,
                    webhooks.c.deleted_at.is_(None),
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise WebhookNotFound(f"No webhook with id {webhook_id!r}.")
    return webhook_from_row(row)


def list_webhooks(
    engine: Engine, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> list[Webhook]:
    """The account's webhooks of ``environment`` (deactivated ones included), oldest first."""
    query = (
        select(webhooks)
        .where(
            webhooks.c.environment == environment,
            webhooks.c.account_id == account_id,
            webhooks.c.deleted_at.is_(None),
        )
        .order_by(webhooks.c.created_at, webhooks.c.id)
    )
    with engine.connect() as conn:
        return [webhook_from_row(r) for r in conn.execute(query).mappings()]


def has_active_webhooks(engine: Engine, *, environment: str) -> bool:
    """Whether any account has an active webhook in ``environment`` (the sandbox mover asks)."""
    query = (
        select(webhooks.c.id)
        .where(
            webhooks.c.environment == environment,
            webhooks.c.active == true(),
            webhooks.c.deleted_at.is_(None),
        )
        .limit(1)
    )
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def delete_webhook(
    engine: Engine, webhook_id: str, *, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> None:
    """Stop sending to a webhook; its pending deliveries are canceled, history stays."""
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            update(webhooks)
            .where(
                webhooks.c.id == webhook_id,
                webhooks.c.environment == environment,
                webhooks.c.account_id == account_id,
                webhooks.c.deleted_at.is_(None),
            )
            .values(deleted_at=now, active=False, updated_at=now)
        )
        if result.rowcount == 0:
            raise WebhookNotFound(f"No webhook with id {webhook_id!r}.")
        cancel_pending(conn, webhook_id, "webhook deleted", now)


def active_webhook(
    conn: Connection, webhook_id: str, environment: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> str:
    """The id of the account's live, active webhook; :class:`WebhookNotFound` or
    :class:`WebhookInactive`."""
    row = conn.execute(
        select(webhooks.c.id, webhooks.c.active).where(
            webhooks.c.id == webhook_id,
            webhooks.c.environment == environment,
            webhooks.c.account_id == account_id,
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


def cancel_pending(conn: Connection, webhook_id: str, reason: str, now: datetime) -> None:
    """Cancel the webhook's pending deliveries inside the caller's transaction."""
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


def webhook_from_row(row: Any) -> Webhook:
    """A :class:`Webhook` from a ``webhooks`` row mapping."""
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
        format=row.get("format") or CLYPT,
        account_id=row.get("account_id") or DEFAULT_ACCOUNT_ID,
    )
