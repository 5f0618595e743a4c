"""Window building and clip selection: pure, no model."""

from __future__ import annotations

import itertools
import random

import pytest

from podclip.scoring import ScoringOptions, build_windows, score_episode, select_moments
from podclip.scoring.options import length_bounds
from podclip.scoring.select import best_k_disjoint, max_disjoint
from podclip.scoring.types import ScoredMoment, Segment, Window, Word
from podclip.scoring.windows import MAX_SENTENCE_S, build_sentences
from tests.support.scored import scored_moment

SENTENCES = [
    "So here is the thing about compounding.",
    "Most people quit right before it starts to work.",
    "And that is why the first year feels like nothing happened.",
    "I remember looking at the numbers and thinking we had failed.",
    "Yeah.",
    "But by year three the curve bent upward.",
    "What would you tell someone starting today?",
    "Start small, write it down, and check it every Sunday.",
    "It sounds boring but boring is the point.",
]


def make_segments(
    seconds: float, words_per_s: float = 2.7, seed: int = 1, speakers: bool = True
) -> list[Segment]:
    """Segments of 5-20 words cutting across sentences, with word timings."""
    rng = random.Random(seed)
    tokens: list[str] = []
    for sentence in itertools.cycle(SENTENCES):
        tokens.extend(sentence.split())
        if len(tokens) / words_per_s > seconds:
            break
    words: list[Word] = []
    t = 0.0
    for token in tokens:
        dur = 0.25 + 0.02 * len(token)
        words.append(Word(round(t, 3), round(t + dur, 3), " " + token))
        t += 1.0 / words_per_s
        if token.endswith((".", "?", "!")):
            t += 0.3
    segments: list[Segment] = []
    i = 0
    n = 0
    while i < len(words):
        size = rng.randint(5, 20)
        chunk = tuple(words[i : i + size])
        speaker = ("A" if n % 3 else "B") if speakers else None
        segments.append(
            Segment(chunk[0].start, chunk[-1].end, "".join(w.text for w in chunk), chunk, speaker)
        )
        i += size
        n += 1
    return segments


def all_words(segments: list[Segment]) -> list[Word]:
    return [w for s in segments for w in s.words]


@pytest.fixture(scope="module")
def hour() -> list[Segment]:
    return make_segments(3600, speakers=False)


def test_windows_start_and_end_on_word_boundaries(hour: list[Segment]) -> None:
    windows = build_windows(hour)
    starts = {w.start for w in all_words(hour)}
    ends = {w.end for w in all_words(hour)}
    assert windows
    for w in windows:
        assert w.start in starts
        assert w.end in ends
        assert w.words[0].start == w.start
        assert w.words[-1].end == w.end


def test_windows_are_whole_sentences(hour: list[Segment]) -> None:
    sentence_set = set(SENTENCES)
    for w in build_windows(hour)[:500]:
        assert all(s in sentence_set for s in w.sentences)
        assert w.text == " ".join(w.sentences)
        assert len(w.sentence_starts) == len(w.sentences)


def test_window_lengths_respect_bounds(hour: list[Segment]) -> None:
    options = ScoringOptions()
    windows = build_windows(hour, options)
    assert all(options.min_window_s <= w.duration <= options.max_window_s for w in windows)
    assert max(w.duration for w in windows) > options.target_max_s  # long ones exist too


def test_windows_prefer_good_openers(hour: list[Segment]) -> None:
    for w in build_windows(hour):
        assert not w.sentences[0].startswith(("And ", "But ", "Yeah."))


def test_short_episode_has_no_windows() -> None:
    segments = make_segments(12)
    assert segments[-1].end < 15
    assert build_windows(segments) == []
    assert score_episode(segments) == []  # returns before any model is needed


def test_four_minute_episode_shrinks_windows() -> None:
    segments = make_segments(240)
    options = ScoringOptions()
    episode_s = segments[-1].end - segments[0].start
    assert 230 < episode_s < 300
    bounds = length_bounds(options, episode_s)
    assert bounds.max_s == pytest.approx(episode_s / options.clip_count)  # about 40 s
    windows = build_windows(segments, options)
    assert windows
    assert all(options.min_window_s <= w.duration <= bounds.max_s for w in windows)
    assert max_disjoint([_scored(w, 1.0) for w in windows]) >= options.min_clips


