"""Trailer planning (which spans, how long), timeline helpers and the submit-time trailer check."""

from __future__ import annotations

from fractions import Fraction

import pytest

from podclip.api.errors import ApiError
from podclip.api.submit import parse_json
from podclip.api.timelines import rate_of, safe_name, timecode
from podclip.core.records import ClipPlan
from podclip.core.settings import Settings, TrailerSettings
from podclip.scoring.types import ScoredMoment, Word
from podclip.tasks.trailer import TrailerCut, fit_text, plan_trailer, trailer_length

OPTS = TrailerSettings()


def _plan(rank: int, start: float, seconds: float, score: float) -> ClipPlan:
    # A word every 0.5 s; every eighth ends a sentence.
    words = tuple(
        Word(start + i * 0.5, start + i * 0.5 + 0.4, "word." if i % 8 == 7 else "word")
        for i in range(int(seconds * 2))
    )
    moment = ScoredMoment(start, start + seconds, "t", "how_to", "C", score, "r", "h", "q")
    return ClipPlan(f"clip_{rank}", rank, moment, words)


def _check(cuts: tuple[TrailerCut, ...], plans: list[ClipPlan]) -> None:
    assert [c.start for c in cuts] == sorted(c.start for c in cuts)  # episode order
    for cut in cuts:
        moment = next(p.moment for p in plans if p.moment.start == cut.start)
        assert moment.start <= cut.start < cut.end <= moment.end


def test_six_long_moments_give_a_trailer_near_the_target() -> None:
    plans = [_plan(i + 1, 100.0 * i, 40.0, 90 - i) for i in range(6)]
    cuts = plan_trailer(plans, OPTS)
    _check(cuts, plans)
    assert OPTS.min_segments <= len(cuts) <= OPTS.max_segments
    assert 55.0 <= trailer_length(cuts, OPTS) <= 65.0
    # The best moments are the ones used.
    assert {c.start for c in cuts} == {p.moment.start for p in plans[: len(cuts)]}
    # Cuts end just after a sentence end where one is near.
    for cut in cuts:
        plan = next(p for p in plans if p.moment.start == cut.start)
        ends = [w.end for w in plan.words if w.text.endswith(".")]
        assert any(abs(cut.end - (e + 0.15)) < 1e-6 for e in ends)


def test_short_moments_add_cuts_until_the_minimum() -> None:
    plans = [_plan(i + 1, 50.0 * i, 9.0, 90 - i) for i in range(8)]
    cuts = plan_trailer(plans, OPTS)
    _check(cuts, plans)
    assert len(cuts) == OPTS.max_segments
    assert OPTS.min_seconds <= trailer_length(cuts, OPTS) <= OPTS.max_seconds


def test_too_little_material_gives_a_shorter_trailer_not_an_error() -> None:
    plans = [_plan(1, 0.0, 12.0, 80), _plan(2, 30.0, 12.0, 70)]
    cuts = plan_trailer(plans, OPTS)
    _check(cuts, plans)
    assert len(cuts) == 2 and trailer_length(cuts, OPTS) < OPTS.min_seconds
    assert plan_trailer([], OPTS) == ()


def test_long_cuts_are_trimmed_to_the_maximum() -> None:
    opts = TrailerSettings(target_seconds=120.0)
    plans = [_plan(i + 1, 200.0 * i, 90.0, 90 - i) for i in range(3)]
    assert trailer_length(plan_trailer(plans, opts), opts) <= opts.max_seconds + 1e-6


def test_title_text_is_one_printable_line() -> None:
    assert fit_text("a\nb\x00c\td", 20) == "a b c d"
    assert fit_text("x" * 100, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("01-..\\evil/\u202e<script>\nx", "01-._evil_script_x"),
        ("Café Olé: ep 1", "Cafe Ole_ ep 1"),
        ("\x00\x01", "untitled"),
        ("..", "untitled"),
    ],
)
def test_safe_name_leaves_no_path_or_control_characters(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


def test_timecodes_and_rates() -> None:
    assert rate_of(29.97) == Fraction(30000, 1001) and rate_of(25.0) == 25 and rate_of(0) == 25
    assert timecode(25 * 3661 + 7, Fraction(25)) == "01:01:01:07"
    assert timecode(30 * 60, Fraction(30000, 1001)) == "00:01:00:00"


@pytest.mark.parametrize(
    "source",
    [
        {"type": "video_url", "url": "https://e.com/ep.mp3"},
        {"type": "audio_url", "url": "https://e.com/ep.mp4"},
        {"type": "rss_feed_url", "url": "https://e.com/feed.xml"},
    ],
)
def test_trailer_is_refused_at_submit_for_audio(source: dict[str, str]) -> None:
    body = {"source": source, "options": {"include_trailer": True}}
    with pytest.raises(ApiError) as caught:
        parse_json(body, Settings(), live=False)
    assert caught.value.code == "trailer_not_supported_for_source"
    assert caught.value.status == 400


def test_trailer_is_accepted_for_video_and_extensionless_urls() -> None:
    for url in ("https://e.com/ep.mp4", "https://e.com/watch"):
        body = {"source": {"type": "video_url", "url": url}, "options": {"include_trailer": True}}
        assert parse_json(body, Settings(), live=False).options == {"include_trailer": True}
