"""Tables for RSS feed monitoring: the feeds podclip watches and every item it has seen.

They live on their own :class:`~sqlalchemy.MetaData` (not ``store.ops_schema.metadata``) so that
this module and ``ops_schema`` change independently; both are created in the same database by
the numbered migrations. ``feed_items.job_id`` names a ``jobs`` row without a foreign key: the
job id is chosen before the job exists (see :func:`store.feeds.claim_items`).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("environment", String(8), nullable=False, server_default="live"),
    Column("show_name", Text),
    Column("title", Text),
    Column("backfill", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("url", "environment", name="uq_feeds_url_environment"),
)

feed_items = Table(
    "feed_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_id", String(40), ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("enclosure_url", Text),
    Column("title", Text),
    Column("published_at", DateTime(timezone=True)),
    Column("job_id", String(40)),
    # The create_job arguments, so a job lost to a crash after the claim can be made later.
    Column("job_json", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("feed_id", "guid", name="uq_feed_items_feed_guid"),
)
Index("ix_feed_items_job_id", feed_items.c.job_id)
