"""Lake: one ``episodes`` row per job, and the episode facts on every clip row.

Analysts group clips by show, guest and date. Joining 10 million clips to their episodes at
query time took 2-3 s on two cores, so publish writes those facts twice in one transaction:
on the job's ``episodes`` row (with the per-episode score summary) and on each ``clips`` row.
Jobs published before this migration get an ``episodes`` row built from their clips (their
show facts are NULL: they live in the operational database's ``jobs`` table).
"""

from __future__ import annotations

VERSION = 80
NAME = "episodes; episode facts on clips"

STATEMENTS = (
    # published_at: the feed item's date when the job came from a feed, else the job's
    # created_at. guest_name: the job's, else the one speaker identification found.
    """
    CREATE TABLE IF NOT EXISTS episodes (
        job_id VARCHAR NOT NULL,
        show_name VARCHAR,
        episode_title VARCHAR,
        guest_name VARCHAR,
        published_at TIMESTAMP WITH TIME ZONE,
        source_url VARCHAR,
        source_type VARCHAR,
        duration_seconds DOUBLE,
        language VARCHAR,
        clip_count INTEGER NOT NULL,
        mean_score DOUBLE,
        max_score DOUBLE,
        min_score DOUBLE,
        top_moment_type VARCHAR,
        best_clip_id VARCHAR,
        total_clip_seconds DOUBLE NOT NULL,
        scoring_model_version VARCHAR,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
    "ALTER TABLE clips ADD COLUMN IF NOT EXISTS show_name VARCHAR",
    "ALTER TABLE clips ADD COLUMN IF NOT EXISTS episode_title VARCHAR",
    "ALTER TABLE clips ADD COLUMN IF NOT EXISTS guest_name VARCHAR",
    "ALTER TABLE clips ADD COLUMN IF NOT EXISTS episode_date DATE",
    """
    INSERT INTO episodes (job_id, published_at, clip_count, mean_score, max_score, min_score,
                          top_moment_type, best_clip_id, total_clip_seconds,
                          scoring_model_version, created_at)
    SELECT job_id, min(created_at), count(*), avg(shareability_score),
           max(shareability_score), min(shareability_score),
           arg_max(moment_type, shareability_score), arg_max(clip_id, shareability_score),
           sum(duration_seconds), max(scoring_model_version), min(created_at)
    FROM clips
    GROUP BY job_id
    """,
)
