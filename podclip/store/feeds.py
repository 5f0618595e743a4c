"""Every read and write of the feed tables (see :mod:`podclip.store.schema`).

Two pollers may run at once (a schedule and ``podclip feeds poll``, or two workers), so an item
becomes a job only through :func:`claim_items`: it inserts the ``feed_items`` row first, with the
job id it is about to use, and only the insert that wins the ``(feed_id, guid)`` unique
constraint goes on to create the job. Because the job id is chosen before the job exists, a
claim whose job was never created (a crash in between) is finished later by
:func:`create_missing_jobs`, and the ``jobs`` primary key makes that safe to race as well.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from podclip.core.errors import FeedExists, FeedLimitReached, FeedNotFound, InvalidFeedRequest
from podclip.core.netsafe import check_url
from podclip.core.settings import feed_settings
from podclip.store import ops
from podclip.store.schema import DEFAULT_ACCOUNT_ID, feed_items, feeds, jobs


@dataclass(frozen=True)
class Feed:
    """A watched feed and what its last poll found (times UTC, status an HTTP code)."""

    id: str
    url: str
    environment: str
    show_name: str | None
    title: str | None
    backfill: int
    active: bool
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    account_id: str = DEFAULT_ACCOUNT_ID
    """The owner: the feed's jobs are this account's and count against its job budget."""

    @property
    def display_name(self) -> str | None:
        """The configured show name, else the channel title learned from the feed."""
        return self.show_name or self.title


@dataclass(frozen=True)
class FeedItem:
    """One item seen in a feed; ``job_id`` is None for items recorded as seen only."""

    guid: str
    enclosure_url: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    job_id: str | None = None
    created_at: datetime | None = None


def new_feed_id() -> str:
    """Time-ordered, unguessable feed id (``feed_`` + 12 hex of ms + 12 random hex)."""
    return f"feed_{int(time.time() * 1000):012x}{secrets.token_hex(6)}"


def add_feed(
    engine: Engine,
    url: str,
    show_name: str | None = None,
    backfill: int | None = None,
    environment: str = "live",
    *,
    account_id: str = DEFAULT_ACCOUNT_ID,
    max_feeds: int | None = None,
) -> Feed:
    """Register ``url`` for the account; re-adding a removed feed reactivates it (its seen
    items stay seen).

    ``backfill`` (default ``FeedSettings.default_backfill``) is how many of the newest episodes
    the first poll turns into jobs.

    Raises:
        InvalidSourceUrl: ``url`` is not an http(s) URL with a host.
        FeedExists: the URL is already registered and active in ``environment``.
        FeedLimitReached: the account watches ``max_feeds`` feeds already.
    """
    check_url(url, allow_private=True, resolve=False)
    backfill = feed_settings().default_backfill if backfill is None else backfill
    if backfill < 0:
        raise InvalidFeedRequest(f"backfill must be 0 or more, not {backfill}.", param="backfill")
    now = ops.utcnow()
    feed_id = new_feed_id()
    if max_feeds is not None:
        _check_cap(engine, account_id, max_feeds)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(feeds).values(
                    id=feed_id,
                    url=url,
                    environment=environment,
                    account_id=account_id,
                    show_name=show_name,
                    backfill=backfill,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return _reactivate(engine, url, show_name, backfill, environment, account_id)
    return get_feed(engine, feed_id)


def count_active_feeds(engine: Engine, account_id: str) -> int:
    """How many feeds the account watches (both environments)."""
    query = (
        select(func.count())
        .select_from(feeds)
        .where(feeds.c.account_id == account_id, feeds.c.active.is_(True))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _check_cap(engine: Engine, account_id: str, max_feeds: int) -> None:
    # Checked before the insert, outside its transaction: two registrations racing at the cap
    # may both pass (a feed over the cap, never an unbounded number).
    owned = count_active_feeds(engine, account_id)
    if owned >= max_feeds:
        raise FeedLimitReached(f"The account watches {owned} feeds, its limit; remove one first.")


def _reactivate(
    engine: Engine,
    url: str,
    show_name: str | None,
    backfill: int,
    environment: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> Feed:
    where = (
        (feeds.c.url == url)
        & (feeds.c.environment == environment)
        & (feeds.c.account_id == account_id)
    )
    with engine.begin() as conn:
        row = conn.execute(select(feeds.c.id, feeds.c.active).where(where)).first()
        if row is None or row.active:
            known = f" as {row.id}" if row is not None else ""
            raise FeedExists(f"Feed {url} is already registered{known}.")
        conn.execute(
            update(feeds)
            .where(feeds.c.id == row.id)
            .values(
                active=True,
                show_name=show_name,
                backfill=backfill,
                last_error=None,
                updated_at=ops.utcnow(),
            )
        )
    return get_feed(engine, row.id)


def get_feed(engine: Engine, feed_id: str, *, account_id: str | None = None) -> Feed:
    """Return one feed (active or removed) or raise :class:`FeedNotFound`.

    With ``account_id``, another account's feed is not found either.
    """
    query = select(feeds).where(feeds.c.id == feed_id)
    if account_id is not None:
        query = query.where(feeds.c.account_id == account_id)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise FeedNotFound(f"No feed with id {feed_id!r}.")
    return _feed_from_row(row)


def list_feeds(
    engine: Engine,
    *,
    environment: str | None = None,
    include_removed: bool = False,
    account_id: str | None = None,
) -> list[Feed]:
    """Feeds oldest first (of one environment and account when given); only active ones
    unless ``include_removed``."""
    query = select(feeds).order_by(feeds.c.created_at, feeds.c.id)
    if environment is not None:
        query = query.where(feeds.c.environment == environment)
    if account_id is not None:
        query = query.where(feeds.c.account_id == account_id)
    if not include_removed:
        query = query.where(feeds.c.active.is_(True))
    with engine.connect() as conn:
        return [_feed_from_row(r) for r in conn.execute(query).mappings()]


def remove_feed(engine: Engine, feed_id: str, *, account_id: str | None = None) -> Feed:
    """Stop polling a feed (of ``account_id`` when given); its rows and jobs stay.

    Raises :class:`FeedNotFound`.
    """
    condition = [feeds.c.id == feed_id, feeds.c.active.is_(True)]
    if account_id is not None:
        condition.append(feeds.c.account_id == account_id)
    with engine.begin() as conn:
        result = conn.execute(
            update(feeds).where(*condition).values(active=False, updated_at=ops.utcnow())
        )
    if result.rowcount == 0:
        raise FeedNotFound(f"No active feed with id {feed_id!r}.")
    return get_feed(engine, feed_id)


def record_poll_success(
    engine: Engine,
    feed_id: str,
    *,
    status: int,
    etag: str | None,
    last_modified: str | None,
    title: str | None = None,
) -> None:
    """Store the validators for the next conditional GET and clear the last error."""
    now = ops.utcnow()
    values: dict[str, Any] = {
        "etag": etag,
        "last_modified": last_modified,
        "last_status": status,
        "last_error": None,
        "last_polled_at": now,
        "last_success_at": now,
        "updated_at": now,
    }
    if title:
        values["title"] = title
    with engine.begin() as conn:
        conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))


def record_poll_error(
    engine: Engine, feed_id: str, *, message: str, status: int | None = None
) -> None:
    """Record why a poll failed; the validators stay, so the next poll starts over cleanly."""
    now = ops.utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id)
            .values(last_error=message, last_status=status, last_polled_at=now, updated_at=now)
        )


def seen_guids(engine: Engine, feed_id: str) -> set[str]:
    """Guids of every item recorded for the feed, with or without a job."""
    with engine.connect() as conn:
        rows = conn.execute(select(feed_items.c.guid).where(feed_items.c.feed_id == feed_id))
        return {r.guid for r in rows}


def mark_seen(engine: Engine, feed_id: str, items: Sequence[FeedItem]) -> None:
    """Record items that must never become jobs; items already recorded are left alone."""
    if not items:
        return
    now = ops.utcnow()
    rows = [_item_values(feed_id, item, now) for item in items]
    with engine.begin() as conn:
        _insert_ignoring_duplicates(conn, rows)


def claim_items(
    engine: Engine, feed_id: str, claims: Sequence[tuple[FeedItem, Mapping[str, Any]]]
) -> list[str]:
    """Turn each item into a queued job unless another poller claimed it first.

    Each claim pairs an item with the :func:`store.ops.create_job` keyword arguments for its
    job (``job_id`` aside). Returns the ids of the jobs this call created, in claim order.
    """
    created: list[str] = []
    for item, fields in claims:
        job_id = ops.new_job_id()
        values = _item_values(feed_id, item, ops.utcnow())
        values.update(job_id=job_id, job_json=json.dumps(dict(fields), default=str))
        try:
            with engine.begin() as conn:
                conn.execute(insert(feed_items).values(**values))
        except IntegrityError:
            continue  # seen before, or claimed by a poller running beside this one
        if _ensure_job(engine, job_id, fields):
            created.append(job_id)
    return created


def create_missing_jobs(engine: Engine, feed_id: str) -> list[str]:
    """Create the jobs of claimed items whose job does not exist (a crash after the claim)."""
    query = (
        select(feed_items.c.job_id, feed_items.c.job_json)
        .select_from(feed_items.outerjoin(jobs, jobs.c.id == feed_items.c.job_id))
        .where(
            feed_items.c.feed_id == feed_id,
            feed_items.c.job_id.is_not(None),
            feed_items.c.job_json.is_not(None),
            jobs.c.id.is_(None),
        )
        .order_by(feed_items.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [r.job_id for r in rows if _ensure_job(engine, r.job_id, json.loads(r.job_json))]


def items_for_feed(engine: Engine, feed_id: str) -> list[FeedItem]:
    """Every item recorded for the feed, newest published first."""
    query = (
        select(feed_items)
        .where(feed_items.c.feed_id == feed_id)
        .order_by(feed_items.c.published_at.desc(), feed_items.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        FeedItem(
            guid=r["guid"],
            enclosure_url=r["enclosure_url"],
            title=r["title"],
            published_at=_aware(r["published_at"]),
            job_id=r["job_id"],
            created_at=_aware(r["created_at"]),
        )
        for r in rows
    ]


def _ensure_job(engine: Engine, job_id: str, fields: Mapping[str, Any]) -> bool:
    """Create job ``job_id``; False if it already exists (made by a concurrent poller)."""
    try:
        ops.create_job(engine, job_id=job_id, **fields)
    except IntegrityError:
        return False
    return True


def _insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, Any]]) -> None:
    keys = [feed_items.c.feed_id, feed_items.c.guid]
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        conn.execute(sqlite.insert(feed_items).on_conflict_do_nothing(index_elements=keys), rows)
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        conn.execute(
            postgresql.insert(feed_items).on_conflict_do_nothing(index_elements=keys), rows
        )
        return
    for row in rows:
        try:
            with conn.begin_nested():
                conn.execute(insert(feed_items).values(**row))
        except IntegrityError:
            pass


def _item_values(feed_id: str, item: FeedItem, now: datetime) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "guid": item.guid,
        "enclosure_url": item.enclosure_url,
        "title": item.title,
        "published_at": item.published_at,
        "job_id": None,
        "job_json": None,
        "created_at": now,
    }


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else ops.as_utc(value)


def _feed_from_row(row: RowMapping) -> Feed:
    created_at = _aware(row["created_at"])
    updated_at = _aware(row["updated_at"])
    assert created_at is not None and updated_at is not None  # NOT NULL columns
    return Feed(
        id=row["id"],
        url=row["url"],
        environment=row["environment"],
        show_name=row["show_name"],
        title=row["title"],
        backfill=row["backfill"],
        active=bool(row["active"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=_aware(row["last_polled_at"]),
        last_success_at=_aware(row["last_success_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        created_at=created_at,
        updated_at=updated_at,
        account_id=row["account_id"],
    )
