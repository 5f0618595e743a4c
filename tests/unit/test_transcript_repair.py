"""The long-form drift detector on synthetic segment lists: loops, dropped speech, gaps."""

from __future__ import annotations

from podclip.scoring.types import Segment, Word
from podclip.tasks.transcript_repair import (
    RepairOptions,
    Suspect,
    compression_ratio,
    find_suspects,
    max_ngram_repeats,
    segment_problems,
)

TEXT = [
    "so",
    "we",
    "started",
    "the",
    "show",
    "because",
    "nobody",
    "else",
    "was",
    "talking",
    "about",
    "the",
    "things",
    "we",
    "cared",
    "about",
    "and",
    "then",
    "people",
    "kept",
    "writing",
    "in",
    "asking",
    "for",
    "more",
    "episodes",
]
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu"]


def speech(count: int, seed: int) -> list[str]:
    """``count`` varied made-up words (ordinary speech does not compress like a loop)."""
    state, words = seed * 7919 + 17, []
    for _ in range(count):
        parts = []
        for _ in range(1 + state % 3):
            state = (state * 1103515245 + 12345) % 2**31
            parts.append(_SYLLABLES[state % len(_SYLLABLES)])
        words.append("".join(parts))
    return words


def segment(start: float, end: float, words: list[str]) -> Segment:
    """A segment whose words are spread evenly over [start, end]."""
    step = (end - start) / max(1, len(words))
    timed = tuple(
        Word(start=start + i * step, end=start + (i + 0.8) * step, text=w, probability=0.9)
        for i, w in enumerate(words)
    )
    return Segment(start=start, end=end, text=" ".join(words), words=timed)


def healthy(count: int, seconds: float = 25.0, rate: float = 3.0) -> list[Segment]:
    """``count`` back-to-back segments of ordinary speech at ``rate`` words per second."""
    per = int(seconds * rate)
    return [segment(i * seconds, (i + 1) * seconds, speech(per, i)) for i in range(count)]


def test_clean_transcript_has_no_suspects() -> None:
    segments = healthy(20)
    assert find_suspects(segments, duration=500.0) == []


def test_a_looped_segment_is_found() -> None:
    segments = healthy(20)
    loop = segment(250.0, 275.0, ("and then we went back " * 15).split())
    segments[10] = loop
    suspects = find_suspects(segments, duration=500.0)
    assert len(suspects) == 1
    assert suspects[0].start <= 250.0 and suspects[0].end >= 275.0
    assert "compression" in suspects[0].reason or "repeated-ngram" in suspects[0].reason


def test_a_dropped_chunk_is_found_by_its_rate() -> None:
    segments = healthy(20)
    segments[5] = segment(125.0, 150.0, TEXT[:6])  # 6 words in 25 s: the decoder stopped early
    suspects = find_suspects(segments, duration=500.0)
    assert [s.reason for s in suspects] == ["slow"]
    assert suspects[0].start < 125.0 < 150.0 < suspects[0].end


def test_a_missing_chunk_is_found_as_a_gap() -> None:
    segments = healthy(20)
    del segments[7]  # 25 s of speech with no segment at all
    suspects = find_suspects(segments, duration=500.0)
    assert len(suspects) == 1 and suspects[0].reason == "gap"
    assert suspects[0].start <= 175.5 and suspects[0].end >= 199.5


def test_missing_speech_at_the_end_is_a_gap() -> None:
    segments = healthy(10)
    suspects = find_suspects(segments, duration=300.0)
    assert len(suspects) == 1 and suspects[0].end == 300.0


def test_invented_fast_text_is_found() -> None:
    segments = healthy(20)
    segments[3] = segment(75.0, 100.0, speech(200, 99))  # 8 w/s
    assert [s.reason for s in find_suspects(segments, duration=500.0)] == ["fast"]


def test_rate_is_judged_against_the_piece_median() -> None:
    # A slow speaker in the second piece is not dropped speech: each piece has its own median.
    options = RepairOptions(piece_seconds=250.0)
    segments = healthy(10) + [
        segment(250.0 + i * 25, 275.0 + i * 25, speech(30, 50 + i)) for i in range(10)
    ]
    assert find_suspects(segments, duration=500.0, options=options) == []


def test_neighbouring_suspects_merge() -> None:
    segments = healthy(12)
    segments[2] = segment(50.0, 75.0, TEXT[:3])
    segments[3] = segment(75.0, 100.0, TEXT[:3])
    suspects = find_suspects(segments, duration=300.0)
    assert len(suspects) == 1
    assert suspects[0].start < 50.0 and suspects[0].end > 100.0


def test_repair_budget_bounds_the_work_and_keeps_loops_first() -> None:
    options = RepairOptions(max_repair_share=0.1)
    segments = healthy(20)
    segments[2] = segment(50.0, 75.0, TEXT[:4])  # dropped, 25 s
    segments[12] = segment(300.0, 325.0, ("we went back " * 25).split())  # loop, 25 s
    del segments[15:18]  # 75 s gap: over the 50 s budget alone
    suspects = find_suspects(segments, duration=500.0, options=options)
    assert sum(s.end - s.start for s in suspects) <= 50.0
    assert any("repeated-ngram" in s.reason or "compression" in s.reason for s in suspects)


def test_short_segments_are_not_judged_on_rate() -> None:
    short = segment(0.0, 3.0, ["yeah"])
    assert segment_problems(short, median_rate=3.0, options=RepairOptions()) == []


def test_measures() -> None:
    assert compression_ratio("abc abc abc abc abc abc abc abc abc abc abc") > 2.4
    assert compression_ratio(" ".join(TEXT)) < 2.4
    assert max_ngram_repeats(["a", "b", "c", "a", "b", "c", "a", "b", "c"], 3) == 3
    assert max_ngram_repeats(["a", "b"], 3) == 0


def test_suspect_is_a_plain_record() -> None:
    assert Suspect(1.0, 2.0, "gap") == Suspect(1.0, 2.0, "gap")
