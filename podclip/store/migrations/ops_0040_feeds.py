"""Operational database: RSS feeds and the items seen in them.

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 40
NAME = "feeds and feed_items"

SQLITE = (
    """
    CREATE TABLE IF NOT EXISTS feeds (
        id VARCHAR(40) NOT NULL,
        url TEXT NOT NULL,
        environment VARCHAR(8) DEFAULT 'live' NOT NULL,
        show_name TEXT,
        title TEXT,
        backfill INTEGER NOT NULL,
        active BOOLEAN DEFAULT 1 NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled_at DATETIME,
        last_success_at DATETIME,
        last_status INTEGER,
        last_error TEXT,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_feeds_url_environment UNIQUE (url, environment)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS feed_items (
        id INTEGER NOT NULL,
        feed_id VARCHAR(40) NOT NULL,
        guid TEXT NOT NULL,
        enclosure_url TEXT,
        title TEXT,
        published_at DATETIME,
        job_id VARCHAR(40),
        job_json TEXT,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_feed_items_feed_guid UNIQUE (feed_id, guid),
        FOREIGN KEY(feed_id) REFERENCES feeds (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_feed_items_job_id ON feed_items (job_id)",
)

POSTGRESQL = (
    """
    CREATE TABLE IF NOT EXISTS feeds (
        id VARCHAR(40) NOT NULL,
        url TEXT NOT NULL,
        environment VARCHAR(8) DEFAULT 'live' NOT NULL,
        show_name TEXT,
        title TEXT,
        backfill INTEGER NOT NULL,
        active BOOLEAN DEFAULT true NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled_at TIMESTAMP WITH TIME ZONE,
        last_success_at TIMESTAMP WITH TIME ZONE,
        last_status INTEGER,
        last_error TEXT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_feeds_url_environment UNIQUE (url, environment)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS feed_items (
        id SERIAL NOT NULL,
        feed_id VARCHAR(40) NOT NULL,
        guid TEXT NOT NULL,
        enclosure_url TEXT,
        title TEXT,
        published_at TIMESTAMP WITH TIME ZONE,
        job_id VARCHAR(40),
        job_json TEXT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_feed_items_feed_guid UNIQUE (feed_id, guid),
        FOREIGN KEY(feed_id) REFERENCES feeds (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_feed_items_job_id ON feed_items (job_id)",
)
