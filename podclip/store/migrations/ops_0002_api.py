"""Operational database: API keys, idempotency claims, rate-limit windows, a jobs index."""

from __future__ import annotations

from sqlalchemy import Connection

from podclip.store.ops_schema import (
    api_keys,
    idempotency_keys,
    ix_jobs_environment_created,
    rate_limit_hits,
)

VERSION = 2
NAME = "api_keys, idempotency_keys, rate_limit_hits"


def upgrade(conn: Connection) -> None:
    # checkfirst everywhere: on a new database ops_0001 already made the jobs index.
    ix_jobs_environment_created.create(conn, checkfirst=True)
    api_keys.create(conn, checkfirst=True)
    idempotency_keys.create(conn, checkfirst=True)
    rate_limit_hits.create(conn, checkfirst=True)
