"""Long-form repair: find stretches where decoding looped or dropped speech, and decode them again.

Batched faster-whisper decodes each VAD chunk (up to 30 s) on its own, greedily, with none of
the sequential decoder's safety nets (temperature fallback, seeking past the last timestamp).
On hour-long episodes a few chunks go wrong in two ways that a short clip never shows:

- *dropped speech*: the decoder ends a chunk early (or emits nothing), so tens of seconds of
  speech have no words; the chunk's words per second fall far below the episode's median, or a
  long gap opens between two words;
- *loops*: the decoder repeats a phrase until the window ends; the text compresses too well
  (gzip ratio above Whisper's 2.4), one n-gram repeats many times, or the words per second rise
  far above the median.

:func:`find_suspects` flags such stretches from the segments alone (pure, no audio);
:func:`repair_segments` decodes each flagged stretch again with the sequential decoder (beam
search, temperature fallback) and keeps the new words only when they look healthier by the same
measures. On clean audio nothing is flagged and the cost is nil.
"""

from __future__ import annotations

import itertools
import logging
import statistics
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podclip.scoring.types import Segment, Word

if TYPE_CHECKING:
    import numpy as np
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class RepairOptions:
    """When a stretch of a transcript is suspect, and how it is decoded again."""

    max_compression_ratio: float = 2.4
    """gzip ratio of a segment's text above which it is a loop (Whisper's own threshold)."""
    ngram_size: int = 3
    """Length of the word n-grams counted for repetition."""
    max_ngram_repeats: int = 4
    """A segment repeating one n-gram more often than this is a loop."""
    min_rate_ratio: float = 0.45
    """Words per second below this share of the median: speech was dropped."""
    max_rate_ratio: float = 2.2
    """Words per second above this multiple of the median: a loop or invented text."""
    min_segment_seconds: float = 6.0
    """Segments shorter than this are not judged on their rate (too few words to tell)."""
    max_gap_seconds: float = 4.0
    """A pause between two words longer than this is checked for dropped speech."""
    piece_seconds: float = 600.0
    """The median words per second is taken per piece of this length (speakers differ)."""
    pad_seconds: float = 0.4
    """Audio added on both sides of a suspect stretch before decoding it again."""
    max_repair_share: float = 0.25
    """Decode again at most this share of the audio (bounds the cost on hostile input)."""
    beam_size: int = 5
    """Beam width of the second decode."""


@dataclass(frozen=True)
class Suspect:
    """A stretch of audio (seconds) whose transcript looks wrong, and why."""

    start: float
    end: float
    reason: str


def compression_ratio(text: str) -> float:
    """Length of the UTF-8 text over its zlib-compressed length (as Whisper computes it)."""
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


def max_ngram_repeats(words: Sequence[str], size: int) -> int:
    """How often the most frequent word n-gram occurs (0 when there are fewer words)."""
    lowered = [w.lower().strip(".,?!\"'") for w in words]
    grams = Counter(tuple(lowered[i : i + size]) for i in range(len(lowered) - size + 1))
    return max(grams.values(), default=0)


def words_per_second(segment: Segment) -> float:
    """Spoken words per second of the segment's span."""
    return len(_words(segment)) / max(segment.end - segment.start, 1e-3)


