"""The context block: how sentences are packed into encoder passes, and span means of it."""

from __future__ import annotations

import numpy as np
import pytest

from podclip.scoring.context_encoder import SentenceStates, _chunks
from podclip.scoring.cues import sentence_cues
from podclip.scoring.features import make_table, span_features


def test_sentences_share_a_pass_until_the_token_limit() -> None:
    ids = [[1] * 4, [2] * 4, [3] * 4, [4] * 4]
    assert _chunks(ids, [True, False, False, False], 8) == [[0, 1], [2, 3]]
    assert _chunks(ids, [True, False, False, False], 100) == [[0, 1, 2, 3]]


def test_a_new_document_starts_a_new_pass() -> None:
    ids = [[1] * 2, [2] * 2, [3] * 2]
    assert _chunks(ids, [True, False, True], 100) == [[0, 1], [2]]


def test_empty_sentences_take_no_pass() -> None:
    assert _chunks([[], [5, 6], []], [True, False, False], 100) == [[1]]


def test_a_span_reads_the_mean_state_of_its_tokens() -> None:
    texts = ["One two three.", "Four.", "Five six."]
    sums = np.asarray([[3.0, 0.0], [0.0, 4.0], [2.0, 2.0]], dtype=np.float32)
    counts = np.asarray([3.0, 1.0, 2.0], dtype=np.float32)
    emb = np.eye(3, 4, dtype=np.float32)
    table = make_table(
        emb, [sentence_cues(t) for t in texts], [None] * 3, SentenceStates(sums, counts)
    )
    feats = span_features(table, [(0, 3), (1, 2)])
    # [embedding (4) | context (2) | cues | turns]
    np.testing.assert_allclose(feats[0, 4:6], [5.0 / 6.0, 6.0 / 6.0], rtol=1e-6)
    np.testing.assert_allclose(feats[1, 4:6], [0.0, 4.0], rtol=1e-6)
    plain = span_features(make_table(emb, [sentence_cues(t) for t in texts], [None] * 3), [(0, 3)])
    assert feats.shape[1] == plain.shape[1] + 2


def test_context_states_must_match_the_sentences() -> None:
    states = SentenceStates(np.zeros((2, 2), np.float32), np.ones(2, np.float32))
    with pytest.raises(ValueError, match="one row per sentence"):
        make_table(np.zeros((3, 4), np.float32), [sentence_cues("x.")] * 3, [None] * 3, states)
