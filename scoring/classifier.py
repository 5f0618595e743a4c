"""The moment classifier: MiniLM sentence embeddings + cue features -> trained head.

Training texts and real passages (as speaker turns) go through `turns_features`, the same
sentence-table path as inference windows.

The head's weights live in `scoring/weights/head.npz` with a JSON sidecar (`head.json`) that
records the training data hash and settings. `MODEL_VERSION` names the embedder and the first
ten hex digits of the head's content hash, so any retrain that changes a weight changes it.
The embedder and head load once per process (`load_classifier` is an lru_cache loader).

Speaker alternation is learned only from the real passages (the written texts carry no
speaker turns, and real debates are rare), so it also enters as a fixed, documented prior:
among the moment types, the host-guest-debate logit rises by `DEBATE_TURN_BONUS` times the
share of sentence pairs where a known speaker changes. The prior only moves probability
between moment types; `p(none)` stays what the head said, so busy crosstalk does not look
more shareable just for having many turns.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .context_encoder import (
    CONTEXT_DIM,
    ContextEncoder,
    SentenceStates,
    load_context_encoder,
)
from .cues import CUE_NAMES, sentence_cues
from .domain import Domain, load_domain
from .embedder import EMBEDDING_DIM, Embedder, load_embedder, set_torch_threads
from .features import Array, SentenceTable, make_table, span_features
from .head import Head, load_head, softmax
from .labels import LABELS, NONE_LABEL
from .text import split_sentences

logger = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
HEAD_PATH = WEIGHTS_DIR / "head.npz"
SIDECAR_PATH = WEIGHTS_DIR / "head.json"
DOMAIN_PATH = WEIGHTS_DIR / "domain.npz"
MODEL_PREFIX = "minilm-gemma7-head-"
DEBATE_TURN_BONUS = 1.5

EmbedFn = Callable[[Sequence[str]], Array]
# Sentences in order and where a new document starts -> per-sentence token-state sums.
ContextFn = Callable[[Sequence[str], Sequence[bool]], SentenceStates]


class ModelNotTrainedError(RuntimeError):
    """The head's weights are missing: run `python -m scoring.train`."""


@functools.lru_cache(maxsize=1)
def load_committed_head() -> Head | None:
    """The committed head, or None before the first training run."""
    if not HEAD_PATH.exists():
        return None
    return load_head(HEAD_PATH)


@functools.lru_cache(maxsize=1)
def load_committed_domain() -> Domain | None:
    """The committed training-domain guard (`domain.py`), or None before it was fitted."""
    if not DOMAIN_PATH.exists():
        return None
    return load_domain(DOMAIN_PATH)


def model_version(head: Head | None, domain: Domain | None = None) -> str:
    """`minilm-gemma7-head-<10 hex>`: the head's content hash, or with a domain guard a hash
    of both (the guard changes scores, so it must change the version that keys caches)."""
    if head is None:
        return MODEL_PREFIX + "untrained"
    if domain is None:
        return MODEL_PREFIX + head.content_hash()[:10]
    both = hashlib.sha256(f"{head.content_hash()} {domain.content_hash()}".encode())
    return MODEL_PREFIX + both.hexdigest()[:10]


def read_sidecar() -> dict[str, Any]:
    """The training record next to the weights (empty before the first training run)."""
    if not SIDECAR_PATH.exists():
        return {}
    data: dict[str, Any] = json.loads(SIDECAR_PATH.read_text(encoding="utf-8"))
    return data


MODEL_VERSION: str = model_version(load_committed_head(), load_committed_domain())


@dataclass(frozen=True)
class Classifier:
    """A loaded embedder, head, (for heads that read it) the context encoder and the guard."""

    embedder: Embedder
    head: Head
    version: str
    context: ContextEncoder | None = None
    domain: Domain | None = None

    def embed(self, sentences: Sequence[str]) -> Array:
        """Unit sentence embeddings, one row per input."""
        return self.embedder.embed(sentences)

    @property
    def encode_context(self) -> ContextFn | None:
        """Context-state sums per sentence, or None when the head reads no context block."""
        return None if self.context is None else self.context.encode

    def proba(self, features: Array) -> Array:
        """The head's type distribution (columns in `LABELS` order) for feature rows."""
        return predict_proba(self.head, features)

    def span_proba(self, features: Array) -> Array:
        """`proba` for stretches of talk (windows, passages), discounted where a stretch lies
        far from the training rows (`domain.py`). Single sentences take `proba`: one sentence
        alone lies off the passages' subspace (84-96 % of an episode's sentences)."""
        probs = self.proba(features)
        return probs if self.domain is None else self.domain.guard(probs, features)


