"""The head's input: mean sentence embedding, mean context state and cues, for any span.

Training texts and inference windows go through the same path: split into sentences, embed
each sentence once, then represent a span of sentences by the re-normalised mean of its
sentence embeddings and the mean of its sentence cues (plus the speaker-turn share). Spans are
contiguous runs of rows in a sentence table, so the means come from cumulative sums and a
one-hour episode's thousands of overlapping windows cost one pass over its sentences.
The context block (`context_encoder.py`) is the mean token state of the span's tokens, read
from per-sentence sums and token counts the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .context_encoder import SentenceStates
from .cues import SENTENCE_CUES, SentenceCues, cue_rows

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SentenceTable:
    """Per-sentence embeddings, context-state sums, cue rows and speakers, in transcript order."""

    embeddings: Array  # (n, 384), unit rows
    cues: Array  # (n, len(SENTENCE_CUES))
    speakers: tuple[str | None, ...]
    context: Array | None = None  # (n, CONTEXT_DIM): sum of each sentence's token states
    tokens: Array | None = None  # (n,): how many tokens each sentence has


def make_table(
    embeddings: Array,
    cues: Sequence[SentenceCues],
    speakers: Sequence[str | None],
    context: SentenceStates | None = None,
) -> SentenceTable:
    """Bundle aligned per-sentence arrays."""
    if not (len(embeddings) == len(cues) == len(speakers)):
        raise ValueError("embeddings, cues and speakers must have one row per sentence")
    if context is not None and len(context.sums) != len(embeddings):
        raise ValueError("context states must have one row per sentence")
    return SentenceTable(
        embeddings,
        cue_rows(cues),
        tuple(speakers),
        None if context is None else context.sums,
        None if context is None else context.counts,
    )


def span_features(table: SentenceTable, spans: Sequence[tuple[int, int]]) -> Array:
    """Features for half-open row spans [a, b): mean embedding (unit) | mean context state |
    mean cues | turns (the context block only when the table has one)."""
    n = len(table.speakers)
    m = len(spans)
    context_dim = 0 if table.context is None else table.context.shape[1]
    width = table.embeddings.shape[1] + context_dim + len(SENTENCE_CUES) + 1
    if m == 0:
        return np.zeros((0, width), dtype=np.float32)
    a = np.fromiter((s for s, _ in spans), dtype=np.int64, count=m)
    b = np.fromiter((e for _, e in spans), dtype=np.int64, count=m)
    if np.any(b <= a) or np.any(a < 0) or np.any(b > n):
        raise ValueError("spans must be non-empty and inside the table")
    count = (b - a).astype(np.float64)[:, None]

    emb = range_sum(table.embeddings, a, b) / count
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    cue_mean = range_sum(table.cues, a, b) / count
    blocks = [emb]
    if table.context is not None and table.tokens is not None:
        tokens = range_sum(table.tokens[:, None], a, b)
        blocks.append(range_sum(table.context, a, b) / np.maximum(tokens, 1.0))

    # Speaker turns: over adjacent pairs (i, i+1) inside the span where both speakers are known.
    known = np.zeros(max(n - 1, 0))
    changed = np.zeros(max(n - 1, 0))
    for i in range(n - 1):
        x, y = table.speakers[i], table.speakers[i + 1]
        if x and y:
            known[i] = 1.0
            changed[i] = float(x != y)
    pair_b = np.maximum(b - 1, a)  # pairs a .. b-2
    known_sum = range_sum(known[:, None], a, pair_b)[:, 0] if n > 1 else np.zeros(m)
    changed_sum = range_sum(changed[:, None], a, pair_b)[:, 0] if n > 1 else np.zeros(m)
    turns = np.divide(changed_sum, known_sum, out=np.zeros(m), where=known_sum > 0)
    return np.hstack([*blocks, cue_mean, turns[:, None]]).astype(np.float32)


def range_sum(
    rows: npt.NDArray[np.floating], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Sum of rows[a:b] for each (a, b), via one cumulative sum in float64."""
    csum = np.zeros((len(rows) + 1, rows.shape[1]), dtype=np.float64)
    np.cumsum(rows, axis=0, dtype=np.float64, out=csum[1:])
    return csum[b] - csum[a]
