"""Operational database: API keys, idempotency claims, rate-limit windows.

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 2
NAME = "api_keys, idempotency_keys, rate_limit_hits"

SQLITE = (
    # Databases made before 0001 carried this index.
    "CREATE INDEX IF NOT EXISTS ix_jobs_environment_created "
    "ON jobs (environment, status, created_at)",
    """
    CREATE TABLE IF NOT EXISTS api_keys (
        id VARCHAR(40) NOT NULL,
        name TEXT,
        environment VARCHAR(8) NOT NULL,
        scopes TEXT NOT NULL,
        hash VARCHAR(64) NOT NULL,
        prefix VARCHAR(40) NOT NULL,
        created_at DATETIME NOT NULL,
        revoked_at DATETIME,
        last_used_at DATETIME,
        PRIMARY KEY (id),
        UNIQUE (hash)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS idempotency_keys (
        id INTEGER NOT NULL,
        api_key_id VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        "key" VARCHAR(255) NOT NULL,
        request_hash VARCHAR(64) NOT NULL,
        state VARCHAR(12) NOT NULL,
        job_id VARCHAR(40),
        response_status INTEGER,
        created_at DATETIME NOT NULL,
        expires_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_idempotency_keys_api_key_key UNIQUE (api_key_id, "key"),
        FOREIGN KEY(api_key_id) REFERENCES api_keys (id) ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rate_limit_hits (
        id INTEGER NOT NULL,
        api_key_id VARCHAR(40) NOT NULL,
        bucket VARCHAR(8) NOT NULL,
        at FLOAT NOT NULL,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_rate_limit_hits_key_bucket_at "
    "ON rate_limit_hits (api_key_id, bucket, at)",
)

POSTGRESQL = (
    "CREATE INDEX IF NOT EXISTS ix_jobs_environment_created "
    "ON jobs (environment, status, created_at)",
    """
    CREATE TABLE IF NOT EXISTS api_keys (
        id VARCHAR(40) NOT NULL,
        name TEXT,
        environment VARCHAR(8) NOT NULL,
        scopes TEXT NOT NULL,
        hash VARCHAR(64) NOT NULL,
        prefix VARCHAR(40) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        revoked_at TIMESTAMP WITH TIME ZONE,
        last_used_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id),
        UNIQUE (hash)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS idempotency_keys (
        id SERIAL NOT NULL,
        api_key_id VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        key VARCHAR(255) NOT NULL,
        request_hash VARCHAR(64) NOT NULL,
        state VARCHAR(12) NOT NULL,
        job_id VARCHAR(40),
        response_status INTEGER,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_idempotency_keys_api_key_key UNIQUE (api_key_id, key),
        FOREIGN KEY(api_key_id) REFERENCES api_keys (id) ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS rate_limit_hits (
        id SERIAL NOT NULL,
        api_key_id VARCHAR(40) NOT NULL,
        bucket VARCHAR(8) NOT NULL,
        at FLOAT NOT NULL,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_rate_limit_hits_key_bucket_at "
    "ON rate_limit_hits (api_key_id, bucket, at)",
)
