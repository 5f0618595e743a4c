"""Operational database: webhooks, their events, deliveries and delivery attempts.

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 70
NAME = "webhooks, webhook_events, webhook_deliveries, webhook_attempts"

SQLITE = (
    """
    CREATE TABLE IF NOT EXISTS webhooks (
        id VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        api_key_id VARCHAR(40),
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        active BOOLEAN DEFAULT 1 NOT NULL,
        consecutive_failures INTEGER DEFAULT '0' NOT NULL,
        deactivated_reason TEXT,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        deleted_at DATETIME,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhooks_environment_active ON webhooks (environment, active)",
    """
    CREATE TABLE IF NOT EXISTS webhook_events (
        id VARCHAR(40) NOT NULL,
        type VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        job_id VARCHAR(40) NOT NULL,
        request_id VARCHAR(40) NOT NULL,
        synthetic BOOLEAN DEFAULT 0 NOT NULL,
        job_json TEXT NOT NULL,
        body TEXT,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhook_events_job_id ON webhook_events (job_id)",
    """
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id VARCHAR(40) NOT NULL,
        webhook_id VARCHAR(40) NOT NULL,
        event_id VARCHAR(40) NOT NULL,
        status VARCHAR(12) NOT NULL,
        attempts INTEGER DEFAULT '0' NOT NULL,
        next_attempt_at DATETIME,
        leased_until DATETIME,
        lease_owner VARCHAR(80),
        last_attempt_at DATETIME,
        last_status_code INTEGER,
        last_error TEXT,
        replay_of VARCHAR(40),
        created_at DATETIME NOT NULL,
        completed_at DATETIME,
        PRIMARY KEY (id),
        FOREIGN KEY(webhook_id) REFERENCES webhooks (id),
        FOREIGN KEY(event_id) REFERENCES webhook_events (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_due "
    "ON webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_webhook "
    "ON webhook_deliveries (webhook_id, created_at)",
    """
    CREATE TABLE IF NOT EXISTS webhook_attempts (
        id INTEGER NOT NULL,
        delivery_id VARCHAR(40) NOT NULL,
        number INTEGER NOT NULL,
        started_at DATETIME NOT NULL,
        finished_at DATETIME NOT NULL,
        status_code INTEGER,
        error TEXT,
        PRIMARY KEY (id),
        CONSTRAINT uq_webhook_attempts_delivery_number UNIQUE (delivery_id, number),
        FOREIGN KEY(delivery_id) REFERENCES webhook_deliveries (id)
    )
    """,
)

POSTGRESQL = (
    """
    CREATE TABLE IF NOT EXISTS webhooks (
        id VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        api_key_id VARCHAR(40),
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        active BOOLEAN DEFAULT true NOT NULL,
        consecutive_failures INTEGER DEFAULT '0' NOT NULL,
        deactivated_reason TEXT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        deleted_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhooks_environment_active ON webhooks (environment, active)",
    """
    CREATE TABLE IF NOT EXISTS webhook_events (
        id VARCHAR(40) NOT NULL,
        type VARCHAR(40) NOT NULL,
        environment VARCHAR(8) NOT NULL,
        job_id VARCHAR(40) NOT NULL,
        request_id VARCHAR(40) NOT NULL,
        synthetic BOOLEAN DEFAULT false NOT NULL,
        job_json TEXT NOT NULL,
        body TEXT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhook_events_job_id ON webhook_events (job_id)",
    """
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id VARCHAR(40) NOT NULL,
        webhook_id VARCHAR(40) NOT NULL,
        event_id VARCHAR(40) NOT NULL,
        status VARCHAR(12) NOT NULL,
        attempts INTEGER DEFAULT '0' NOT NULL,
        next_attempt_at TIMESTAMP WITH TIME ZONE,
        leased_until TIMESTAMP WITH TIME ZONE,
        lease_owner VARCHAR(80),
        last_attempt_at TIMESTAMP WITH TIME ZONE,
        last_status_code INTEGER,
        last_error TEXT,
        replay_of VARCHAR(40),
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        completed_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id),
        FOREIGN KEY(webhook_id) REFERENCES webhooks (id),
        FOREIGN KEY(event_id) REFERENCES webhook_events (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_due "
    "ON webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_webhook "
    "ON webhook_deliveries (webhook_id, created_at)",
    """
    CREATE TABLE IF NOT EXISTS webhook_attempts (
        id SERIAL NOT NULL,
        delivery_id VARCHAR(40) NOT NULL,
        number INTEGER NOT NULL,
        started_at TIMESTAMP WITH TIME ZONE NOT NULL,
        finished_at TIMESTAMP WITH TIME ZONE NOT NULL,
        status_code INTEGER,
        error TEXT,
        PRIMARY KEY (id),
        CONSTRAINT uq_webhook_attempts_delivery_number UNIQUE (delivery_id, number),
        FOREIGN KEY(delivery_id) REFERENCES webhook_deliveries (id)
    )
    """,
)
