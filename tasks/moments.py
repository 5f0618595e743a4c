"""Stage 4: find and rank the moments worth clipping (the classifier lives in ``scoring/``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prefect import task

from podclip.core.identity import ContentIdentity
from podclip.core.records import ClipPlan, Transcript
from podclip.core.settings import ScoringSettings
from podclip.scoring.options import ScoringOptions
from podclip.scoring.preferences import ShowAdjustment
from podclip.scoring.types import ScoredMoment
from podclip.tasks.keys import package_identity, stage_policy
from podclip.tasks.retry import retry_unless_permanent


@dataclass(frozen=True)
class MomentOptions(ContentIdentity):
    """Everything that changes which moments are found, besides the transcript."""

    scoring: ScoringOptions
    """Window lengths and how many clips to keep."""
    count: int | None
    """The job's clip count; None: ``scoring.clip_count``."""
    model_version: str
    """The moment classifier's version (embedder and trained head, from its weights)."""
    scoring_code: str
    """sha256 of the ``scoring`` package's code and weights."""
    device: str
    """Where MiniLM runs: ``cuda`` when torch sees a GPU, else ``cpu``."""
    show_adjustment: ShowAdjustment | None = None
    """The show's learned ranking (set only when active); None: the generic ranking."""
    pool_factor: int = 3
    """Candidates scored per clip when ``show_adjustment`` re-ranks them."""


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
        min_gap_s=settings.min_gap_seconds,
    )


def moment_options(settings: ScoringSettings, job_options: Mapping[str, Any]) -> MomentOptions:
    """The job's moments record: settings, the job's clip count, the model and its device."""
    from podclip.scoring import MODEL_VERSION
    from podclip.scoring.embedder import embed_device

    count = job_options.get("clip_count")
    return MomentOptions(
        scoring=scoring_options(settings),
        count=int(count) if count else None,
        model_version=MODEL_VERSION,
        scoring_code=package_identity("podclip.scoring"),
        device=embed_device(),
    )


@task(
    name="score_moments",
    cache_policy=stage_policy(),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def score_moments(transcript: Transcript, options: MomentOptions) -> tuple[ScoredMoment, ...]:
    """Score every candidate window and keep the best non-overlapping ones, best first."""
    from podclip.scoring import score_episode
    from podclip.scoring.preferences import rank_for_show

    if options.show_adjustment is not None:
        return tuple(
            rank_for_show(
                transcript.segments,
                options.show_adjustment,
                options.scoring,
                options.count,
                options.pool_factor,
            ).moments
        )
    return tuple(score_episode(transcript.segments, options.scoring, count=options.count))


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
