"""Lake: ``clip_reviews``, one row per studio or API change to a clip (issue 18).

Append-only events for analysts: who (API key id and account), when, the action, the clip's
state before and after as JSON, and the clip's moment type, score and show as they were, so the
approval rate by moment type, score band and show needs no join (docs/analytics.md).
"""

from __future__ import annotations

VERSION = 180
NAME = "clip_reviews"

STATEMENTS = (
    # action: approve, reject, trim, caption_fix, style, create, rerender.
    """
    CREATE TABLE IF NOT EXISTS clip_reviews (
        review_id VARCHAR NOT NULL,
        clip_id VARCHAR NOT NULL,
        job_id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        environment VARCHAR NOT NULL,
        api_key_id VARCHAR,
        action VARCHAR NOT NULL,
        reason VARCHAR,
        before_json VARCHAR,
        after_json VARCHAR,
        moment_type VARCHAR,
        shareability_score DOUBLE,
        show_name VARCHAR,
        manual BOOLEAN NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
)
