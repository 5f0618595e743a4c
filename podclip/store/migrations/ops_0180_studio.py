"""Operational database: the producer studio's review state (issue 18).

``clip_edits`` holds what a producer changed on a clip (its span, caption style, preset or
platforms, verdict) and whether that change is rendered yet (``revision`` against
``rendered_revision``); a clip made by hand from a passage has ``manual`` set and exists only
here until its first render. ``transcript_corrections`` is the overlay of caption fixes, keyed
by job and word index. ``rerender_requests`` is the queue of re-render runs (one flow run each).
``studio_logins`` holds the one-time login links the CLI prints (the token's hash only).

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 180
NAME = "studio: clip_edits, transcript_corrections, rerender_requests, studio_logins"

_TS = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}
_BOOL_FALSE = {"sqlite": "0", "postgresql": "false"}


def _statements(dialect: str) -> tuple[str, ...]:
    ts = _TS[dialect]
    return (
        f"""
        CREATE TABLE clip_edits (
            clip_id VARCHAR(40) NOT NULL,
            job_id VARCHAR(40) NOT NULL,
            account_id VARCHAR(40) NOT NULL,
            environment VARCHAR(8) NOT NULL,
            start_seconds FLOAT,
            end_seconds FLOAT,
            caption_style VARCHAR(64),
            preset VARCHAR(32),
            platforms TEXT,
            review_status VARCHAR(16),
            review_reason TEXT,
            manual BOOLEAN DEFAULT {_BOOL_FALSE[dialect]} NOT NULL,
            revision INTEGER NOT NULL,
            rendered_revision INTEGER NOT NULL,
            render_error TEXT,
            updated_by VARCHAR(40),
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            PRIMARY KEY (clip_id)
        )
        """,
        "CREATE INDEX ix_clip_edits_job ON clip_edits (job_id, account_id, environment)",
        f"""
        CREATE TABLE transcript_corrections (
            job_id VARCHAR(40) NOT NULL,
            word_index INTEGER NOT NULL,
            account_id VARCHAR(40) NOT NULL,
            from_text TEXT NOT NULL,
            to_text TEXT NOT NULL,
            created_by VARCHAR(40),
            created_at {ts} NOT NULL,
            PRIMARY KEY (job_id, word_index)
        )
        """,
        f"""
        CREATE TABLE rerender_requests (
            id VARCHAR(40) NOT NULL,
            job_id VARCHAR(40) NOT NULL,
            account_id VARCHAR(40) NOT NULL,
            environment VARCHAR(8) NOT NULL,
            status VARCHAR(16) NOT NULL,
            clip_ids TEXT NOT NULL,
            flow_run_id VARCHAR(64),
            error TEXT,
            requested_by VARCHAR(40),
            created_at {ts} NOT NULL,
            started_at {ts},
            finished_at {ts},
            PRIMARY KEY (id)
        )
        """,
        "CREATE INDEX ix_rerender_requests_status ON rerender_requests (status, created_at)",
        "CREATE INDEX ix_rerender_requests_job ON rerender_requests (job_id, created_at)",
        f"""
        CREATE TABLE studio_logins (
            token_hash VARCHAR(64) NOT NULL,
            api_key_id VARCHAR(40) NOT NULL,
            expires_at {ts} NOT NULL,
            used_at {ts},
            created_at {ts} NOT NULL,
            PRIMARY KEY (token_hash)
        )
        """,
    )


SQLITE = _statements("sqlite")
POSTGRESQL = _statements("postgresql")
