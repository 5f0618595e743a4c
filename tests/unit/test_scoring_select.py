"""Selection keeps ads and housekeeping out of the clips: pure, no model."""

from __future__ import annotations

from podclip.scoring.housekeeping import Span
from podclip.scoring.options import ScoringOptions
from podclip.scoring.select import HOUSEKEEPING_TOLERANCE_S, select_moments
from podclip.scoring.types import ScoredMoment

AD = (
    "This episode is brought to you by Acme. Go to acme dot com slash show and use code "
    "SHOW for twenty percent off your first order."
)
STORY = "I was nineteen when my father lost the farm, and I still remember the auction."


def moment(start: float, end: float, score: float, text: str = STORY) -> ScoredMoment:
    return ScoredMoment(
        start=start,
        end=end,
        text=text,
        moment_type="emotional_story",
        category="story",
        shareability_score=score,
        reason="",
        hook="",
        pull_quote="",
    )


def test_top_scored_ad_read_is_never_picked() -> None:
    scored = [moment(0, 40, 99.0, AD), moment(50, 90, 60.0), moment(100, 140, 55.0)]
    picked = select_moments(scored, ScoringOptions(min_clips=1), count=3)
    assert [m.start for m in picked] == [50, 100]


def test_windows_running_into_a_housekeeping_stretch_are_skipped() -> None:
    avoid = [Span(100.0, 160.0, "ad", 0.9)]
    scored = [
        moment(60, 110, 95.0),  # 10 s inside the stretch
        moment(40, 100 + HOUSEKEEPING_TOLERANCE_S, 80.0),  # touches it within the tolerance
        moment(170, 210, 70.0),
    ]
    picked = select_moments(scored, ScoringOptions(min_clips=1), count=3, avoid=avoid)
    assert [m.start for m in picked] == [40, 170]


def test_an_episode_of_plugs_yields_no_clips() -> None:
    scored = [moment(i * 50, i * 50 + 40, 90.0 - i, AD) for i in range(6)]
    assert select_moments(scored, ScoringOptions(min_clips=4), count=6) == []


def test_short_episode_still_fills_its_clips_around_a_plug() -> None:
    """The exact fallback also leaves housekeeping out."""
    scored = [moment(0, 30, 50.0, AD), moment(30, 60, 40.0), moment(60, 90, 30.0)]
    scored += [moment(10, 70, 99.0)]  # greedy takes it and blocks the rest
    picked = select_moments(scored, ScoringOptions(min_clips=2), count=2)
    assert sorted(m.start for m in picked) == [30, 60]
