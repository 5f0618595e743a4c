"""Word error rate for transcription tests and the long-form benchmark."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation (hyphens split words)."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words divided by the reference length."""
    ref = normalise(reference)
    return word_errors(ref, normalise(hypothesis)) / max(1, len(ref))


@lru_cache(maxsize=1)
def _whisper_normaliser() -> object:
    # Whisper's own English normaliser (as in its Rev16 evaluation): numbers spelled one way
    # ("twenty two" and "22" both become "22"), fillers and punctuation dropped, contractions
    # expanded. It is pure Python inside transformers; importing it does not load torch.
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    return EnglishTextNormalizer({})


def normalise_numbers(text: str) -> list[str]:
    """Words as Whisper's English normaliser writes them (numbers, punctuation, case)."""
    normaliser = _whisper_normaliser()
    return str(normaliser(text)).split()  # type: ignore[operator]


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Substitutions + deletions + insertions between two word lists (Levenshtein)."""
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        previous, row[0] = row[:], i
        for j, hyp_word in enumerate(hyp, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
    return row[-1]


@dataclass(frozen=True)
class PieceScore:
    """Word errors of one stretch of a long recording (seconds)."""

    index: int
    start: float
    end: float
    reference_words: int
    hypothesis_words: int
    errors: int

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.reference_words)


def piece_scores(
    reference: Sequence[tuple[float, float, str]],
    hypothesis: Sequence[tuple[float, float, str]],
    duration: float,
    piece_seconds: float = 600.0,
) -> list[PieceScore]:
    """WER per piece of ``piece_seconds``: timed reference sentences and hypothesis words are
    each put in the piece that holds their midpoint, then normalised with Whisper's normaliser.
    """
    count = max(1, math.ceil(duration / piece_seconds))
    refs: list[list[str]] = [[] for _ in range(count)]
    hyps: list[list[str]] = [[] for _ in range(count)]
    for bins, items in ((refs, reference), (hyps, hypothesis)):
        for start, end, text in items:
            bins[min(count - 1, int((start + end) / 2 // piece_seconds))].append(text)
    scores = []
    for index, (ref_texts, hyp_texts) in enumerate(zip(refs, hyps, strict=True)):
        ref, hyp = normalise_numbers(" ".join(ref_texts)), normalise_numbers(" ".join(hyp_texts))
        end = min(duration, (index + 1) * piece_seconds)
        errors = word_errors(ref, hyp)
        scores.append(PieceScore(index, index * piece_seconds, end, len(ref), len(hyp), errors))
    return scores
