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
