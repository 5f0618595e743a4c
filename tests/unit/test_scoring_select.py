"""Selection keeps ads and housekeeping out of the clips: pure, no model."""

from __future__ import annotations

import pytest

from podclip.scoring.housekeeping import Span
from podclip.scoring.options import ScoringOptions
from podclip.scoring.select import HOUSEKEEPING_TOLERANCE_S, NEAR_CLIP_PENALTY, select_moments
from podclip.scoring.types import ScoredMoment
from tests.support.scored import scored_moment

AD = (
    "This episode is brought to you by Acme. Go to acme dot com slash show and use code "
    "SHOW for twenty percent off your first order."
)
STORY = "I was nineteen when my father lost the farm, and I still remember the auction."


def moment(start: float, end: float, score: float, text: str = STORY) -> ScoredMoment:
    return scored_moment(start, end, score, text)


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


def test_clips_are_kept_apart_while_the_episode_has_room() -> None:
    # One long answer cut back to back scores best; a moment elsewhere scores a little less.
    scored = [moment(100, 140, 92.0), moment(140, 180, 91.0), moment(300, 340, 88.0)]
    picked = select_moments(scored, ScoringOptions(min_clips=1), count=2)
    assert [m.start for m in picked] == [100, 300]
    # Closer than the gap counts too; at a gap of 0 touching clips may both be picked.
    near = [moment(100, 140, 92.0), moment(150, 190, 91.0), moment(300, 340, 88.0)]
    assert [m.start for m in select_moments(near, ScoringOptions(min_clips=1), count=2)] == [
        100,
        300,
    ]
    assert [
        m.start for m in select_moments(scored, ScoringOptions(min_clips=1, min_gap_s=0), count=2)
    ] == [100, 140]


def test_a_much_weaker_moment_elsewhere_loses_to_the_next_cut() -> None:
    # The gap breaks near-ties only: a window more than NEAR_CLIP_PENALTY points below the
    # neighbouring cut is not picked instead of it.
    scored = [
        moment(100, 140, 92.0),
        moment(140, 180, 91.0),
        moment(300, 340, 91.0 - NEAR_CLIP_PENALTY - 1),
    ]
    picked = select_moments(scored, ScoringOptions(min_clips=1), count=2)
    assert [m.start for m in picked] == [100, 140]
    scored[2] = moment(300, 340, 91.0 - NEAR_CLIP_PENALTY + 1)
    assert [m.start for m in select_moments(scored, ScoringOptions(min_clips=1), count=2)] == [
        100,
        300,
    ]


def test_clips_go_back_to_back_when_the_episode_has_no_other_room() -> None:
    scored = [moment(0, 40, 92.0), moment(40, 80, 91.0), moment(80, 120, 90.0)]
    picked = select_moments(scored, ScoringOptions(min_clips=3), count=3)
    assert [m.start for m in picked] == [0, 40, 80]


def test_the_gap_is_a_podclip_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from podclip.core.settings import Settings
    from podclip.tasks.moments import scoring_options

    assert scoring_options(Settings().scoring).min_gap_s == ScoringOptions().min_gap_s
    monkeypatch.setenv("PODCLIP_SCORING__MIN_GAP_SECONDS", "0")
    assert scoring_options(Settings().scoring).min_gap_s == 0.0
