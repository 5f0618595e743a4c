"""Score every candidate window of an episode in one pass over its sentences.

Windows overlap heavily, so each distinct sentence is embedded once (batched, sorted by
length), each window is the mean of its sentence embeddings, and the head runs on all windows
as one matrix. Per-sentence type probabilities (the head applied to single sentences) pick the
hook and pull quote and feed the opening line's hook strength.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .classifier import Classifier, get_classifier
from .clauses import is_whole_clause
from .clauses import warm as warm_clauses
from .cues import SentenceCues, sentence_cues
from .domain import stretch_residual
from .encodings import episode_encodings
from .explain import Explanation, explain_span, hook_candidates, line_strength, quotability
from .features import make_table, span_features
from .housekeeping import housekeeping_evidence, housekeeping_spans
from .labels import CATEGORY_BY_TYPE, LABELS, MOMENT_TYPES, NONE_LABEL
from .options import ScoringOptions, length_bounds
from .select import select_moments
from .shareability import (
    calibrate,
    centred_mean,
    hook_form,
    hook_strength_rows,
    length_fit,
    moment_logit,
    raw_score,
    self_containedness_rows,
)
from .text import encodable, ends_question, opener_penalty
from .topics import Noun, clip_topics, word_counts
from .topics import warm as warm_topics
from .types import ScoredMoment, Segment, Window
from .windows import build_sentences, build_windows

logger = logging.getLogger(__name__)

_NONE = LABELS.index(NONE_LABEL)
WINDOW_BLOCK = 4096  # windows whose features are built and classified at once


@dataclass(frozen=True)
class _Rows:
    """The distinct sentences of a set of windows, and each window's row span."""

    texts: list[str]
    speakers: list[str | None]
    spans: list[tuple[int, int]]


def _collect_rows(windows: Sequence[Window]) -> _Rows:
    """Order sentences by time so windows from `build_windows` are contiguous row spans."""
    timed: dict[tuple[float, str], str | None] = {}
    for w in windows:
        if len(w.sentence_starts) == len(w.sentences):
            speakers_w = w.speakers if len(w.speakers) == len(w.sentences) else _pad(w)
            keys_w = zip(w.sentence_starts, w.sentences, strict=True)
            timed.update(zip(keys_w, speakers_w, strict=True))
    keys = sorted(timed)
    row_of = {key: i for i, key in enumerate(keys)}
    # Windows from `build_windows` are clean already; hand-made ones may not be.
    texts = [encodable(text) for _, text in keys]
    speakers = [timed[key] for key in keys]
    spans: list[tuple[int, int]] = []
    for w in windows:
        n = len(w.sentences)
        if n and len(w.sentence_starts) == n:
            # Keys are distinct and sorted, so matching first, last and count means the
            # window is exactly the rows in between.
            a = row_of[(w.sentence_starts[0], w.sentences[0])]
            b = row_of[(w.sentence_starts[-1], w.sentences[-1])]
            if b - a + 1 == n:
                spans.append((a, b + 1))
                continue
        # Hand-made or unordered window: give it rows of its own (embeddings still shared).
        first = len(texts)
        sentences = w.sentences or (w.text,)
        texts.extend(encodable(s) for s in sentences)
        speakers.extend(_speaker(w, i) for i in range(len(sentences)))
        spans.append((first, len(texts)))
    return _Rows(texts, speakers, spans)


def _speaker(w: Window, i: int) -> str | None:
    return w.speakers[i] if i < len(w.speakers) else None


def _pad(w: Window) -> tuple[str | None, ...]:
    return tuple(_speaker(w, i) for i in range(len(w.sentences)))


def score_windows(
    windows: Sequence[Window], options: ScoringOptions = ScoringOptions()
) -> list[ScoredMoment]:
    """Classify and score every window (returned in input order, unsorted)."""
    if not windows:
        return []
    return score_with(get_classifier(options.torch_threads), windows, options)


def score_with(
    classifier: Classifier, windows: Sequence[Window], options: ScoringOptions
) -> list[ScoredMoment]:
    """`score_windows` with an explicit classifier (tests and benchmarks pass their own)."""
    if not windows:
        return []
    return _score(classifier, windows, options).moments(explained=True)


