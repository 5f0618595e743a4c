"""Operational database: jobs and their status events.

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 1
NAME = "jobs and job_events"

SQLITE = (
    """
    CREATE TABLE IF NOT EXISTS jobs (
        id VARCHAR(40) NOT NULL,
        status VARCHAR(20) NOT NULL,
        source_type VARCHAR(20) NOT NULL,
        source_url TEXT NOT NULL,
        source_json TEXT NOT NULL,
        options_json TEXT NOT NULL,
        show_name TEXT,
        guest_name TEXT,
        title TEXT,
        environment VARCHAR(8) DEFAULT 'live' NOT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        started_at DATETIME,
        completed_at DATETIME,
        error_code VARCHAR(64),
        error_message TEXT,
        clip_count INTEGER,
        source_sha256 VARCHAR(64),
        duration_seconds FLOAT,
        flow_run_id VARCHAR(64),
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_jobs_created_at ON jobs (created_at)",
    "CREATE INDEX IF NOT EXISTS ix_jobs_environment_created "
    "ON jobs (environment, status, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_jobs_status ON jobs (status)",
    """
    CREATE TABLE IF NOT EXISTS job_events (
        id INTEGER NOT NULL,
        job_id VARCHAR(40) NOT NULL,
        status VARCHAR(20) NOT NULL,
        message TEXT,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_job_events_job_id ON job_events (job_id)",
)

POSTGRESQL = (
    """
    CREATE TABLE IF NOT EXISTS jobs (
        id VARCHAR(40) NOT NULL,
        status VARCHAR(20) NOT NULL,
        source_type VARCHAR(20) NOT NULL,
        source_url TEXT NOT NULL,
        source_json TEXT NOT NULL,
        options_json TEXT NOT NULL,
        show_name TEXT,
        guest_name TEXT,
        title TEXT,
        environment VARCHAR(8) DEFAULT 'live' NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        started_at TIMESTAMP WITH TIME ZONE,
        completed_at TIMESTAMP WITH TIME ZONE,
        error_code VARCHAR(64),
        error_message TEXT,
        clip_count INTEGER,
        source_sha256 VARCHAR(64),
        duration_seconds FLOAT,
        flow_run_id VARCHAR(64),
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_jobs_created_at ON jobs (created_at)",
    "CREATE INDEX IF NOT EXISTS ix_jobs_environment_created "
    "ON jobs (environment, status, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_jobs_status ON jobs (status)",
    """
    CREATE TABLE IF NOT EXISTS job_events (
        id SERIAL NOT NULL,
        job_id VARCHAR(40) NOT NULL,
        status VARCHAR(20) NOT NULL,
        message TEXT,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_job_events_job_id ON job_events (job_id)",
)