def test_sentences_follow_punctuation_and_speakers() -> None:
    words = [
        Word(0.0, 0.4, " Hello"),
        Word(0.5, 0.9, " there."),
        Word(1.0, 1.4, " How"),
        Word(1.5, 1.9, " are"),
    ]
    more = [Word(2.0, 2.4, " you?"), Word(2.5, 2.9, " Fine")]
    segments = [
        Segment(0.0, 1.9, "Hello there. How are", tuple(words), "A"),
        Segment(2.0, 2.4, "you?", tuple(more[:1]), "A"),
        Segment(2.5, 2.9, "Fine", tuple(more[1:]), "B"),
    ]
    sentences = build_sentences(segments)
    assert [s.text for s in sentences] == ["Hello there.", "How are you?", "Fine"]
    assert [s.speaker for s in sentences] == ["A", "A", "B"]


def test_unpunctuated_runs_are_cut_at_pauses() -> None:
    words = []
    t = 0.0
    for i in range(200):
        words.append(Word(t, t + 0.3, f" word{i}"))
        t += 0.4 + (1.5 if i % 37 == 36 else 0.0)
    segment = Segment(0.0, t, "", tuple(words))
    sentences = build_sentences([segment])
    assert len(sentences) > 1
    assert all(s.end - s.start <= MAX_SENTENCE_S for s in sentences)
    assert [w for s in sentences for w in s.words] == words


def test_segments_without_word_timestamps() -> None:
    segments = [Segment(i * 6.0, i * 6.0 + 5.5, SENTENCES[i % len(SENTENCES)]) for i in range(40)]
    windows = build_windows(segments)
    assert windows
    assert all(15.0 <= w.duration <= 90.0 for w in windows)


def _scored(w: Window, score: float) -> ScoredMoment:
    return scored_moment(w.start, w.end, score, w.text, "how_to")


def _overlap_free(moments: list[ScoredMoment]) -> bool:
    ordered = sorted(moments, key=lambda m: m.start)
    return all(a.end <= b.start for a, b in itertools.pairwise(ordered))


def test_selection_is_non_overlapping_and_best_first(hour: list[Segment]) -> None:
    rng = random.Random(3)
    scored = [_scored(w, rng.uniform(0, 100)) for w in build_windows(hour)]
    picked = select_moments(scored)
    assert len(picked) == ScoringOptions().clip_count
    assert _overlap_free(picked)
    scores = [m.shareability_score for m in picked]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == max(m.shareability_score for m in scored)


def test_selection_count_and_limits(hour: list[Segment]) -> None:
    scored = [_scored(w, float(i % 97)) for i, w in enumerate(build_windows(hour))]
    assert len(select_moments(scored, count=3)) == 3
    assert len(select_moments(scored, count=50)) == ScoringOptions().max_clips
    options = ScoringOptions(min_score=1000.0)
    assert len(select_moments(scored, options)) == options.min_clips


def test_short_episode_still_gets_min_clips() -> None:
    segments = make_segments(240)
    windows = build_windows(segments)
    # Long windows score best: greedy alone would block the episode.
    scored = [_scored(w, w.duration) for w in windows]
    picked = select_moments(scored)
    assert len(picked) >= ScoringOptions().min_clips
    assert _overlap_free(picked)


def test_best_k_disjoint_matches_brute_force() -> None:
    rng = random.Random(5)
    items = []
    for _ in range(12):
        start = rng.uniform(0, 100)
        w = Window(start, start + rng.uniform(5, 30), ("x",))
        items.append(_scored(w, rng.uniform(0, 10)))
    for k in (1, 2, 3):
        best = max(
            (combo for combo in itertools.combinations(items, k) if _overlap_free(list(combo))),
            key=lambda c: sum(m.shareability_score for m in c),
        )
        got = best_k_disjoint(items, k)
        assert len(got) == k
        assert _overlap_free(got)
        assert sum(m.shareability_score for m in got) == pytest.approx(
            sum(m.shareability_score for m in best)
        )