def predict_proba(head: Head, features: Array) -> Array:
    """Head probabilities with the speaker-turn prior for debates applied."""
    if head.labels != LABELS:
        raise ValueError(f"head labels {head.labels} do not match {LABELS}")
    logits = head.logits(features).astype(np.float64)
    probs = softmax(logits).astype(np.float64)
    turns = features[:, -1].astype(np.float64)
    if not np.any(turns > 0):
        return probs.astype(np.float32)
    none = LABELS.index(NONE_LABEL)
    types = [i for i in range(len(LABELS)) if i != none]
    type_logits = logits[:, types]
    type_logits[:, types.index(LABELS.index("host_guest_debate"))] += DEBATE_TURN_BONUS * turns
    out = np.empty_like(probs)
    out[:, types] = softmax(type_logits) * (1.0 - probs[:, [none]])
    out[:, none] = probs[:, none]
    return out.astype(np.float32)


@functools.lru_cache(maxsize=1)
def load_classifier() -> Classifier:
    """Load MiniLM and the committed head once per process."""
    head = load_committed_head()
    if head is None:
        raise ModelNotTrainedError(f"no head at {HEAD_PATH}; run `python -m scoring.train`")
    logger.info("moment classifier %s", MODEL_VERSION)
    context = load_context_encoder() if reads_context(head) else None
    return Classifier(load_embedder(), head, MODEL_VERSION, context, load_committed_domain())


def reads_context(head: Head) -> bool:
    """Whether the head was trained with the context block (its input width says so)."""
    return int(head.mean.shape[0]) == EMBEDDING_DIM + CONTEXT_DIM + n_cue_features()


# Two episodes scored at once in one worker would otherwise both load the models (0.7 GB
# each) before either is cached.
_LOADING = threading.Lock()


def get_classifier(torch_threads: int | None = None) -> Classifier:
    """The process-wide classifier, with torch limited to `torch_threads` (default: all cores)."""
    set_torch_threads(torch_threads)
    with _LOADING:
        return load_classifier()


def embed_unique(texts: Sequence[str], embed: EmbedFn) -> Array:
    """Embed each distinct string once and scatter back to input order."""
    unique = list(dict.fromkeys(texts))
    vectors = embed(unique)
    row = {t: i for i, t in enumerate(unique)}
    return vectors[[row[t] for t in texts]] if texts else vectors


Turns = Sequence[tuple[str | None, str]]


def turns_table(
    passages: Sequence[Turns], embed: EmbedFn, context: ContextFn | None = None
) -> tuple[SentenceTable, list[tuple[int, int]]]:
    """One sentence table over many passages of speaker turns, with each passage's row span.

    Each turn is split into sentences that keep the turn's speaker, as windows built from
    diarized segments do, so the speaker-turn feature means the same in training and inference.
    """
    sentences: list[str] = []
    speakers: list[str | None] = []
    spans: list[tuple[int, int]] = []
    for turns in passages:
        first = len(sentences)
        for speaker, text in turns:
            parts = split_sentences(text)
            sentences.extend(parts)
            speakers.extend([speaker] * len(parts))
        if len(sentences) == first:  # an empty passage still needs one row
            sentences.append("")
            speakers.append(None)
        spans.append((first, len(sentences)))
    cue_cache = {s: sentence_cues(s) for s in dict.fromkeys(sentences)}
    # Each passage is a document of its own: its first sentence starts a fresh context.
    states = None
    if context is not None:
        firsts = {a for a, _ in spans}
        states = context(sentences, [i in firsts for i in range(len(sentences))])
    cues = [cue_cache[s] for s in sentences]
    table = make_table(embed_unique(sentences, embed), cues, speakers, states)
    return table, spans


def turns_features(
    passages: Sequence[Turns], embed: EmbedFn, context: ContextFn | None = None
) -> Array:
    """Head input rows for passages of speaker turns (a plain text is one turn, speaker unknown)."""
    table, spans = turns_table(passages, embed, context)
    return span_features(table, spans)


def n_cue_features() -> int:
    """How many trailing feature columns are cues (the rest is the embedding)."""
    return len(CUE_NAMES)


def labels_of(probabilities: npt.NDArray[np.floating]) -> list[str]:
    """Argmax label per row."""
    return [LABELS[i] for i in np.argmax(probabilities, axis=1)]
