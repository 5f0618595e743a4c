"""Every table of the operational database (SQLAlchemy Core), on one ``MetaData``.

Queries import their tables from here; migrations never do (each carries its own fixed DDL in
:mod:`podclip.store.migrations`), and a test checks that a migrated database has exactly these
columns. Rows a client makes carry an ``account_id`` (and an ``environment``): every query that
lists, reads or deletes them filters on both. ``account_id`` has no foreign key because SQLite
cannot add one to an existing table; accounts are never deleted.

``feed_items.job_id`` names a ``jobs`` row without a foreign key: the job id is chosen before
the job exists (see :func:`podclip.store.feeds.claim_items`).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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
    false,
    true,
)

# The account every row of a single-user install belongs to (made by migration 80).
DEFAULT_ACCOUNT_ID = "acct_default"
DEFAULT_ACCOUNT_NAME = "default"

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(40), primary_key=True),
    # A short unique handle (``podclip keys create --account NAME``).
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", Text),
    Column("email", Text),
    # Minutes of source audio the account may still process; NULL means unlimited.
    Column("credit_minutes", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
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
    Column("account_id", String(40), nullable=False, server_default=DEFAULT_ACCOUNT_ID),
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
    # Queue claims (:mod:`podclip.store.queue`): who took the job, when, how many times.
    Column("claimed_at", DateTime(timezone=True)),
    Column("claimed_by", String(200)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # The guest share link (podclip.store.share_links): a revoke or a new link bumps the
    # version; it expires share_ttl_days after share_issued_at (NULL: after completion).
    Column("share_version", Integer, nullable=False, server_default="0"),
    Column("share_issued_at", DateTime(timezone=True)),
    Column("share_revoked_at", DateTime(timezone=True)),
)
Index("ix_jobs_created_at", jobs.c.created_at)
Index("ix_jobs_status", jobs.c.status)
Index("ix_jobs_claim", jobs.c.status, jobs.c.claimed_at)
# An account's jobs newest first (GET /v1/jobs).
Index("ix_jobs_account_created", jobs.c.account_id, jobs.c.environment, jobs.c.created_at)

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
Index("ix_jobs_environment_created", jobs.c.environment, jobs.c.status, jobs.c.created_at)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text),
    Column("environment", String(8), nullable=False),
    Column("account_id", String(40), nullable=False, server_default=DEFAULT_ACCOUNT_ID),
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
    Column("account_id", String(40), nullable=False, server_default=DEFAULT_ACCOUNT_ID),
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
    Column("bucket", String(32), nullable=False),  # klipit_submit etc.: migration 200
    # Unix seconds (float): the sliding window is a range scan on this index.
    Column("at", Float, nullable=False),
)
Index(
    "ix_rate_limit_hits_key_bucket_at",
    rate_limit_hits.c.api_key_id,
    rate_limit_hits.c.bucket,
    rate_limit_hits.c.at,
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("environment", String(8), nullable=False, server_default="live"),
    Column("account_id", String(40), nullable=False, server_default=DEFAULT_ACCOUNT_ID),
    Column("show_name", Text),
    Column("title", Text),
    Column("backfill", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One registration of a URL per account and environment (another account may add it too).
    UniqueConstraint("account_id", "url", "environment", name="uq_feeds_account_url_environment"),
)

Index("ix_feeds_account", feeds.c.account_id, feeds.c.environment, feeds.c.active)

feed_items = Table(
    "feed_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_id", String(40), ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("enclosure_url", Text),
    Column("title", Text),
    Column("published_at", DateTime(timezone=True)),
    Column("job_id", String(40)),
    # The create_job arguments, so a job lost to a crash after the claim can be made later.
    Column("job_json", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("feed_id", "guid", name="uq_feed_items_feed_guid"),
)
Index("ix_feed_items_job_id", feed_items.c.job_id)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("environment", String(8), nullable=False),
    Column("account_id", String(40), nullable=False, server_default=DEFAULT_ACCOUNT_ID),
    Column("api_key_id", String(40)),
    Column("url", Text, nullable=False),
    # JSON list of event types, aliases resolved.
    Column("events", Text, nullable=False),
    # Fernet-encrypted (``fernet:...``, podclip.store.sealing); never stored in plain text.
    Column("secret", Text, nullable=False),
    # The dialect its deliveries speak (podclip.core.dialects): clypt or klipit.
    Column("format", String(16), nullable=False, server_default="clypt"),
    Column("active", Boolean, nullable=False, server_default=true()),
    # Deliveries in a row that ended failed; a 2xx resets it.
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("deactivated_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
)
Index("ix_webhooks_environment_active", webhooks.c.environment, webhooks.c.active)
Index("ix_webhooks_account", webhooks.c.account_id, webhooks.c.environment)
# The outbox's fan-out reads only the job's account's active webhooks (migration 100).
Index(
    "ix_webhooks_account_active",
    webhooks.c.account_id,
    webhooks.c.environment,
    webhooks.c.active,
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("job_id", String(40), nullable=False),
    Column("request_id", String(40), nullable=False),
    # A test fire built from an existing job rather than a status change.
    Column("synthetic", Boolean, nullable=False, server_default=false()),
    # The jobs row as it was when the event happened (JSON).
    Column("job_json", Text, nullable=False),
    # The raw request body, fixed at the first attempt and sent unchanged ever after.
    Column("body", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_webhook_events_job_id", webhook_events.c.job_id)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("webhook_id", String(40), ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", String(40), ForeignKey("webhook_events.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("leased_until", DateTime(timezone=True)),
    Column("lease_owner", String(80)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("replay_of", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
)
Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_webhook",
    webhook_deliveries.c.webhook_id,
    webhook_deliveries.c.created_at,
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    # One row per attempt number: a second send of the same attempt could not be recorded.
    UniqueConstraint("delivery_id", "number", name="uq_webhook_attempts_delivery_number"),
)

stage_locks = Table(
    "stage_locks",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The producer studio (migration 180, podclip.store.clip_edits / corrections).
clip_edits = Table(
    "clip_edits",
    metadata,
    Column("clip_id", String(40), primary_key=True),
    Column("job_id", String(40), nullable=False),
    Column("account_id", String(40), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("start_seconds", Float),
    Column("end_seconds", Float),
    Column("caption_style", String(64)),
    Column("preset", String(32)),
    # JSON list of platform names, or NULL for the job's.
    Column("platforms", Text),
    Column("review_status", String(16)),
    Column("review_reason", Text),
    Column("manual", Boolean, nullable=False, server_default=false()),
    # A change bumps revision; the rerender flow sets rendered_revision to what it rendered.
    Column("revision", Integer, nullable=False),
    Column("rendered_revision", Integer, nullable=False),
    Column("render_error", Text),
    Column("updated_by", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_clip_edits_job", clip_edits.c.job_id, clip_edits.c.account_id, clip_edits.c.environment)

transcript_corrections = Table(
    "transcript_corrections",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("word_index", Integer, primary_key=True),
    Column("account_id", String(40), nullable=False),
    Column("from_text", Text, nullable=False),
    Column("to_text", Text, nullable=False),
    Column("created_by", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

rerender_requests = Table(
    "rerender_requests",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("job_id", String(40), nullable=False),
    Column("account_id", String(40), nullable=False),
    Column("environment", String(8), nullable=False),
    # queued → running → done | failed
    Column("status", String(16), nullable=False),
    # JSON list of the clip ids to render (those changed when it was asked for).
    Column("clip_ids", Text, nullable=False),
    Column("flow_run_id", String(64)),
    Column("error", Text),
    Column("requested_by", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)
Index("ix_rerender_requests_status", rerender_requests.c.status, rerender_requests.c.created_at)
Index("ix_rerender_requests_job", rerender_requests.c.job_id, rerender_requests.c.created_at)

studio_logins = Table(
    "studio_logins",
    metadata,
    # sha256 hex of the one-time token; the token itself is printed once and never stored.
    Column("token_hash", String(64), primary_key=True),
    Column("api_key_id", String(40), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Each show's brand kit (migration 190, podclip.store.brands).
show_brands = Table(
    "show_brands",
    metadata,
    Column("account_id", String(40), primary_key=True),
    Column("show_name", String(200), primary_key=True),
    Column("primary_colour", String(7), nullable=False),
    Column("secondary_colour", String(7), nullable=False),
    Column("font", String(64)),
    Column("caption_style", String(64)),
    # Media-store key of the logo PNG (brand/<sha256>.png), or NULL for none.
    Column("logo_key", String(200)),
    Column("updated_by", String(40)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
