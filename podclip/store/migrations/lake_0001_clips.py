"""Lake: transcript segments with words, clips and their renders."""

from __future__ import annotations

VERSION = 1
NAME = "transcript_segments, clips, renders"

STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS transcript_segments (
        job_id VARCHAR NOT NULL,
        source_sha256 VARCHAR NOT NULL,
        segment_index INTEGER NOT NULL,
        start_seconds DOUBLE NOT NULL,
        end_seconds DOUBLE NOT NULL,
        speaker VARCHAR,
        text VARCHAR NOT NULL,
        words STRUCT(start_seconds DOUBLE, end_seconds DOUBLE, word VARCHAR,
                     probability DOUBLE)[],
        model_id VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS clips (
        clip_id VARCHAR NOT NULL,
        job_id VARCHAR NOT NULL,
        source_sha256 VARCHAR NOT NULL,
        rank INTEGER NOT NULL,
        moment_type VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        shareability_score DOUBLE NOT NULL,
        reason VARCHAR NOT NULL,
        hook VARCHAR NOT NULL,
        pull_quote VARCHAR NOT NULL,
        start_seconds DOUBLE NOT NULL,
        end_seconds DOUBLE NOT NULL,
        duration_seconds DOUBLE NOT NULL,
        transcript_text VARCHAR NOT NULL,
        type_probabilities MAP(VARCHAR, DOUBLE),
        scoring_model_version VARCHAR NOT NULL,
        transcription_model_id VARCHAR NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS renders (
        clip_id VARCHAR NOT NULL,
        job_id VARCHAR NOT NULL,
        preset VARCHAR NOT NULL,
        media_path VARCHAR NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        duration_seconds DOUBLE NOT NULL,
        size_bytes BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL,
        caption_style VARCHAR NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
)
