"""Reviewed clips of one show in a real lake, for the per-show learning tests.

A producer whose taste is plain: stories approved, predictions rejected. Each clip row carries
type probabilities leaning to its type, so a fit on these verdicts moves those two features.
"""

from __future__ import annotations

from datetime import UTC, datetime

from podclip.core.settings import Settings
from podclip.store import lake, reviews

STORY = "emotional_story"
PREDICTION = "bold_prediction"


def _probabilities(kind: str, i: int) -> dict[str, float]:
    lean = 0.6 + 0.03 * (i % 5)  # varied, so the features have a spread to standardise
    other = PREDICTION if kind == STORY else STORY
    return {kind: lean, other: 0.1, "none": round(0.9 - lean, 3)}


def seed_reviewed_clips(
    settings: Settings,
    *,
    account_id: str,
    show: str,
    job_id: str,
    prefix: str,
    verdicts: list[bool],
    environment: str = "live",
) -> list[str]:
    """A clip row per verdict (a story when approved, else a prediction), created now, and
    an approve or reject event on each; return the clip ids."""
    now = datetime.now(UTC)
    ids = [f"clip_{prefix}{i:04d}" for i in range(len(verdicts))]
    with lake.connect(settings) as conn:
        for i, (clip_id, approved) in enumerate(zip(ids, verdicts, strict=True)):
            kind = STORY if approved else PREDICTION
            probs = sorted(_probabilities(kind, i).items())
            start = 30.0 * i
            conn.execute(
                "INSERT INTO clips (clip_id, job_id, source_sha256, rank, moment_type, category, "
                "shareability_score, reason, hook, pull_quote, start_seconds, end_seconds, "
                "duration_seconds, transcript_text, type_probabilities, scoring_model_version, "
                "transcription_model_id, created_at, show_name) VALUES (?, ?, 'ab', ?, ?, ?, ?, "
                "'', '', '', ?, ?, ?, '', MAP(?::VARCHAR[], ?::DOUBLE[]), 'v', 'm', ?, ?)",
                [
                    clip_id,
                    job_id,
                    i + 1,
                    kind,
                    "Story/Emotional" if approved else "Bold/Contrarian",
                    50.0 + (i % 7) * 5,
                    start,
                    start + 20.0 + (i % 4) * 5,
                    20.0 + (i % 4) * 5,
                    [k for k, _ in probs],
                    [v for _, v in probs],
                    now,
                    show,
                ],
            )
    reviews.record(
        settings,
        [
            reviews.ReviewEvent(
                clip_id=clip_id,
                job_id=job_id,
                account_id=account_id,
                environment=environment,
                api_key_id=None,
                action="approve" if approved else "reject",
                moment_type=STORY if approved else PREDICTION,
                shareability_score=50.0,
                show_name=show,
            )
            for clip_id, approved in zip(ids, verdicts, strict=True)
        ],
    )
    return ids
