"""Lake: per-episode outputs (show notes, trailer, speakers) and per-clip files (captions)."""

from __future__ import annotations

VERSION = 70
NAME = "episode_outputs, clip_files"

STATEMENTS = (
    # kind: show_notes (body = Markdown), trailer (media_path), speakers (body = JSON), ...
    """
    CREATE TABLE IF NOT EXISTS episode_outputs (
        job_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        media_path VARCHAR,
        body VARCHAR,
        sha256 VARCHAR,
        duration_seconds DOUBLE,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
    # kind: srt, vtt (one per clip; captions do not depend on the preset).
    """
    CREATE TABLE IF NOT EXISTS clip_files (
        clip_id VARCHAR NOT NULL,
        job_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        media_path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
)
