"""Operational database: queue claims on jobs (who took it, when, how many attempts).

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 50
NAME = "jobs.claimed_at, claimed_by, attempts"

SQLITE = (
    "ALTER TABLE jobs ADD COLUMN claimed_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE jobs ADD COLUMN claimed_by VARCHAR(200)",
    "ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS ix_jobs_claim ON jobs (status, claimed_at)",
)

POSTGRESQL = (
    "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS claimed_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS claimed_by VARCHAR(200)",
    "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS ix_jobs_claim ON jobs (status, claimed_at)",
)