def score_episode(
    segments: Sequence[Segment],
    options: ScoringOptions = ScoringOptions(),
    count: int | None = None,
    classifier: Classifier | None = None,
) -> list[ScoredMoment]:
    """Build windows, score them, and select the clips (best first); [] under 15 s.

    `classifier` defaults to the committed one; evaluation passes heads that never saw the episode.
    Only the selected clips get their text (reason, hook, pull quote): an hour has thousands of
    windows and a handful of clips.
    """
    windows = build_windows(segments, options)
    if not windows:
        return []
    avoid = housekeeping_spans([(s.start, s.end, s.text) for s in build_sentences(segments)])
    scored = _score(classifier or get_classifier(options.torch_threads), windows, options)
    return scored.explain(select_moments(scored.moments(explained=False), options, count, avoid))


@dataclass(frozen=True)
class _Scored:
    """An episode's windows with their types and scores; each window's text written on demand."""

    windows: Sequence[Window]
    rows: _Rows
    cues: list[SentenceCues]
    strength: npt.NDArray[np.float64]  # sentences x labels: `explain.line_strength`
    quotes: npt.NDArray[np.float64]  # sentences x labels: `explain.quotability`
    probs: npt.NDArray[np.floating]  # windows x labels, centred
    rounded: list[list[float]]  # the same, as shipped
    scores: list[float]
    version: str

    def moments(self, explained: bool) -> list[ScoredMoment]:
        """Every window as a moment, in input order; without reason, hook and pull quote
        unless `explained`."""
        if not explained:
            return [self._moment(k, None) for k in range(len(self.windows))]
        return self._explained(range(len(self.windows)))

    def explain(self, moments: Sequence[ScoredMoment]) -> list[ScoredMoment]:
        """The same moments (from `moments`, any order), with their text written."""
        index = {(w.start, w.end): k for k, w in enumerate(self.windows)}
        return self._explained([index[(m.start, m.end)] for m in moments])

    def _explained(self, picked: Sequence[int]) -> list[ScoredMoment]:
        rows = sorted({r for k in picked for r in range(*self.rows.spans[k])})
        texts = [self.rows.texts[r] for r in rows]
        # Every line that may become a hook is parsed once, in one batch (clauses.py), and
        # every sentence's nouns are tagged once (topics.py).
        warm_clauses(hook_candidates(list(dict.fromkeys(texts))))
        nouns = warm_topics(texts)
        said = word_counts(self.rows.texts)
        return [self._moment(k, self._text(k, said, nouns)) for k in picked]

    def _text(self, k: int, said: Counter[str], nouns: dict[str, tuple[Noun, ...]]) -> Explanation:
        a, b = self.rows.spans[k]
        t = self._type(k)
        sentences = self.rows.texts[a:b]
        return explain_span(
            MOMENT_TYPES[t],
            sentences,
            self.cues[a:b],
            self.strength[a:b, t],
            self.quotes[a:b, t],
            self.probs[k],
            self.rows.speakers[a:b],
            is_whole_clause,
            clip_topics(sentences, said, nouns=nouns.__getitem__),
        )

    def _type(self, k: int) -> int:
        return int(np.argmax(self.probs[k, : len(MOMENT_TYPES)]))

    def _moment(self, k: int, text: Explanation | None) -> ScoredMoment:
        w = self.windows[k]
        moment_type = MOMENT_TYPES[self._type(k)]
        return ScoredMoment(
            start=w.start,
            end=w.end,
            text=w.text,
            moment_type=moment_type,
            category=CATEGORY_BY_TYPE[moment_type],
            shareability_score=self.scores[k],
            reason=text.reason if text else "",
            hook=text.hook if text else "",
            pull_quote=text.pull_quote if text else "",
            type_probabilities=dict(zip(LABELS, self.rounded[k], strict=True)),
            model_version=self.version,
        )


