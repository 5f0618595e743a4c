"""Operational database: accounts, and an ``account_id`` on everything a client makes.

Every existing row moves into the ``default`` account (``acct_default``), which a single-user
install keeps using without configuring anything. Feeds become unique per account, URL and
environment; SQLite cannot change a table's constraints, so it rebuilds ``feeds`` (with foreign
keys off for this migration only, or dropping the old table would cascade to ``feed_items``).

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 80
NAME = "accounts; account_id on jobs, api_keys, idempotency_keys, webhooks, feeds"
# The migration runner turns SQLite's foreign keys off around this one (see the docstring).
SQLITE_FOREIGN_KEYS_OFF = True

_ADD = "ALTER TABLE {table} ADD COLUMN account_id VARCHAR(40) NOT NULL DEFAULT 'acct_default'"
_OWNED = ("jobs", "api_keys", "idempotency_keys", "webhooks", "feeds")
_INDEXES = (
    "CREATE INDEX ix_jobs_account_created ON jobs (account_id, environment, created_at)",
    "CREATE INDEX ix_webhooks_account ON webhooks (account_id, environment)",
)
_FEED_COLUMNS = (
    "id, url, environment, show_name, title, backfill, active, etag, last_modified, "
    "last_polled_at, last_success_at, last_status, last_error, created_at, updated_at"
)

SQLITE = (
    """
    CREATE TABLE accounts (
        id VARCHAR(40) NOT NULL,
        name VARCHAR(100) NOT NULL,
        display_name TEXT,
        email TEXT,
        credit_minutes FLOAT,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (name)
    )
    """,
    "INSERT INTO accounts (id, name, display_name, created_at) "
    "VALUES ('acct_default', 'default', 'podclip (self-hosted)', CURRENT_TIMESTAMP)",
    *(_ADD.format(table=t) for t in _OWNED if t != "feeds"),
    *_INDEXES,
    """
    CREATE TABLE feeds_new (
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
        account_id VARCHAR(40) NOT NULL DEFAULT 'acct_default',
        PRIMARY KEY (id),
        CONSTRAINT uq_feeds_account_url_environment UNIQUE (account_id, url, environment)
    )
    """,
    f"INSERT INTO feeds_new ({_FEED_COLUMNS}, account_id) "
    f"SELECT {_FEED_COLUMNS}, 'acct_default' FROM feeds",
    "DROP TABLE feeds",
    "ALTER TABLE feeds_new RENAME TO feeds",
)

POSTGRESQL = (
    """
    CREATE TABLE accounts (
        id VARCHAR(40) NOT NULL,
        name VARCHAR(100) NOT NULL,
        display_name TEXT,
        email TEXT,
        credit_minutes FLOAT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (name)
    )
    """,
    "INSERT INTO accounts (id, name, display_name, created_at) "
    "VALUES ('acct_default', 'default', 'podclip (self-hosted)', now())",
    *(_ADD.format(table=t) for t in _OWNED),
    *_INDEXES,
    "ALTER TABLE feeds DROP CONSTRAINT uq_feeds_url_environment",
    "ALTER TABLE feeds ADD CONSTRAINT uq_feeds_account_url_environment "
    "UNIQUE (account_id, url, environment)",
)
