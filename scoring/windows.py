"""Candidate clip windows: whole sentences, cut only at word boundaries.

faster-whisper segments hold several sentences or part of one, so sentences are rebuilt from
the words: a sentence ends at a word whose text ends in . ? ! (or where the speaker changes).
Unpunctuated runs (some ASR output, meeting transcripts) are cut at the longest pause once they
pass `MAX_SENTENCE_S`, so no "sentence" is too long to fit in a window. A window is a run of
consecutive sentences whose span fits the length limits; it starts at a word's start and ends
at a word's end, so a clip never begins or ends mid-word. Windows preferably start at a
sentence that works as an opening line (no "and", "but", "so that's why", no backchannel).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .options import ScoringOptions, length_bounds
from .text import encodable, ends_sentence, is_filler_sentence, opener_penalty
from .types import Segment, Window, Word

logger = logging.getLogger(__name__)

# Longest unpunctuated run kept as one sentence (seconds).
MAX_SENTENCE_S = 20.0
# A cut inside a long run leaves at least this much on each side (seconds).
MIN_PIECE_S = 3.0
# Openers above this penalty are only used when too few good openers exist.
POOR_OPENER = 0.55
# Use every sentence as a start when good openers are fewer than this share of sentences.
MIN_GOOD_OPENER_SHARE = 0.25


@dataclass(frozen=True)
class Sentence:
    """A sentence rebuilt from timed words (seconds), with its speaker when known."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    speaker: str | None = None


def segment_words(segment: Segment) -> tuple[Word, ...]:
    """The segment's words, or evenly timed stand-ins when it came without word timestamps."""
    if segment.words:
        return tuple(
            w if w.text.isascii() else replace(w, text=encodable(w.text))
            for w in segment.words
            if w.text.strip()
        )
    tokens = encodable(segment.text).split()
    if not tokens:
        return ()
    step = max(segment.end - segment.start, 0.0) / len(tokens)
    return tuple(
        Word(segment.start + i * step, segment.start + (i + 1) * step, token)
        for i, token in enumerate(tokens)
    )


def build_sentences(
    segments: Sequence[Segment], max_sentence_s: float = MAX_SENTENCE_S
) -> list[Sentence]:
    """Rebuild sentences across segment boundaries from word timings."""
    sentences: list[Sentence] = []
    current: list[Word] = []
    breaks: set[int] = set()  # indices in `current` where a new segment began
    speaker: str | None = None

    def flush() -> None:
        if current:
            run = tuple(current)
            sentences.extend(_split_long(run, frozenset(breaks), speaker, max_sentence_s))
        current.clear()
        breaks.clear()

    for segment in sorted(segments, key=lambda s: s.start):
        words = segment_words(segment)
        if not words:
            continue
        if current and segment.speaker != speaker:
            flush()
        speaker = segment.speaker
        if current:
            breaks.add(len(current))
        for word in words:
            current.append(word)
            if ends_sentence(word.text):
                flush()
    flush()
    # Overlapping speakers (meetings, crosstalk) can put a later segment's sentence before an
    # earlier segment's last one; time order keeps window spans honest.
    return sorted(sentences, key=lambda s: (s.start, s.end))


def _split_long(
    words: tuple[Word, ...], segment_breaks: frozenset[int], speaker: str | None, cap_s: float
) -> list[Sentence]:
    """Cut an over-long unpunctuated run at its best pause, recursively."""
    if words[-1].end - words[0].start <= cap_s or len(words) < 2:
        return [_sentence(words, speaker)]
    best_k, best_score = 0, -1.0
    for k in range(1, len(words)):
        left = words[k - 1].end - words[0].start
        right = words[-1].end - words[k].start
        if min(left, right) < min(MIN_PIECE_S, cap_s / 3):
            continue
        score = words[k].start - words[k - 1].end
        if words[k - 1].text.strip().endswith((",", ";", ":")):
            score += 0.5
        if k in segment_breaks:
            score += 0.3
        # Prefer cuts near the middle among equal pauses so pieces stay balanced.
        score -= 0.001 * abs(left - right)
        if score > best_score:
            best_k, best_score = k, score
    if best_k == 0:
        return [_sentence(words, speaker)]
    left_breaks = frozenset(b for b in segment_breaks if b < best_k)
    right_breaks = frozenset(b - best_k for b in segment_breaks if b > best_k)
    return _split_long(words[:best_k], left_breaks, speaker, cap_s) + _split_long(
        words[best_k:], right_breaks, speaker, cap_s
    )


def _sentence(words: tuple[Word, ...], speaker: str | None) -> Sentence:
    text = " ".join(w.text.strip() for w in words)
    return Sentence(words[0].start, words[-1].end, text, words, speaker)


def good_opener(sentence: Sentence) -> bool:
    """Whether a sentence can open a clip without the listener missing context."""
    return not is_filler_sentence(sentence.text) and opener_penalty(sentence.text) <= POOR_OPENER


def build_windows(
    segments: Sequence[Segment], options: ScoringOptions = ScoringOptions()
) -> list[Window]:
    """All runs of whole sentences whose span fits the (episode-adjusted) length limits."""
    sentences = build_sentences(segments)
    if not sentences:
        return []
    episode_s = max(s.end for s in sentences) - sentences[0].start
    if episode_s < options.min_window_s:
        return []
    bounds = length_bounds(options, episode_s)
    if bounds.max_s < 2 * MAX_SENTENCE_S:
        # Short episode, short windows: keep sentences short enough to combine.
        sentences = build_sentences(segments, max_sentence_s=bounds.max_s / 2)
    starts = [i for i, s in enumerate(sentences) if good_opener(s)]
    if len(starts) < MIN_GOOD_OPENER_SHARE * len(sentences):
        starts = list(range(len(sentences)))
    windows = _windows_from(sentences, starts, bounds.min_s, bounds.max_s)
    if len(windows) < options.min_clips:
        # Few good openers in a short episode: fall back to every sentence start.
        windows = _windows_from(sentences, range(len(sentences)), bounds.min_s, bounds.max_s)
    logger.debug("built %d windows from %d sentences", len(windows), len(sentences))
    return windows


def _windows_from(
    sentences: Sequence[Sentence], starts: Sequence[int], min_s: float, max_s: float
) -> list[Window]:
    windows: list[Window] = []
    for i in starts:
        start = sentences[i].start
        end = start
        for j in range(i, len(sentences)):
            end = max(end, sentences[j].end)
            if end - start > max_s:
                break
            if end - start >= min_s:
                windows.append(_window(sentences[i : j + 1], end))
    return windows


def _window(run: Sequence[Sentence], end: float) -> Window:
    return Window(
        start=run[0].start,
        end=end,
        sentences=tuple(s.text for s in run),
        speakers=tuple(s.speaker for s in run),
        words=tuple(w for s in run for w in s.words),
        sentence_starts=tuple(s.start for s in run),
    )
