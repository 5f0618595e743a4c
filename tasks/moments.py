"""Stage 4: find and rank the moments worth clipping (the classifier lives in ``scoring/``)."""

from __future__ import annotations

import hashlib

from podclip.scoring.options import ScoringOptions
from podclip.scoring.types import ScoredMoment
from podclip.tasks.keys import key_from
from prefect import task

from podclip.core.records import ClipPlan, Transcript
from podclip.core.settings import ScoringSettings

MOMENTS_VERSION = "1"


def scoring_options(settings: ScoringSettings) -> ScoringOptions:
    """Translate podclip's settings into the scoring package's options."""
    return ScoringOptions(
        min_window_s=settings.min_window_seconds,
        max_window_s=settings.max_window_seconds,
        target_min_s=settings.target_min_seconds,
        target_max_s=settings.target_max_seconds,
        clip_count=settings.clip_count,
        min_clips=settings.min_clips,
        max_clips=settings.max_clips,
    )


@task(
    name="score_moments",
    cache_key_fn=key_from(
        "score_moments", MOMENTS_VERSION, "transcript", "model_version", "options", "count"
    ),
    retries=1,
)
def score_moments(
    transcript: Transcript, model_version: str, options: ScoringOptions, count: int | None = None
) -> tuple[ScoredMoment, ...]:
    """Score every candidate window and keep the best non-overlapping ones, best first."""
    from podclip.scoring import score_episode

    return tuple(score_episode(transcript.segments, options, count=count))


def plan_clips(
    job_id: str, moments: tuple[ScoredMoment, ...], transcript: Transcript
) -> list[ClipPlan]:
    """Give each moment its rank and a stable id, with the words it spans."""
    plans = []
    ordered = sorted(moments, key=lambda m: (-m.shareability_score, m.start))
    for rank, moment in enumerate(ordered, start=1):
        digest = hashlib.sha256(f"{job_id}:{moment.start:.3f}:{moment.end:.3f}".encode())
        words = tuple(
            w
            for w in transcript.words
            if w.start >= moment.start - 1e-3 and w.end <= moment.end + 1e-3
        )
        plans.append(
            ClipPlan(
                clip_id=f"clip_{digest.hexdigest()[:16]}", rank=rank, moment=moment, words=words
            )
        )
    return plans
