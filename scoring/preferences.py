"""Per-show ranking that learns from a producer's approvals and rejections.

A show's producer approves some clips and rejects others; their taste (stories over
predictions, short over long) is not what the generic shareability score knows. `fit` learns
it as a small L2-regularised logistic model over what every `ScoredMoment` carries (the type
probabilities, the shareability score, the length in seconds and where in the episode the clip
sits), and `rerank` moves a larger candidate pool's moments up or down by the model's verdict
before the show's clips are cut. Below `min_reviews` reviewed clips the adjustment is inactive
and the ranking is the generic one: a handful of verdicts is more noise than taste.

The adjustment is a plain frozen record that round-trips through JSON, so the pipeline can
store it per show and use it as part of a stage's cache identity. Pure numpy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .labels import LABELS
from .options import ScoringOptions
from .types import ScoredMoment, Segment

FORMAT_VERSION = 1
MIN_REVIEWS = 20  # reviewed clips before a show's adjustment is used (podclip's default)
L2 = 1.0  # ridge penalty on the standardised weights (not on the intercept)
# Logits of shareability score per logit of the show model (scores move on the log-odds scale).
STRENGTH = 1.0
_EDGE = 0.005  # scores of 0 or 100 count as 0.5 or 99.5 on the log-odds scale
POOL_FACTOR = 3  # candidates scored per final clip, so re-ranking has something to choose from
MOVED_FEATURES = 5  # features an explanation lists
_NEWTON_STEPS = 25
_MIN_SCALE = 1e-6  # a feature that never varied in the reviews gets no weight

FEATURES: tuple[str, ...] = (
    *(f"p_{label}" for label in LABELS),
    "score",
    "length_s",
    "position",
)
"""Feature names, in vector order: type probabilities, score (0-1), length (s), position (0-1)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Review:
    """One producer verdict on one clip; `episode_s` places the clip within its episode."""

    moment: ScoredMoment
    approved: bool
    episode_s: float