def piece_medians(segments: Sequence[Segment], options: RepairOptions) -> dict[int, float]:
    """Median words per second of the long-enough segments in each piece (index by start)."""
    rates: dict[int, list[float]] = {}
    for segment in segments:
        if segment.end - segment.start >= options.min_segment_seconds:
            piece = int(segment.start // options.piece_seconds)
            rates.setdefault(piece, []).append(words_per_second(segment))
    everything = [r for values in rates.values() for r in values]
    overall = statistics.median(everything) if everything else 0.0
    # A piece with few judged segments borrows the whole transcript's median.
    return {
        piece: statistics.median(values) if len(values) >= 5 else overall
        for piece, values in rates.items()
    } | {-1: overall}


def segment_problems(segment: Segment, median_rate: float, options: RepairOptions) -> list[str]:
    """What is wrong with one segment ([] when nothing is)."""
    problems = []
    words = [w.text for w in _words(segment)]
    if compression_ratio(segment.text) > options.max_compression_ratio:
        problems.append("compression")
    if max_ngram_repeats(words, options.ngram_size) > options.max_ngram_repeats:
        problems.append("repeated-ngram")
    if segment.end - segment.start >= options.min_segment_seconds and median_rate > 0:
        rate = words_per_second(segment)
        if rate < options.min_rate_ratio * median_rate:
            problems.append("slow")
        elif rate > options.max_rate_ratio * median_rate:
            problems.append("fast")
    return problems


def find_suspects(
    segments: Sequence[Segment], duration: float, options: RepairOptions | None = None
) -> list[Suspect]:
    """Stretches (merged, padded, in time order) whose transcript looks looped or dropped."""
    options = options or RepairOptions()
    ordered = sorted(segments, key=lambda s: s.start)
    medians = piece_medians(ordered, options)
    found: list[Suspect] = []
    for segment in ordered:
        median = medians.get(int(segment.start // options.piece_seconds), medians[-1])
        problems = segment_problems(segment, median, options)
        if problems:
            found.append(Suspect(segment.start, segment.end, "+".join(problems)))
    words = [w for s in ordered for w in _words(s)]
    edges = [Word(0.0, 0.0, "", 1.0), *words, Word(duration, duration, "", 1.0)]
    for before, after in itertools.pairwise(edges):
        if after.start - before.end > options.max_gap_seconds:
            found.append(Suspect(before.end, after.start, "gap"))
    return _merge(found, duration, options)


def _merge(found: list[Suspect], duration: float, options: RepairOptions) -> list[Suspect]:
    """Pad, clip to the audio, join overlapping stretches, and keep within the repair budget."""
    merged: list[Suspect] = []
    for suspect in sorted(found, key=lambda s: s.start):
        start = max(0.0, suspect.start - options.pad_seconds)
        end = min(duration, suspect.end + options.pad_seconds)
        if merged and start <= merged[-1].end:
            last = merged[-1]
            reason = (
                last.reason if suspect.reason in last.reason else f"{last.reason},{suspect.reason}"
            )
            merged[-1] = Suspect(last.start, max(last.end, end), reason)
        elif end > start:
            merged.append(Suspect(start, end, suspect.reason))
    budget = options.max_repair_share * duration
    kept, used = [], 0.0
    # Loops first (they poison clips and captions), then the longest drops.
    for suspect in sorted(merged, key=lambda s: (_priority(s), -(s.end - s.start))):
        if used + (suspect.end - suspect.start) <= budget:
            kept.append(suspect)
            used += suspect.end - suspect.start
    return sorted(kept, key=lambda s: s.start)


def _priority(suspect: Suspect) -> int:
    if any(kind in suspect.reason for kind in ("compression", "repeated-ngram", "fast")):
        return 0
    return 1 if "slow" in suspect.reason else 2


def repair_segments(
    model: WhisperModel,
    audio: np.ndarray | str,
    segments: Sequence[Segment],
    language: str,
    duration: float,
    options: RepairOptions | None = None,
) -> tuple[Segment, ...]:
    """Decode every suspect stretch again and keep the healthier version of each.

    ``audio`` is 16 kHz mono samples or a file path (decoded only when something is suspect);
    ``duration`` its length in seconds.
    """
    options = options or RepairOptions()
    ordered = tuple(sorted(segments, key=lambda s: s.start))
    suspects = find_suspects(ordered, duration, options)
    if not suspects:
        return ordered
    samples = _samples(audio)
    medians = piece_medians(ordered, options)
    result = list(ordered)
    for suspect in suspects:
        old = [s for s in result if _inside(s, suspect)]
        new = redecode(model, samples, suspect, language, options)
        median = medians.get(int(suspect.start // options.piece_seconds), medians[-1])
        if _badness(new, suspect, median, options) < _badness(old, suspect, median, options):
            logger.info(
                "repaired %.1f-%.1f s (%s): %d words instead of %d",
                suspect.start,
                suspect.end,
                suspect.reason,
                sum(len(_words(s)) for s in new),
                sum(len(_words(s)) for s in old),
            )
            result = sorted(
                [s for s in result if not _inside(s, suspect)] + new, key=lambda s: s.start
            )
    return tuple(result)


def redecode(
    model: WhisperModel,
    samples: np.ndarray,
    suspect: Suspect,
    language: str,
    options: RepairOptions,
) -> list[Segment]:
    """The sequential decoder over one stretch: beam search with temperature fallback."""
    first, last = int(suspect.start * SAMPLE_RATE), int(suspect.end * SAMPLE_RATE)
    raw, _ = model.transcribe(
        samples[first:last],
        language=language,
        beam_size=options.beam_size,
        word_timestamps=True,
        # A gap may be music or silence that VAD rightly skipped: VAD again keeps Whisper from
        # inventing words there (nothing decoded keeps the gap as it was).
        vad_filter=True,
        # Each window on its own: conditioning on the (possibly looped) text before it is what
        # lets a loop carry on.
        condition_on_previous_text=False,
    )
    return [_shifted(s, suspect.start) for s in raw if s.text.strip()]


def _badness(
    segments: Sequence[Segment], suspect: Suspect, median: float, options: RepairOptions
) -> float:
    """How wrong a stretch's transcript looks: problems found plus how far its rate is off."""
    span = max(suspect.end - suspect.start, 1e-3)
    words = [w for s in segments for w in _words(s)]
    problems = sum(len(segment_problems(s, median, options)) for s in segments)
    if median <= 0 or span < options.min_segment_seconds:
        return float(problems)
    # Log-distance of the words per second from the median, so half and double weigh alike.
    import math

    rate = max(len(words) / span, 1e-2)
    return problems + abs(math.log(rate / median))


def _inside(segment: Segment, suspect: Suspect) -> bool:
    middle = (segment.start + segment.end) / 2
    return suspect.start <= middle <= suspect.end


def _shifted(raw: Any, offset: float) -> Segment:
    words = tuple(
        Word(
            start=float(w.start) + offset,
            end=float(w.end) + offset,
            text=w.word.strip(),
            probability=float(w.probability),
        )
        for w in (raw.words or ())
        if w.word.strip()
    )
    return Segment(
        start=float(raw.start) + offset,
        end=float(raw.end) + offset,
        text=raw.text.strip(),
        words=words,
    )


def _words(segment: Segment) -> tuple[Word, ...]:
    return tuple(w for w in segment.words if w.text)


def _samples(audio: np.ndarray | str) -> np.ndarray:
    if isinstance(audio, str):
        from faster_whisper.audio import decode_audio

        return decode_audio(audio, sampling_rate=SAMPLE_RATE)
    return audio
