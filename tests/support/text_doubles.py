"""Stand-ins for the text side of scoring in unit tests: a bag-of-words embedder, timed segments."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from podclip.scoring.types import Segment, Word


def bag_embed(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of hashed words of four letters or more, in any script (no model needed)."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"[^\W\d_]{4,}", text.lower()):
            out[i, zlib.crc32(word.encode()) % 64] += 1.0
        norm = np.linalg.norm(out[i])
        out[i] /= norm if norm else 1.0
    return out


def timed_segments(
    sentences: Sequence[str],
    seconds_each: float,
    speaker: Callable[[int], str] = lambda i: "host",
) -> list[Segment]:
    """One sentence per segment, every `seconds_each` s, its words spread evenly over it."""
    out = []
    for i, text in enumerate(sentences):
        start = i * seconds_each
        parts = text.split()
        step = (seconds_each - 0.5) / len(parts)
        words = tuple(
            Word(start + k * step, start + (k + 1) * step, t) for k, t in enumerate(parts)
        )
        out.append(Segment(start, words[-1].end, text, words, speaker(i)))
    return out
