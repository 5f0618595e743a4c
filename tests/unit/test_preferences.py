"""The per-show learned ranking (scoring.preferences) on synthetic moments: no model, no I/O."""

from __future__ import annotations

import random

from podclip.scoring.labels import LABELS
from podclip.scoring.preferences import (
    FEATURES,
    Review,
    ShowAdjustment,
    approval_probability,
    fit,
    rerank,
)
from podclip.scoring.types import ScoredMoment

EPISODE_S = 3600.0


def _moment(kind: str, start: float, score: float, length: float = 30.0) -> ScoredMoment:
    """A moment that is clearly `kind` (probability 0.7, the rest spread evenly)."""
    rest = 0.3 / (len(LABELS) - 1)
    probs = {label: (0.7 if label == kind else rest) for label in LABELS}
    return ScoredMoment(
        start, start + length, "text", kind, "cat", score, "reason", "hook", "quote", probs
    )


def _pool(seed: int, n: int = 18) -> list[ScoredMoment]:
    """Non-overlapping moments of mixed types with scores 40-80."""
    rng = random.Random(seed)
    kinds = ["emotional_story", "bold_prediction", "how_to", "strong_opinion"]
    return [
        _moment(kinds[i % len(kinds)], 100.0 * i, round(rng.uniform(40, 80), 2)) for i in range(n)
    ]


def _reviews_liking(kind: str, episodes: int = 4) -> list[Review]:
    """Verdicts of a producer who approves exactly the moments of `kind`."""
    out = []
    for ep in range(episodes):
        for m in sorted(_pool(ep), key=lambda m: -m.shareability_score)[:8]:
            out.append(Review(m, m.moment_type == kind, EPISODE_S))
    return out


def test_a_liked_type_moves_up() -> None:
    adjustment = fit(_reviews_liking("emotional_story"), "show", min_reviews=20)
    assert adjustment.active
    pool = _pool(99)
    before = rerank(pool, None, 6).moments
    after = rerank(pool, adjustment, 6).moments
    liked = sum(m.moment_type == "emotional_story" for m in after)
    assert liked > sum(m.moment_type == "emotional_story" for m in before)
    assert liked >= 4  # the pool holds 5 stories; the learned ranking finds most of them
    probs = approval_probability(pool, adjustment, EPISODE_S)
    story = [p for m, p in zip(pool, probs, strict=True) if m.moment_type == "emotional_story"]
    other = [p for m, p in zip(pool, probs, strict=True) if m.moment_type != "emotional_story"]
    assert min(story) > max(other)


def test_the_score_shown_is_the_score_that_ranked() -> None:
    adjustment = fit(_reviews_liking("how_to"), "show", min_reviews=20)
    moments = rerank(_pool(7), adjustment, 6).moments
    scores = [m.shareability_score for m in moments]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)


def test_below_min_reviews_nothing_changes() -> None:
    reviews = _reviews_liking("emotional_story", episodes=4)[:19]
    adjustment = fit(reviews, "show", min_reviews=20)
    assert not adjustment.active
    pool = _pool(5)
    result = rerank(pool, adjustment, 6)
    assert result.moments == sorted(pool, key=lambda m: (-m.shareability_score, m.start))[:6]
    assert not result.explanation.active
    assert result.explanation.moved == ()


def test_no_reviews_fit_is_inactive_and_neutral() -> None:
    adjustment = fit([], "show")
    assert not adjustment.active and adjustment.reviews == 0
    pool = _pool(3)
    assert rerank(pool, adjustment, 4).moments == rerank(pool, None, 4).moments


def test_json_round_trips() -> None:
    adjustment = fit(_reviews_liking("how_to"), "My Show", min_reviews=10, l2=2.0, strength=7.5)
    again = ShowAdjustment.from_json(adjustment.to_json())
    assert again == adjustment
    assert again.features == FEATURES
    pool = _pool(11)
    assert rerank(pool, again, 6).moments == rerank(pool, adjustment, 6).moments


def test_explanation_lists_the_moved_features() -> None:
    reviews = _reviews_liking("emotional_story")
    adjustment = fit(reviews, "show", min_reviews=20)
    explanation = rerank(_pool(21), adjustment, 6).explanation
    assert explanation.active and explanation.reviews == 32
    names = [name for name, _ in explanation.moved]
    assert names[0] == "p_emotional_story"
    assert dict(explanation.moved)["p_emotional_story"] > 0
    # Before learning: the share of reviewed (generically ranked) clips that were stories.
    assert explanation.approval_before == round(sum(r.approved for r in reviews) / 32, 3)
    assert explanation.expected_after > explanation.expected_before
    assert explanation.changed > 0


def test_a_length_preference_is_learned_too() -> None:
    rng = random.Random(4)
    reviews = []
    for i in range(40):
        length = rng.uniform(18, 80)
        m = _moment("how_to", 100.0 * i, round(rng.uniform(40, 80), 2), length)
        reviews.append(Review(m, length < 40, EPISODE_S))
    adjustment = fit(reviews, "show")
    assert adjustment.moved()[0][0] == "length_s"
    assert dict(adjustment.moved())["length_s"] < 0
    pool = [_moment("how_to", 100.0 * i, 70.0 - i, 25.0 if i % 2 else 75.0) for i in range(12)]
    top = rerank(pool, adjustment, 4).moments
    assert all(m.duration < 40 for m in top)
