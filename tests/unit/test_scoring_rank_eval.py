"""rank_eval's judgement of selected clips against labelled passages: pure, no model."""

from __future__ import annotations

from podclip.scoring.rank_eval import Passage, format_report, judge_clips, total
from tests.support.scored import scored_moment as clip

PASSAGES = [
    Passage(0, 120, "emotional_story"),
    Passage(120, 150, "none", "ad"),
    Passage(150, 200, "how_to"),
    Passage(200, 260, "none"),
]


def test_clips_on_one_labelled_moment_count_as_one_moment_covered() -> None:
    # Two back-to-back cuts of the story, one on the how-to, one on the plain none.
    clips = [clip(10, 50, 90), clip(50, 90, 89), clip(155, 195, 80), clip(205, 245, 60)]
    judged = judge_clips(clips, PASSAGES)
    assert judged["moment_share"] == 0.75 and judged["none_share"] == 0.25
    assert judged["moments_covered"] == 2 and judged["clip_pairs_on_one_moment"] == 1
    assert judged["ad_overlap_max_s"] == 0.0
    pooled = total([{**judged, "file": "a"}, {**judge_clips(clips[2:3], PASSAGES), "file": "b"}])
    assert pooled["moments_covered"] == 3 and pooled["clip_pairs_on_one_moment"] == 1


def test_a_clip_over_an_ad_read_is_measured_in_seconds() -> None:
    # 10 s of the story is under half of the clip: no moment covered, 25 s of the ad read.
    judged = judge_clips([clip(110, 145, 70)], PASSAGES)
    assert judged["ad_overlap_max_s"] == 25.0 and judged["moments_covered"] == 0


def test_covered_moments_are_rated_by_their_best_part() -> None:
    rated = [
        Passage(0, 120, "emotional_story", strength=4.5),
        Passage(120, 150, "none", "ad"),
        Passage(150, 200, "how_to", strength=2.0),
        Passage(200, 260, "quotable_one_liner"),  # not rated
    ]
    # The first clip covers both the story and the how-to: it counts as the story (4.5).
    clips = [clip(60, 200, 90), clip(155, 195, 80), clip(205, 245, 70), clip(125, 148, 60)]
    judged = judge_clips(clips, rated)
    assert [r["rated_strength"] for r in judged["detail"]] == [4.5, 2.0, None, None]
    assert judged["covered_strength"] == 3.25 and judged["rated_clips"] == 2
    assert judged["labelled_strength"] == 3.25 and judged["rated_moments"] == 2
    unrated = judge_clips(clips[2:], rated)
    assert unrated["covered_strength"] is None and unrated["rated_clips"] == 0
    pooled = total([judged, judge_clips(clips[1:2], rated), unrated])
    assert pooled["covered_strength"] == 2.83 and pooled["rated_clips"] == 3
    assert pooled["labelled_strength"] == 3.25 and pooled["rated_moments"] == 6


def test_the_text_report_shows_the_ratings_in_their_own_column() -> None:
    rated = [Passage(0, 120, "emotional_story", strength=4.5), Passage(150, 200, "how_to")]
    episode = {
        **judge_clips([clip(10, 50, 91.5)], rated),
        "file": "rev16-train/1.turns.txt",
        "duration_s": 600.0,
    }
    unrated = {**judge_clips([clip(155, 195, 80)], rated), "file": "b", "duration_s": 60.0}
    report = {
        "timing": "times",
        "model_version": "m",
        "episodes": [episode, unrated],
        "total": total([episode, unrated]),
    }
    lines = format_report(report).splitlines()
    assert lines[5].split()[-2:] == ["0.0", "4.5/4.5"]  # std of one score, then the ratings
    assert lines[6].split()[-1] == "-"
    assert "covered moments rated 4.5/4.5 as clips" in format_report(report)
