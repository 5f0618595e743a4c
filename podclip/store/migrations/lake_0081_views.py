"""Lake: the analysts' views ``clip_scores`` (one row per clip) and ``episode_summary``.

They live in the lake's catalog, not in podclip: any DuckDB that attaches the catalog (under
any alias) can query them. Their columns are a stable interface: add columns, never rename or
drop them. Both read one table each (no join), so they stay fast at tens of millions of clips;
publish keeps the copied episode facts consistent (lake_0080).
"""

from __future__ import annotations

VERSION = 81
NAME = "views clip_scores, episode_summary"

STATEMENTS = (
    # episode_date falls back to the publish date (UTC) for clips published before lake_0080.
    """
    CREATE OR REPLACE VIEW clip_scores AS
    SELECT
        job_id,
        clip_id,
        show_name,
        episode_title,
        guest_name,
        COALESCE(episode_date, CAST(timezone('UTC', created_at) AS DATE)) AS episode_date,
        moment_type,
        category,
        shareability_score,
        duration_seconds,
        rank,
        start_seconds,
        end_seconds,
        hook,
        scoring_model_version,
        transcription_model_id,
        created_at
    FROM clips
    """,
    """
    CREATE OR REPLACE VIEW episode_summary AS
    SELECT
        job_id,
        show_name,
        episode_title,
        guest_name,
        CAST(timezone('UTC', COALESCE(published_at, created_at)) AS DATE) AS episode_date,
        source_type,
        source_url,
        language,
        duration_seconds AS episode_duration_seconds,
        clip_count,
        mean_score,
        max_score,
        min_score,
        top_moment_type,
        best_clip_id,
        total_clip_seconds,
        total_clip_seconds / nullif(duration_seconds, 0) AS clip_coverage,
        scoring_model_version,
        created_at
    FROM episodes
    """,
)
