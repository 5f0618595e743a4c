"""Registered RSS feeds: new episodes become jobs without anyone submitting them.

A feed belongs to its key's account and environment: other accounts' feeds are 404
``not_found``; an account watches at most ``accounts.max_feeds`` (409 ``feed_limit_reached``).
Feeds of sandbox keys are stored but never fetched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from podclip.api.deps import JobsCreate, JobsRead, SettingsDep, StoresDep
from podclip.api.errors import about, not_found
from podclip.api.routes import ERROR_RESPONSES
from podclip.core.netsafe import check_url
from podclip.store import feeds as feed_store
from podclip.store.api_keys import ApiKey

router = APIRouter(tags=["feeds"], responses=ERROR_RESPONSES)


class FeedCreate(BaseModel):
    """Register a feed; ``backfill`` newest episodes become jobs on the first poll."""

    url: str = Field(description="The feed's http(s) URL.")
    show_name: str | None = Field(default=None, description="Overrides the channel title.")
    backfill: int | None = Field(default=None, ge=0, le=100)


class FeedOut(BaseModel):
    object: str = "feed"
    id: str
    url: str
    show_name: str | None
    title: str | None
    backfill: int
    active: bool
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime


class FeedList(BaseModel):
    object: str = "list"
    data: list[FeedOut]
    has_more: bool = False


class FeedDeleted(BaseModel):
    object: str = "feed"
    id: str
    deleted: bool = True


@router.post("/feeds", response_model=FeedOut, status_code=201, summary="Register a feed")
def create_feed(
    body: FeedCreate, key: JobsCreate, stores: StoresDep, settings: SettingsDep
) -> dict[str, Any]:
    """The feed is polled every ``PODCLIP_FEEDS__POLL_INTERVAL_MINUTES`` by ``poll-feeds``."""
    with about("url"):
        # Sandbox feeds are never fetched, so their host is not even resolved.
        check_url(
            body.url,
            allow_private=settings.allow_private_urls,
            resolve=key.environment == "live",
        )
    feed = feed_store.add_feed(
        stores.engine,
        body.url,
        body.show_name,
        body.backfill,
        environment=key.environment,
        account_id=key.account_id,
        max_feeds=settings.accounts.max_feeds,
    )
    return _out(feed)


@router.get("/feeds", response_model=FeedList, summary="List feeds")
def list_feeds(key: JobsRead, stores: StoresDep) -> dict[str, Any]:
    feeds = feed_store.list_feeds(
        stores.engine, environment=key.environment, account_id=key.account_id
    )
    return {"object": "list", "data": [_out(f) for f in feeds], "has_more": False}


@router.get("/feeds/{feed_id}", response_model=FeedOut, summary="Get a feed")
def get_feed(feed_id: str, key: JobsRead, stores: StoresDep) -> dict[str, Any]:
    return _out(_owned(stores, feed_id, key))


@router.delete("/feeds/{feed_id}", response_model=FeedDeleted, summary="Stop polling a feed")
def delete_feed(feed_id: str, key: JobsCreate, stores: StoresDep) -> dict[str, Any]:
    """Its jobs and seen episodes stay; registering the URL again resumes it."""
    feed = _owned(stores, feed_id, key)
    feed_store.remove_feed(stores.engine, feed.id, account_id=key.account_id)
    return {"object": "feed", "id": feed.id, "deleted": True}


def _owned(stores: Any, feed_id: str, key: ApiKey) -> feed_store.Feed:
    """The key's account's active feed of its environment; anyone else's is not_found."""
    feed = feed_store.get_feed(stores.engine, feed_id, account_id=key.account_id)
    if feed.environment != key.environment or not feed.active:
        raise not_found("feed", feed_id)
    return feed


def _out(feed: feed_store.Feed) -> dict[str, Any]:
    return {
        "object": "feed",
        "id": feed.id,
        "url": feed.url,
        "show_name": feed.show_name,
        "title": feed.title,
        "backfill": feed.backfill,
        "active": feed.active,
        "last_polled_at": feed.last_polled_at,
        "last_success_at": feed.last_success_at,
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "created_at": feed.created_at,
    }
