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
    UniqueConstraint,
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
# Listing a key's environment newest-first without a sort (GET /v1/jobs, the queue drainer).
ix_jobs_environment_created = Index(
    "ix_jobs_environment_created", jobs.c.environment, jobs.c.status, jobs.c.created_at
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text),
    Column("environment", String(8), nullable=False),
    # JSON list of scope strings, e.g. ["jobs:create", "jobs:read"].
    Column("scopes", Text, nullable=False),
    # sha256 hex of the secret part (after ``clk_live_``/``clk_test_``); the key itself is never
    # stored, so the prefix can be checked against ``environment`` on use.
    Column("hash", String(64), nullable=False, unique=True),
    Column("prefix", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("api_key_id", String(40), ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    # in_flight while the first request runs, done once its job exists.
    Column("state", String(12), nullable=False),
    Column("job_id", String(40)),
    Column("response_status", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("api_key_id", "key", name="uq_idempotency_keys_api_key_key"),
)

rate_limit_hits = Table(
    "rate_limit_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("api_key_id", String(40), nullable=False),
    Column("bucket", String(8), nullable=False),
    # Unix seconds (float): the sliding window is a range scan on this index.
    Column("at", Float, nullable=False),
)
Index(
    "ix_rate_limit_hits_key_bucket_at",
    rate_limit_hits.c.api_key_id,
    rate_limit_hits.c.bucket,
    rate_limit_hits.c.at,
)