@dataclass(frozen=True)
class ShowAdjustment:
    """A fitted per-show model; `active` only when it saw at least `min_reviews` verdicts."""

    show: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    reviews: int
    approved: int
    min_reviews: int = MIN_REVIEWS
    strength: float = STRENGTH
    l2: float = L2

    @property
    def active(self) -> bool:
        return self.reviews >= self.min_reviews

    @property
    def approval_rate(self) -> float:
        """Share of the reviewed clips the producer approved (0-1)."""
        return self.approved / self.reviews if self.reviews else 0.0

    def moved(self, top: int = MOVED_FEATURES) -> tuple[tuple[str, float], ...]:
        """The features with the largest weights (per standard deviation), largest first."""
        pairs = sorted(zip(self.features, self.weights, strict=True), key=lambda p: -abs(p[1]))
        return tuple((name, round(w, 3)) for name, w in pairs[:top] if abs(w) > 1e-3)

    def to_json(self) -> str:
        """The adjustment as a JSON object (what the store keeps per show)."""
        body: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "show": self.show,
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "reviews": self.reviews,
            "approved": self.approved,
            "min_reviews": self.min_reviews,
            "strength": self.strength,
            "l2": self.l2,
        }
        return json.dumps(body, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ShowAdjustment:
        """Read `to_json`'s output; refuses another format or a feature list of another size."""
        body = json.loads(text)
        if body.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown show adjustment format {body.get('format')!r}")
        features = tuple(str(f) for f in body["features"])
        vectors = [tuple(float(v) for v in body[k]) for k in ("mean", "scale", "weights")]
        if any(len(v) != len(features) for v in vectors):
            raise ValueError("show adjustment vectors do not match its feature list")
        return cls(
            show=str(body["show"]),
            features=features,
            mean=vectors[0],
            scale=vectors[1],
            weights=vectors[2],
            intercept=float(body["intercept"]),
            reviews=int(body["reviews"]),
            approved=int(body["approved"]),
            min_reviews=int(body["min_reviews"]),
            strength=float(body["strength"]),
            l2=float(body["l2"]),
        )


@dataclass(frozen=True)
class Explanation:
    """How a show's ranking changed: the weights that moved and approval before and after.

    `approval_before` is the share the producer approved among the clips fitted on (ranked
    without learning); `expected_before`/`expected_after` are the model's predicted approval
    of the top clips without and with re-ranking (0-1).
    """

    active: bool
    reviews: int
    moved: tuple[tuple[str, float], ...]
    approval_before: float
    expected_before: float
    expected_after: float
    changed: int
    """How many of the final clips re-ranking swapped in from the candidate pool."""


class Reranked(NamedTuple):
    """`rerank`'s result: the show's clips, best first, and why they changed."""

    moments: list[ScoredMoment]
    explanation: Explanation


def feature_vector(
    type_probabilities: Mapping[str, float],
    score: float,
    start: float,
    end: float,
    episode_s: float,
) -> FloatArray:
    """A clip's raw features in `FEATURES` order (score on 0-100, times in seconds)."""
    probs = [float(type_probabilities.get(label, 0.0)) for label in LABELS]
    middle = (start + end) / 2
    position = min(1.0, max(0.0, middle / episode_s)) if episode_s > 0 else 0.5
    return np.asarray([*probs, score / 100.0, end - start, position], dtype=np.float64)


def moment_features(moment: ScoredMoment, episode_s: float) -> FloatArray:
    """`feature_vector` of a scored moment."""
    return feature_vector(
        moment.type_probabilities,
        moment.shareability_score,
        moment.start,
        moment.end,
        episode_s,
    )


def fit(
    reviews: Sequence[Review],
    show: str = "",
    *,
    min_reviews: int = MIN_REVIEWS,
    l2: float = L2,
    strength: float = STRENGTH,
) -> ShowAdjustment:
    """Fit the show's model on its verdicts (inactive below `min_reviews`)."""
    n = len(reviews)
    approved = sum(r.approved for r in reviews)
    if n == 0:
        zeros = (0.0,) * len(FEATURES)
        return ShowAdjustment(
            show, FEATURES, zeros, (1.0,) * len(FEATURES), zeros, 0.0, 0, 0,
            min_reviews, strength, l2,
        )  # fmt: skip
    x = np.stack([moment_features(r.moment, r.episode_s) for r in reviews])
    y = np.asarray([float(r.approved) for r in reviews])
    mean = x.mean(axis=0)
    spread = x.std(axis=0)
    constant = spread < _MIN_SCALE
    scale = np.where(constant, 1.0, spread)
    z = (x - mean) / scale
    z[:, constant] = 0.0  # no evidence either way: its weight stays at 0
    weights, intercept = _logistic(z, y, l2)
    return ShowAdjustment(
        show=show,
        features=FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in weights),
        intercept=float(intercept),
        reviews=n,
        approved=int(approved),
        min_reviews=min_reviews,
        strength=strength,
        l2=l2,
    )


def _logistic(z: FloatArray, y: FloatArray, l2: float) -> tuple[FloatArray, float]:
    """L2-regularised logistic regression by Newton's method (intercept not penalised)."""
    n, d = z.shape
    design = np.hstack([z, np.ones((n, 1))])
    penalty = np.full(d + 1, l2)
    penalty[-1] = 1e-6  # keeps the Hessian invertible when every verdict agrees
    theta = np.zeros(d + 1)
    for _ in range(_NEWTON_STEPS):
        p = _sigmoid(design @ theta)
        grad = design.T @ (p - y) + penalty * theta
        hess = (design.T * (p * (1 - p))) @ design + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return theta[:d], float(theta[d])


def _sigmoid(v: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(v, -30.0, 30.0))), dtype=np.float64)


def logits(
    moments: Sequence[ScoredMoment], adjustment: ShowAdjustment, episode_s: float
) -> FloatArray:
    """The show model's log-odds of approval for each moment."""
    if not moments:
        return np.zeros(0)
    x = np.stack([moment_features(m, episode_s) for m in moments])
    z = (x - np.asarray(adjustment.mean)) / np.asarray(adjustment.scale)
    return np.asarray(z @ np.asarray(adjustment.weights) + adjustment.intercept)


