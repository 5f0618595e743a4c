"""Operational database: queue claims on jobs (who took it, when, how many attempts)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

VERSION = 50
NAME = "jobs.claimed_at, claimed_by, attempts"

COLUMNS = {
    "claimed_at": "TIMESTAMP WITH TIME ZONE",
    "claimed_by": "VARCHAR(200)",
    "attempts": "INTEGER NOT NULL DEFAULT 0",
}


def upgrade(conn: Connection) -> None:
    existing = {c["name"] for c in inspect(conn).get_columns("jobs")}
    for name, ddl in COLUMNS.items():
        if name not in existing:
            conn.execute(text(f"ALTER TABLE jobs ADD COLUMN {name} {ddl}"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_jobs_claim ON jobs (status, claimed_at)"))