def _score(classifier: Classifier, windows: Sequence[Window], options: ScoringOptions) -> _Scored:
    """Types and scores of every window, from one pass over the episode's sentences."""
    rows = _collect_rows(windows)
    cue_cache = {t: sentence_cues(t) for t in dict.fromkeys(rows.texts)}
    cues = [cue_cache[t] for t in rows.texts]
    # The episode is one running text: each sentence's context is what was said before it.
    embedded, states = episode_encodings(classifier, rows.texts)
    table = make_table(embedded, cues, rows.speakers, states)
    # In blocks of windows: a long episode's feature matrix (48k windows x 1,038 in float64
    # while it is built) would otherwise hold over a gigabyte at once.
    blocks = [
        _head_and_residual(classifier, span_features(table, rows.spans[i : i + WINDOW_BLOCK]))
        for i in range(0, len(rows.spans), WINDOW_BLOCK)
    ]
    starts_s = np.asarray([w.start for w in windows], dtype=np.float64)
    ends_s = np.asarray([w.end for w in windows], dtype=np.float64)
    cut_probs = np.vstack([p for p, _ in blocks])
    trust = None
    if classifier.domain is not None:
        # A stretch is judged by the minutes around it: one odd window of a real episode is
        # not talk unlike the training data, minutes of it are.
        residual = np.concatenate([r for _, r in blocks if r is not None])
        trust = classifier.domain.trust_at(stretch_residual(residual, starts_s, ends_s))
        cut_probs = classifier.domain.mix(cut_probs, trust)
    # Single sentences take the head's reading as is (domain.py says why); the span's trust
    # applies below, where an opening line speaks for its window.
    sentence_probs = classifier.proba(
        span_features(table, [(i, i + 1) for i in range(len(rows.texts))])
    )
    # Everything per sentence is computed once; windows index into these rows.
    strength = line_strength(rows.texts, cues, sentence_probs)
    quotes = quotability(rows.texts, cues, sentence_probs)
    forms = np.asarray(
        [
            np.nan if (f := hook_form(t, c)) is None else f
            for t, c in zip(rows.texts, cues, strict=True)
        ]
    )
    penalty = np.asarray([opener_penalty(t) for t in rows.texts])
    question = np.asarray([ends_question(t) for t in rows.texts], dtype=np.float64)

    first_rows = np.asarray([a for a, _ in rows.spans])
    last_rows = np.asarray([b - 1 for _, b in rows.spans])
    durations = ends_s - starts_s
    episode_s = float(ends_s.max() - starts_s.min())
    bounds = length_bounds(options, episode_s)
    self_contained = self_containedness_rows(penalty[first_rows], question[last_rows])
    # Cuts of one stretch share their evidence: a window's type probabilities are the mean
    # over the windows centred near it (shareability.CENTRE_HALF_WIDTH_S).
    probs = centred_mean(cut_probs, starts_s, ends_s)
    opening_probs = sentence_probs[first_rows]
    if classifier.domain is not None and trust is not None:
        opening_probs = classifier.domain.mix(opening_probs, trust)
    raw = raw_score(
        moment_logit(probs[:, _NONE]),
        hook_strength_rows(forms[first_rows], opening_probs[:, _NONE]),
        self_contained,
        length_fit(durations, bounds),
        window_housekeeping(rows.texts, rows.spans),
    )
    scores = np.round(calibrate(raw, classifier.head.calibration), 2).tolist()

    logger.debug("scored %d windows over %d sentences", len(windows), len(rows.texts))
    rounded: list[list[float]] = np.round(probs.astype(np.float64), 4).tolist()
    return _Scored(
        windows, rows, cues, strength, quotes, probs, rounded, scores, classifier.version
    )


def _head_and_residual(
    classifier: Classifier, features: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64] | None]:
    """Windows' type distributions and their distance from the training rows (domain.py;
    None without a guard)."""
    probs = classifier.proba(features)
    if classifier.domain is None:
        return probs, None
    return probs, classifier.domain.residual(features)


def window_housekeeping(
    texts: Sequence[str], spans: Sequence[tuple[int, int]]
) -> npt.NDArray[np.float64]:
    """0-1 per window: housekeeping evidence summed over its sentences (see housekeeping.py)."""
    cache: dict[str, float] = {}
    for t in texts:
        if t not in cache:
            # Back to additive evidence units, so a window's sentences add up.
            cache[t] = -float(np.log1p(-min(housekeeping_evidence(t).score, 0.999)))
    csum = np.concatenate([[0.0], np.cumsum([cache[t] for t in texts])])
    a = np.asarray([s for s, _ in spans], dtype=np.int64)
    b = np.asarray([e for _, e in spans], dtype=np.int64)
    return np.asarray(1.0 - np.exp(-(csum[b] - csum[a])), dtype=np.float64)