def approval_probability(
    moments: Sequence[ScoredMoment], adjustment: ShowAdjustment, episode_s: float
) -> FloatArray:
    """The show model's probability that the producer approves each moment (0-1)."""
    return _sigmoid(logits(moments, adjustment, episode_s))


def rerank(
    moments: Sequence[ScoredMoment],
    adjustment: ShowAdjustment | None,
    count: int | None = None,
    episode_s: float | None = None,
) -> Reranked:
    """The best `count` moments of a candidate pool for this show, best first, and why.

    Each moment's score moves on the log-odds scale: `strength` logits of score per logit of
    the show model away from its average reviewed clip. That keeps scores within 0-100 and
    still separates moments the generic score saturated at 100, and the studio shows the
    score that ranked the clip. Without an active adjustment the pool's own order is kept.
    `episode_s` defaults to the latest moment end (positions are relative to it).
    """
    n = len(moments) if count is None else min(count, len(moments))
    base = sorted(moments, key=lambda m: (-m.shareability_score, m.start))
    if adjustment is None or not adjustment.active or not moments:
        reviews = adjustment.reviews if adjustment else 0
        rate = adjustment.approval_rate if adjustment else 0.0
        none = Explanation(False, reviews, (), rate, rate, rate, 0)
        return Reranked(base[:n], none)
    length = episode_s if episode_s else max(m.end for m in moments)
    # Centred on the intercept: an average clip keeps its score; only taste moves it.
    shift = adjustment.strength * (logits(base, adjustment, length) - adjustment.intercept)
    score = np.clip(np.asarray([m.shareability_score for m in base]) / 100.0, _EDGE, 1 - _EDGE)
    moved = 100.0 * _sigmoid(np.log(score / (1 - score)) + shift)
    adjusted = [
        replace(m, shareability_score=round(float(v), 2))
        for m, v in zip(base, moved.tolist(), strict=True)
    ]
    order = sorted(range(len(base)), key=lambda i: (-moved[i], base[i].start))
    chosen = order[:n]
    prob = approval_probability(base, adjustment, length)
    explanation = Explanation(
        active=True,
        reviews=adjustment.reviews,
        moved=adjustment.moved(),
        approval_before=round(adjustment.approval_rate, 3),
        expected_before=round(float(prob[:n].mean()), 3) if n else 0.0,
        expected_after=round(float(prob[chosen].mean()), 3) if n else 0.0,
        changed=sum(1 for i in chosen if i >= n),
    )
    return Reranked([adjusted[i] for i in chosen], explanation)


def candidate_pool(
    segments: Sequence[Segment],
    options: ScoringOptions = ScoringOptions(),
    count: int | None = None,
    factor: int = POOL_FACTOR,
) -> list[ScoredMoment]:
    """`factor` times `count` non-overlapping, non-housekeeping moments, best first.

    The same selection as `score_episode` (its first `count` are the episode's clips), only
    deeper, so a show's adjustment can bring up a moment the generic ranking left out. Window
    lengths still follow `options.clip_count`; only the cap on how many are picked grows.
    """
    from .scorer import score_episode  # the model loads only when an episode is scored

    target = min(options.clip_count if count is None else count, options.max_clips)
    pool = max(target, math.ceil(target * max(1, factor)))
    deeper = replace(options, max_clips=max(options.max_clips, pool))
    return score_episode(segments, deeper, count=pool)


def rank_for_show(
    segments: Sequence[Segment],
    adjustment: ShowAdjustment | None,
    options: ScoringOptions = ScoringOptions(),
    count: int | None = None,
    factor: int = POOL_FACTOR,
) -> Reranked:
    """`score_episode` for a show: its clips picked from a deeper pool by its adjustment."""
    if adjustment is None or not adjustment.active:
        factor = 1  # nothing will re-rank: score exactly what score_episode would
    target = min(options.clip_count if count is None else count, options.max_clips)
    pool = candidate_pool(segments, options, target, factor)
    episode_s = max((s.end for s in segments), default=0.0)
    return rerank(pool, adjustment, target, episode_s)
