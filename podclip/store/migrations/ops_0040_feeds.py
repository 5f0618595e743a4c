"""Operational database: RSS feeds and the items seen in them."""

from __future__ import annotations

from sqlalchemy import Connection

from podclip.store.feeds_schema import feed_items, feeds

VERSION = 40
NAME = "feeds and feed_items"


def upgrade(conn: Connection) -> None:
    feeds.create(conn, checkfirst=True)
    feed_items.create(conn, checkfirst=True)
