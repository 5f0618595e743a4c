"""Operational database: share links that expire and can be revoked; secrets encrypted at rest.

``jobs`` gains the state of the job's guest share link: ``share_version`` (a revoke or a new
link bumps it, so earlier tokens stop working), ``share_issued_at`` (expiry counts from it;
NULL: from the job's completion) and ``share_revoked_at``. The webhooks index gains
``active``, so the outbox finds an account's subscribers without reading anyone else's.
Then :data:`DATA` encrypts every webhook secret still stored in plain text (it needs the
secrets key, so it is code, run in the same transaction as the DDL).

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 100
NAME = "jobs share link state; webhooks by account, environment, active; encrypted secrets"

_COMMON = (
    "ALTER TABLE jobs ADD COLUMN share_version INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX ix_webhooks_account_active ON webhooks (account_id, environment, active)",
    "CREATE INDEX ix_feeds_account ON feeds (account_id, environment, active)",
)

SQLITE = (
    *_COMMON,
    "ALTER TABLE jobs ADD COLUMN share_issued_at DATETIME",
    "ALTER TABLE jobs ADD COLUMN share_revoked_at DATETIME",
)

POSTGRESQL = (
    *_COMMON,
    "ALTER TABLE jobs ADD COLUMN share_issued_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE jobs ADD COLUMN share_revoked_at TIMESTAMP WITH TIME ZONE",
)

# "module:function" called as function(conn, settings) after the statements, same transaction.
DATA = "podclip.store.sealing:encrypt_existing"
