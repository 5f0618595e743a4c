"""Deterministic stand-ins for the moment classifier's two encoders (no model weights).

Each gives the committed head inputs of the right shape, seeded by the text, so the scoring
and validation code runs end to end in milliseconds.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from podclip.scoring.context_encoder import CONTEXT_DIM, SentenceStates
from podclip.scoring.embedder import EMBEDDING_DIM
from podclip.scoring.types import Segment, Word


class HashEmbedder:
    """Stand-in for MiniLM: a unit vector seeded by the text."""

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(sentences), EMBEDDING_DIM), dtype=np.float32)
        for i, s in enumerate(sentences):
            v = np.random.default_rng(zlib.crc32(s.encode())).normal(size=EMBEDDING_DIM)
            out[i] = v / np.linalg.norm(v)
        return out


class HashContext:
    """Stand-in for the context encoder: one state per word, seeded by the word."""

    def encode(
        self, sentences: Sequence[str], new_document: Sequence[bool] | None = None
    ) -> SentenceStates:
        sums = np.zeros((len(sentences), CONTEXT_DIM), dtype=np.float32)
        for i, s in enumerate(sentences):
            for word in s.split():
                sums[i] += np.random.default_rng(zlib.crc32(word.encode())).normal(size=CONTEXT_DIM)
        counts = np.asarray([len(s.split()) for s in sentences], dtype=np.float32)
        return SentenceStates(sums, counts)


LINES = (
    "Here is the rule I wish I had learned at twenty.",
    "Most people wait for motivation, and it never shows up.",
    "Yeah.",
    "By 2030 half of the jobs in this field will look different.",
    "What would you tell someone who is starting today?",
    "Start small, write it down, and check it every Sunday.",
)


def make_segments(seconds: float) -> list[Segment]:
    """One segment per line, words timed at 2.7 words/s, two alternating speakers."""
    segments: list[Segment] = []
    t, i = 0.0, 0
    while t < seconds:
        line = LINES[i % len(LINES)]
        words = []
        for token in line.split():
            words.append(Word(round(t, 3), round(t + 0.3, 3), " " + token))
            t += 1 / 2.7
        segments.append(Segment(words[0].start, words[-1].end, line, tuple(words), "AB"[i % 2]))
        t += 0.4
        i += 1
    return segments
