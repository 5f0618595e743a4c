"""A show with enough reviews gets its clips re-ranked by the pipeline's moments stage.

Real pieces: a rev16-train transcript scored by the real classifier, clip rows and review
events in a real lake under the test's data root, the refit, and ``score_moments`` run by
Prefect (its cache key follows the show's adjustment).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect import flow

from podclip.core.records import Transcript
from podclip.core.settings import get_settings
from podclip.scoring.preferences import candidate_pool, rerank
from podclip.scoring.rank_eval import load_transcript, to_segments
from podclip.scoring.types import ScoredMoment
from podclip.store import lake, reviews
from podclip.store import preferences as store_preferences
from podclip.tasks.keys import stage_key
from podclip.tasks.moments import MomentOptions, moment_options, score_moments
from podclip.tasks.show_ranking import for_show

pytestmark = pytest.mark.slow

ACCOUNT = "acct_default"
SHOW = "Test Show"
WORDS = 3000  # about 19 minutes at the estimated 2.6 words/s


def _transcript(shared_data: Path) -> Transcript:
    episode = load_transcript(shared_data / "transcripts" / "rev16-train" / "20.turns.txt")
    segments: list = []
    words = 0
    for s in to_segments(episode):
        segments.append(s)
        words += len(s.words)
        if words >= WORDS:
            break
    return Transcript(tuple(segments), "en", segments[-1].end, "estimated")


def _store_reviewed_clips(pool: list[ScoredMoment], rejected: set[int]) -> None:
    """Clip rows for the pool, and a verdict on each: reject the ones in `rejected`."""
    settings = get_settings()
    now = datetime.now(UTC)
    with lake.connect(settings) as conn:
        for i, m in enumerate(pool):
            probs = sorted(m.type_probabilities.items())
            conn.execute(
                "INSERT INTO clips (clip_id, job_id, source_sha256, rank, moment_type, category, "
                "shareability_score, reason, hook, pull_quote, start_seconds, end_seconds, "
                "duration_seconds, transcript_text, type_probabilities, scoring_model_version, "
                "transcription_model_id, created_at, show_name) VALUES (?, 'job_1', 'ab', ?, ?, "
                "?, ?, '', '', '', ?, ?, ?, '', MAP(?::VARCHAR[], ?::DOUBLE[]), 'v', 'm', ?, ?)",
                [
                    f"clip_{i}",
                    i + 1,
                    m.moment_type,
                    m.category,
                    m.shareability_score,
                    m.start,
                    m.end,
                    m.duration,
                    [k for k, _ in probs],
                    [v for _, v in probs],
                    now,
                    SHOW,
                ],
            )
    reviews.record(
        settings,
        [
            reviews.ReviewEvent(
                clip_id=f"clip_{i}",
                job_id="job_1",
                account_id=ACCOUNT,
                environment="live",
                api_key_id=None,
                action="reject" if i in rejected else "approve",
                moment_type=m.moment_type,
                shareability_score=m.shareability_score,
                show_name=SHOW,
            )
            for i, m in enumerate(pool)
        ],
    )


def _fit(options: MomentOptions) -> MomentOptions:
    """The flow's step: the job's moments record with the show's adjustment, if active."""

    @flow(name="show-ranking-fit")
    def fit_flow() -> MomentOptions:
        return for_show(options, get_settings().learning, ACCOUNT, SHOW)

    fitted: object = fit_flow()
    assert isinstance(fitted, MomentOptions)
    return fitted


def _run(options: MomentOptions, transcript: Transcript) -> tuple[ScoredMoment, ...]:
    @flow(name="show-ranking-probe")
    def probe() -> tuple[ScoredMoment, ...]:
        return score_moments(transcript, options)

    return probe()


def test_a_reviewed_show_gets_its_clips_reranked(prefect_results: Path, shared_data: Path) -> None:
    settings = get_settings()
    transcript = _transcript(shared_data)
    generic = moment_options(settings.scoring, {})
    pool = candidate_pool(transcript.segments, generic.scoring, 8, 3)
    assert len(pool) >= settings.learning.min_reviews
    # A producer who rejected what the generic ranking put first and liked the rest.
    _store_reviewed_clips(pool, rejected=set(range(6)))

    options = _fit(generic)
    adjustment = options.show_adjustment
    assert adjustment is not None and adjustment.active
    assert adjustment.reviews == len(pool)
    assert store_preferences.latest(settings, ACCOUNT, SHOW) == adjustment
    # The show's adjustment is part of the stage's cache identity.
    assert stage_key(score_moments, transcript=transcript, options=options) != stage_key(
        score_moments, transcript=transcript, options=generic
    )

    plain = _run(generic, transcript)
    shown = _run(options, transcript)
    assert len(shown) == len(plain) == settings.scoring.clip_count
    assert {(m.start, m.end) for m in shown} != {(m.start, m.end) for m in plain}
    expected = rerank(
        candidate_pool(transcript.segments, generic.scoring, None, options.pool_factor),
        adjustment,
        settings.scoring.clip_count,
        transcript.segments[-1].end,
    ).moments
    assert list(shown) == expected
    rejected = {(m.start, m.end) for m in pool[:6]}
    assert sum((m.start, m.end) in rejected for m in shown) < 6


def test_a_show_below_min_reviews_keeps_the_generic_ranking(
    prefect_results: Path, shared_data: Path
) -> None:
    settings = get_settings()
    transcript = _transcript(shared_data)
    generic = moment_options(settings.scoring, {})
    pool = candidate_pool(transcript.segments, generic.scoring, 6, 1)
    _store_reviewed_clips(pool, rejected={0, 1})

    assert _fit(generic) == generic
    stored = store_preferences.latest(settings, ACCOUNT, SHOW)
    assert stored is not None and not stored.active and stored.reviews == len(pool)
