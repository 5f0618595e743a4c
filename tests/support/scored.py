"""Scored windows for selection and evaluation tests: a span, a score, no model."""

from __future__ import annotations

from podclip.scoring.labels import CATEGORY_BY_TYPE
from podclip.scoring.types import ScoredMoment


def scored_moment(
    start: float, end: float, score: float, text: str = "", moment_type: str = "emotional_story"
) -> ScoredMoment:
    """A window from `start` to `end` (seconds) scored `score`, with empty clip text."""
    return ScoredMoment(
        start=start,
        end=end,
        text=text,
        moment_type=moment_type,
        category=CATEGORY_BY_TYPE[moment_type],
        shareability_score=score,
        reason="",
        hook="",
        pull_quote="",
    )
