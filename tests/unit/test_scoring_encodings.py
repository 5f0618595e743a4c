"""An episode scored again in one process reuses its sentence encodings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np
import pytest

from podclip.scoring import MODEL_VERSION, ScoringOptions, build_windows
from podclip.scoring.classifier import DOMAIN_PATH, Classifier, load_committed_head
from podclip.scoring.context_encoder import SentenceStates
from podclip.scoring.domain import load_domain
from podclip.scoring.encodings import KEPT_EPISODES, episode_encodings, forget_encodings
from podclip.scoring.scorer import score_with
from tests.support.scoring_doubles import HashContext, HashEmbedder, make_segments


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        self.calls = 0

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return super().embed(sentences)


class CountingContext(HashContext):
    def __init__(self) -> None:
        self.calls = 0

    def encode(
        self, sentences: Sequence[str], new_document: Sequence[bool] | None = None
    ) -> SentenceStates:
        self.calls += 1
        return super().encode(sentences, new_document)


def _classifier() -> tuple[Classifier, CountingEmbedder, CountingContext]:
    head = load_committed_head()
    if head is None:
        pytest.skip("no committed weights yet (run python -m scoring.train)")
    embedder, context = CountingEmbedder(), CountingContext()
    return Classifier(embedder, head, MODEL_VERSION, context), embedder, context  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    forget_encodings()
    yield
    forget_encodings()


def test_scoring_the_same_episode_again_runs_no_model_pass_and_gives_the_same_clips() -> None:
    classifier, embedder, context = _classifier()
    windows = build_windows(make_segments(300))
    first = score_with(classifier, windows, ScoringOptions())
    assert (embedder.calls, context.calls) == (1, 1)
    again = score_with(classifier, windows, ScoringOptions(clip_count=4))
    assert (embedder.calls, context.calls) == (1, 1)
    assert again == first
    forget_encodings()
    assert score_with(classifier, windows, ScoringOptions()) == first
    assert (embedder.calls, context.calls) == (2, 2)


def test_other_sentences_or_another_classifier_are_encoded_afresh() -> None:
    classifier, embedder, context = _classifier()
    texts = ["We sold the company in March.", "Nobody believed us."]
    episode_encodings(classifier, texts)
    episode_encodings(classifier, [*texts, "Then it rained."])
    assert (embedder.calls, context.calls) == (2, 2)
    other, other_embedder, _ = _classifier()
    episode_encodings(other, texts)
    assert other_embedder.calls == 1
    # One text more or less, or the same words split differently, is another episode.
    episode_encodings(classifier, ["We sold the company in March. Nobody believed us."])
    assert embedder.calls == 3


def test_another_head_or_guard_on_the_same_encoders_reuses_the_encodings() -> None:
    classifier, embedder, context = _classifier()
    windows = build_windows(make_segments(300))
    options = ScoringOptions()
    head = classifier.head
    other_head = replace(head, bias=head.bias + np.linspace(0.0, 2.0, head.bias.shape[0]))
    guard = load_domain(DOMAIN_PATH)
    for other in (replace(classifier, head=other_head), replace(classifier, domain=guard)):
        forget_encodings()
        first = score_with(classifier, windows, options)
        calls = (embedder.calls, context.calls)
        kept = score_with(other, windows, options)
        assert (embedder.calls, context.calls) == calls  # no model pass
        # The other head or guard was applied: not the first classifier's scores...
        assert [m.shareability_score for m in kept] != [m.shareability_score for m in first]
        forget_encodings()
        assert score_with(other, windows, options) == kept  # ...and what a fresh pass gives


def test_kept_encodings_are_read_only_and_bounded() -> None:
    classifier, embedder, _ = _classifier()
    embedded, states = episode_encodings(classifier, ["One line here."])
    assert states is not None
    for array in (embedded, states.sums, states.counts):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    for i in range(KEPT_EPISODES):
        episode_encodings(classifier, [f"Episode {i} line."])
    calls = embedder.calls
    episode_encodings(classifier, ["One line here."])  # the oldest was dropped
    assert embedder.calls == calls + 1
