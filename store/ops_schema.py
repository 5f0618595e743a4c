"""Tables of the operational database (SQLAlchemy Core), shared by every migration and query."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("source_type", String(20), nullable=False),
    Column("source_url", Text, nullable=False),
    Column("source_json", Text, nullable=False),
    Column("options_json", Text, nullable=False),
    Column("show_name", Text),
    Column("guest_name", Text),
    Column("title", Text),
    Column("environment", String(8), nullable=False, server_default="live"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("clip_count", Integer),
    Column("source_sha256", String(64)),
    Column("duration_seconds", Float),
    Column("flow_run_id", String(64)),
)
Index("ix_jobs_created_at", jobs.c.created_at)
Index("ix_jobs_status", jobs.c.status)

job_events = Table(
    "job_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(40), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("message", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_job_events_job_id", job_events.c.job_id)
